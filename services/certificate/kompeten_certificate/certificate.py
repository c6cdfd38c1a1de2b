"""Certificates: numbering, validity, status and the public view. Pure domain code."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from kompeten_shared import holder
from kompeten_shared.errors import Conflict
from kompeten_shared.vocabulary import KEMNAKER

from . import sharing


def series(issuer_code: str, scheme_code: str, year: int) -> str:
    return f"{issuer_code}.{scheme_code}.{year}"


def number(issuer_code: str, scheme_code: str, year: int, sequence: int) -> str:
    """<issuer>.<scheme>.<year>.<6-digit sequence>, e.g. LSP-GNI.GAR-OMP.2026.000014: sequential
    per issuer, scheme and year, and safe in a URL path."""
    return number_in(series(issuer_code, scheme_code, year), sequence)


def number_in(series: str, sequence: int) -> str:
    return f"{series}.{sequence:06d}"


def series_of(number: str) -> tuple[str, int]:
    """'LSP-GNI.GAR-OMP.2026.000014' -> ('LSP-GNI.GAR-OMP.2026', 14)"""
    series, _, sequence = number.rpartition(".")
    return series, int(sequence)


def valid_until(issued_on: date, years: int) -> date:
    """The day before the same date `years` later (29 February falls back to 28)."""
    try:
        anniversary = issued_on.replace(year=issued_on.year + years)
    except ValueError:
        anniversary = issued_on.replace(year=issued_on.year + years, day=28)
    return anniversary - timedelta(days=1)


def mask_name(name: str) -> str:
    """'Siti Rahmawati' -> 'Siti R*******': enough to recognise, not enough to harvest."""
    first, _, rest = name.strip().partition(" ")
    return first if not rest else f"{first} {rest[0]}{'*' * (len(rest) - 1)}"


KINDS = ("certification", "training")


def renewed_by_next(held: list["Certificate"], scheme_code: str) -> "Certificate | None":
    """Which of a holder's certificates a new certification of the scheme renews: the latest
    certification of it that is neither revoked nor renewed already (one revoked ends the
    chain: the next starts afresh)."""
    chain = [cert for cert in held
             if cert.kind == "certification" and cert.scheme_code == scheme_code
             and not cert.renewed_by]
    latest = max(chain, key=lambda cert: (cert.issued_on, cert.number), default=None)
    return None if latest is None or latest.revocation else latest


class ToIssue(NamedTuple):
    """A certificate to issue for a source (an assessment case, a training completion), once:
    `make(sequence, status_index, held)` draws it up under the number the series gives it,
    knowing the holder's certificates (`held`, for a renewal)."""

    source: str
    series: str
    participant_id: str
    make: Callable[[int, int, list["Certificate"]], "Certificate"]


def training_issuers(completion: dict) -> list[dict]:
    """Who certifies a completed course, as the programme says: the agency that ran it, under
    its own code (a tourism office, a trade office, a BLKI, a labour office), and/or the
    Ministry of Manpower (Kemnaker). A completion announced before programmes named their
    certificates gets the agency's; before agencies were named, the regency's labour office's,
    DISNAKER-<regency>."""
    wanted = completion.get("certificates")
    issuers = []
    if wanted is None or "agency" in wanted:
        code = completion.get("agency") or f"DISNAKER-{completion['region_code']}"
        issuers.append({"code": code, "name": completion["organiser"]})
    if wanted and "kemnaker" in wanted:
        issuers.append(dict(KEMNAKER))
    return issuers


def training_source(completion: dict, issuer: dict) -> str:
    """One training certificate per completion and issuer (the agency's keeps its older key)."""
    source = f"training:{completion['programme_id']}:{completion['participant_id']}"
    return source + (":" + KEMNAKER["code"] if issuer["code"] == KEMNAKER["code"] else "")


@dataclass
class Certificate:
    number: str
    participant_id: str
    source: str  # what it certifies, at most one certificate each: the case, or the completion
    case_id: str | None
    programme_id: str | None
    holder_name: str
    scheme_code: str
    scheme_title: str
    units: list[dict]
    issuer: dict
    issued_on: date
    valid_until: date | None  # None: does not expire (training certificates)
    kind: str = "certification"  # by an LSP after a K decision, or "training" by a labour office
    renews: str | None = None  # the earlier certificate of the same scheme it renews
    renewed_by: str | None = None
    credential: str | None = None  # the signed VC (VC-JOSE compact JWS)
    status_index: int | None = None  # its bit in the revocation and suspension lists
    revocation: dict | None = None  # {reason, by, at}: final
    suspension: dict | None = None  # {reason, by, at}: until reinstated
    history: list[dict] = field(default_factory=list)  # every status change, {action, ...}
    identity_hash: str | None = None  # the holder's salted NIK hash, from enrollment

    def identify(self, participant_id: str, hashed: str) -> bool:
        """Enrollment's word on whose it is; whether that changes the credential."""
        if participant_id != self.participant_id:
            raise Conflict(f"certificate {self.number} belongs to another participant",
                           code="holder_mismatch")
        changed, self.identity_hash = hashed != self.identity_hash, hashed
        return changed

    def holder_matches(self, nik: str, code: str) -> bool:
        if self.identity_hash is None:
            raise Conflict("the holder of this certificate is not identified yet",
                           code="holder_not_identified")
        return holder.matches(self.identity_hash, nik, code)

    def status(self, today: date) -> str:
        if self.revocation:
            return "revoked"
        if self.suspension:
            return "suspended"
        return "valid" if self.valid_until is None or today <= self.valid_until else "expired"

    def revoke(self, reason: str, by: str, at: datetime) -> None:
        """For good, e.g. after a fraud finding."""
        if self.revocation:
            raise Conflict("the certificate is already revoked", code="certificate_revoked")
        self.revocation = self._record("revoke", reason, by, at)

    def suspend(self, reason: str, by: str, at: datetime) -> None:
        """Until reinstated, e.g. after a failed surveillance."""
        if self.revocation:
            raise Conflict("the certificate is revoked", code="certificate_revoked")
        if self.suspension:
            raise Conflict("the certificate is already suspended",
                           code="certificate_suspended")
        self.suspension = self._record("suspend", reason, by, at)

    def reinstate(self, reason: str, by: str, at: datetime) -> None:
        if self.revocation:
            raise Conflict("a revoked certificate stays revoked", code="certificate_revoked")
        if not self.suspension:
            raise Conflict("the certificate is not suspended", code="certificate_not_suspended")
        self.suspension = None
        self._record("reinstate", reason, by, at)

    def _record(self, action: str, reason: str, by: str, at: datetime) -> dict:
        """A change kept in the history (a suspension lifted stays there); its record."""
        change = {"reason": reason, "by": by, "at": at}
        self.history.append({"action": action, **change})
        return change

    def history_view(self) -> list[dict]:
        """What happened to it, oldest first, beginning with its issue: for its issuer."""
        return [{"action": "issue", "reason": None, "by": self.issuer["name"],
                 "at": self.issued_on}, *self.history]

    def issued_event(self, verification_url: str) -> dict:
        return {"certificate_number": self.number, "kind": self.kind, "renews": self.renews,
                "participant_id": self.participant_id, "case_id": self.case_id,
                "programme_id": self.programme_id,
                "scheme_code": self.scheme_code,
                "scheme_title": self.scheme_title, "units": self.units, "issuer": self.issuer,
                "issued_on": self.issued_on, "valid_until": self.valid_until,
                "verification_url": verification_url}

    def public_view(self, today: date, verification_url: str) -> dict:
        ended = self.revocation or self.suspension
        return {"number": self.number, "kind": self.kind, "status": self.status(today),
                "status_reason": ended["reason"] if ended else None,
                "holder": mask_name(self.holder_name), "scheme_code": self.scheme_code,
                "scheme_title": self.scheme_title, "units": self.units, "issuer": self.issuer,
                "issued_on": self.issued_on, "valid_until": self.valid_until,
                "renews": self.renews, "renewed_by": self.renewed_by,
                "holder_identified": self.identity_hash is not None,
                "verification_url": verification_url,
                "add_to_profile_url": sharing.add_to_profile(
                    self.scheme_title, self.issuer["name"], self.issued_on, self.valid_until,
                    verification_url, self.number)}


def from_decision(decision: dict, sequence: int, issued_on: date, years: int,
                  status_index: int | None = None) -> Certificate:
    return Certificate(
        number=number(decision["lsp"]["code"], decision["scheme_code"], issued_on.year,
                      sequence),
        participant_id=decision["participant_id"], source=decision["case_id"],
        case_id=decision["case_id"],
        programme_id=decision.get("programme_id"), holder_name=decision["holder_name"],
        scheme_code=decision["scheme_code"], scheme_title=decision["scheme_title"],
        units=[{"code": u["code"], "title": u["title"]} for u in decision["units"]],
        issuer=dict(decision["lsp"]), issued_on=issued_on,
        valid_until=valid_until(issued_on, years), status_index=status_index)


def from_training(completion: dict, issuer: dict, sequence: int, issued_on: date,
                  status_index: int | None = None) -> Certificate:
    """An agency's or the Ministry's certificate that a participant completed a training
    programme. It attests a past fact, so it does not expire."""
    return Certificate(
        number=number(issuer["code"], completion["scheme_code"], issued_on.year, sequence),
        participant_id=completion["participant_id"],
        source=training_source(completion, issuer),
        case_id=None, programme_id=completion["programme_id"],
        holder_name=completion["asesi_name"], scheme_code=completion["scheme_code"],
        scheme_title=completion["programme_title"], units=[], issuer=issuer,
        issued_on=issued_on, valid_until=None, kind="training", status_index=status_index)
