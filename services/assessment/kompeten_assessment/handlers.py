"""Use cases: one function per command or event. Each runs in a unit of work (`uow.cases`,
`uow.registry`, events staged with the write they record), checks who may act (access.py),
asks the domain (case.py, registry.py) and stores. Nothing here knows about HTTP or nameko.
"""

import hashlib
import uuid
from datetime import date, datetime

from kompeten_chassis import regions, uploads
from kompeten_chassis.unit_of_work import UnitOfWork
from kompeten_shared import signing
from kompeten_shared.caller import Caller
from kompeten_shared.errors import Conflict, DomainError, InvalidInput

from . import access
from . import bnsp_report as report
from .case import Case, Evidence, Review, case_id_for
from .registry import Asesor, Lsp, Scheme, Tuk
from .schemas import MAX_EVIDENCE_BYTES


# events in ----------------------------------------------------------------------------------------
def open_case(uow: UnitOfWork, data: dict, event_id: str, now: datetime) -> Case | None:
    """A completed trainee of a programme leading to a BNSP certification gets a case; one whose
    scheme an external LSP holds is routed there and requested (assessment.requested).
    Apprentices are assessed when their apprenticeship ends, not at intake; a course leading
    only to an agency's or Kemnaker's training certificate has no assessment."""
    if not leads_to_assessment(data):
        return None
    with uow:
        scheme = uow.registry.scheme(data["scheme_code"])  # unknown: refused, dead-lettered
        case = Case(id=case_id_for(data["programme_id"], data["participant_id"]),
                    participant_id=data["participant_id"], programme_id=data["programme_id"],
                    scheme_code=scheme.code, asesi_name=data["asesi_name"], opened_at=now)
        case.audit.append({"at": now, "actor": "enrollment", "action": "opened",
                           "event_id": event_id})
        lsp = uow.registry.lsp_for(case.scheme_code)
        if lsp is not None and lsp.external:
            case.route_to(lsp, now)
        if not uow.cases.open(case):
            return None  # training.completed arrived twice
        if case.status == "requested":
            uow.publish("assessment.requested", {
                "case_id": case.id, "participant_id": case.participant_id,
                "programme_id": case.programme_id, "scheme_code": scheme.code,
                "scheme_title": scheme.title, "lsp_code": lsp.code,
                "asesi_name": case.asesi_name,
                "units": [{"code": code, "title": title} for code, title in scheme.units],
                "requested_at": case.opened_at,
            }, subject=case.participant_id, event_id=f"{case.id}:requested")
    return case


def leads_to_assessment(completion: dict) -> bool:
    """As the programme says; a completion from before programmes named their certificates
    (catalogue 2.2.0): every kind but an apprenticeship intake."""
    if completion.get("certificates") is not None:
        return "bnsp" in completion["certificates"]
    return completion["programme_kind"] != "apprenticeship_intake"


def lsp_keys(setting: str) -> dict[str, str]:
    """LSP_KEYS is `CODE=secret,CODE=secret`: each external LSP's signing secret."""
    pairs = (item.split("=", 1) for item in setting.split(",") if "=" in item)
    return {code.strip(): secret.strip() for code, secret in pairs}


def accept_external_decision(uow: UnitOfWork, tokens, keys: dict[str, str], event,
                             now: datetime) -> Case:
    """An external LSP's decision: accepted only from the LSP the case was routed to, for a
    scheme it is licensed for, with a valid signature and that LSP's client token; then
    recorded and published as assessment.decided. Anything else is refused with its reason."""
    data = event.data
    with uow:
        lsp = uow.registry.lsp(data["lsp"]["code"])
        if not lsp.external or event.producer != lsp.service_name:
            raise DomainError(f"{event.producer} may not submit decisions for {lsp.code}",
                              code="wrong_lsp")
        key = keys.get(lsp.code)
        if key is None or not signing.verify(event.raw_data, key):
            raise DomainError("the signature does not verify", code="bad_signature")
        access.is_lsp_client(tokens, event, lsp)
        case = uow.cases.get(data["case_id"])
        scheme = uow.registry.scheme(case.scheme_code)
        case.accept_external_decision(scheme, lsp, data, now)
        _save_decision(uow, case, scheme, lsp)
    return case


def withdraw_consent(uow: UnitOfWork, data: dict) -> int:
    """A withdrawn certification consent stops every open case of that person."""
    if data["purpose"] != "certification" or data["granted"]:
        return 0
    with uow:
        return uow.cases.withdraw_open_cases(data["participant_id"], data["recorded_at"])


# the report to BNSP ------------------------------------------------------------------------------
def bnsp_report(uow: UnitOfWork, caller: Caller, start: date, end: date,
                now: datetime) -> list[dict]:
    """The caller's LSP's cases decided in the period, one line each, and a record of who read
    them for the report."""
    caller.require(caller.lsp is not None, "only an LSP's staff report to BNSP")
    with uow:
        cases = [c for c in uow.cases.decided_cases(caller.lsp, start, end)
                 if c.status == "decided" and report.decided_between(c, start, end)]
        schemes = {s.code: s for s in uow.registry.schemes()}
        tuks = {t.code: t for t in uow.registry.tuks()}
        lines = [report.line(c, schemes[c.scheme_code], tuks.get(c.tuk_code)) for c in cases]
        uow.cases.record_export(caller, start, end, len(lines), now)
    return lines


# the registry -------------------------------------------------------------------------------------
def add_scheme(uow: UnitOfWork, body: dict) -> Scheme:
    scheme = Scheme(code=body["code"], title=body["title"], kind=body["kind"],
                    units=tuple((u["code"], u["title"]) for u in body["units"]),
                    validity_years=body["validity_years"], sector=body.get("sector"))
    if len(set(scheme.unit_codes)) != len(scheme.unit_codes):
        raise InvalidInput("a unit is listed twice", code="validation_failed",
                           details={"units": ["a unit is listed twice"]})
    with uow:
        uow.registry.add("scheme", scheme)
    return scheme


def add_lsp(uow: UnitOfWork, body: dict) -> Lsp:
    lsp = Lsp(**{**body, "schemes": frozenset(body["schemes"])})
    with uow:
        for code in lsp.schemes:
            uow.registry.scheme(code)
        uow.registry.add("lsp", lsp)
    return lsp


def set_quorum(uow: UnitOfWork, caller: Caller, code: str, quorum: int) -> Lsp:
    """The LSP's own staff set how many plenary members decide a case; cases already voted
    on count against the new quorum at their next vote."""
    access.is_lsp_staff(caller, code)
    with uow:
        uow.registry.lsp(code)
        uow.registry.set_quorum(code, quorum)
        return uow.registry.lsp(code)


def add_asesor(uow: UnitOfWork, caller: Caller, body: dict) -> Asesor:
    """An asesor of an LSP, for schemes that LSP holds, registered by that LSP's staff."""
    access.is_lsp_staff(caller, body["lsp_code"])
    asesor = Asesor(**{**body, "schemes": frozenset(body["schemes"]),
                       "trained_programmes": frozenset(body["trained_programmes"])})
    with uow:
        lsp = uow.registry.lsp(asesor.lsp_code)
        outside = sorted(asesor.schemes - lsp.schemes)
        if outside:
            raise DomainError(f"{lsp.code} does not hold these schemes",
                              code="scheme_not_held_by_lsp", details={"schemes": outside})
        uow.registry.add("asesor", asesor)
    return asesor


def set_asesor_status(uow: UnitOfWork, caller: Caller, registration_number: str,
                      active: bool) -> Asesor:
    with uow:
        access.is_lsp_staff(caller, uow.registry.asesor(registration_number).lsp_code)
        return uow.registry.set_active(registration_number, active)


def add_tuk(uow: UnitOfWork, caller: Caller, body: dict) -> Tuk:
    access.is_lsp_staff(caller, body["lsp_code"])
    if not regions.exists(body["region_code"]):
        raise InvalidInput("unknown regency code", code="validation_failed",
                           details={"region_code": ["unknown regency code"]})
    tuk = Tuk(**body)
    with uow:
        uow.registry.lsp(tuk.lsp_code)
        uow.registry.add("tuk", tuk)
    return tuk


# a case, step by step -----------------------------------------------------------------------------
def read_case(uow: UnitOfWork, caller: Caller, case_id: str) -> Case:
    case = uow.cases.get(case_id)
    access.may_read(caller, case)
    return case


def assign(uow: UnitOfWork, caller: Caller, case_id: str, asesor_reg: str, tuk_code: str,
           now: datetime, members: list[str] = ()) -> Case:
    """An asesor (or a team: a lead and members) and a TUK: licences, same LSP, no conflict of
    interest, daily load. LSP staff assign their own LSP's asesor."""
    with uow:
        case = uow.cases.get(case_id)
        asesor = uow.registry.asesor(asesor_reg)
        access.is_lsp_staff(caller, asesor.lsp_code)
        day = now.date()
        # a new TUK or team the same day keeps the asesor's place for this asesi
        kept = case.asesor == asesor_reg and case.assigned_on == day.isoformat()
        case.assign(uow.registry.scheme(case.scheme_code), uow.registry.lsp(asesor.lsp_code),
                    asesor, uow.registry.tuk(tuk_code), now,
                    0 if kept else uow.cases.places_taken(asesor_reg, day),
                    caller.actor, tuple(uow.registry.asesor(m) for m in members))
        if not (kept or uow.cases.take_place(asesor_reg, day, case.id, asesor.daily_limit)):
            raise Conflict(f"asesor {asesor_reg}'s last place on {day} was taken meanwhile",
                           code="asesor_daily_limit")
        uow.cases.save(case)
    return case


def add_evidence(uow: UnitOfWork, caller: Caller, case_id: str, body: dict,
                 now: datetime) -> Case:
    """A document for the portfolio (APL-02), kept once by its SHA-256 hash."""
    content = uploads.decoded(body["content"], MAX_EVIDENCE_BYTES)
    sha256 = hashlib.sha256(content).hexdigest()
    with uow:
        case = read_case(uow, caller, case_id)
        case.add_evidence(Evidence(
            id=str(uuid.uuid4()), sha256=sha256, size=len(content), type=body["type"],
            title=body["title"], submitted_at=now,
            issued_on=body["issued_on"].isoformat() if body["issued_on"] else None),
            caller.actor)
        uow.cases.store_file(sha256, content)
        uow.cases.save(case)
    return case


def _step(uow: UnitOfWork, case_id: str, who, act) -> Case:
    """Load the case, check who acts (`who(case)` returns what `act` needs of them), act, save."""
    with uow:
        case = uow.cases.get(case_id)
        act(case, uow.registry.scheme(case.scheme_code), who(case))
        uow.cases.save(case)
    return case


def self_assess(uow: UnitOfWork, caller: Caller, case_id: str, units: list,
                now: datetime) -> Case:
    """APL-02: the asesi's own judgement per unit, with references to their evidence."""
    return _step(uow, case_id, lambda case: access.is_asesi(caller, case),
                 lambda case, scheme, _: case.assess_self(scheme, units, now, caller.actor))


def brief(uow: UnitOfWork, caller: Caller, case_id: str, body: dict, now: datetime) -> Case:
    """The pembekalan the asesi attended, recorded by the LSP's staff or the asesor."""
    return _step(uow, case_id, lambda case: access.runs_the_assessment(caller, case),
                 lambda case, scheme, _: case.record_briefing(
                     body["held_on"], body["venue"], caller.actor, now))


def propose_agreement(uow: UnitOfWork, caller: Caller, case_id: str, scheduled_on,
                      now: datetime) -> Case:
    """FR.AK.01 as the lead asesor sets it out, for the asesi to accept."""
    return _step(uow, case_id, lambda case: access.is_assigned_asesor(caller, case),
                 lambda case, scheme, asesor: case.propose_agreement(asesor, scheduled_on,
                                                                     now))


def accept_agreement(uow: UnitOfWork, caller: Caller, case_id: str, now: datetime) -> Case:
    """The asesi agrees to the assessment and its confidentiality."""
    return _step(uow, case_id, lambda case: access.is_asesi(caller, case),
                 lambda case, scheme, _: case.accept_agreement(caller.actor, now))


def review(uow: UnitOfWork, caller: Caller, case_id: str, unit_code: str, body: dict,
           now: datetime) -> Case:
    """The asesor's VATM judgement of a unit's evidence."""
    return _step(uow, case_id, lambda case: access.is_assigned_asesor(caller, case),
                 lambda case, scheme, asesor: case.review(
                     scheme, unit_code, Review(reviewed_at=now, asesor=asesor, **body)))


def record_results(uow: UnitOfWork, caller: Caller, case_id: str, units: list,
                   now: datetime) -> Case:
    """K/BK per unit, with the method used."""
    return _step(uow, case_id, lambda case: access.is_assigned_asesor(caller, case),
                 lambda case, scheme, asesor: case.record(
                     scheme, uow.registry.asesor(asesor), units, now))


def recommend(uow: UnitOfWork, caller: Caller, case_id: str, now: datetime) -> Case:
    """The asesor's overall recommendation (K/BK) for the plenary."""
    return _step(uow, case_id, lambda case: access.is_assigned_asesor(caller, case),
                 lambda case, scheme, asesor: case.recommend(scheme, asesor, now))


def decide(uow: UnitOfWork, caller: Caller, case_id: str, changes: list[dict],
           now: datetime) -> Case:
    """A plenary member's vote, by a member of the case's LSP who assessed none of it; the
    vote that completes the LSP's quorum decides, recorded with its assessment.decided event.
    Two members voting at once cannot both count on the same version of the case (save()
    refuses the second). Voting on a decided case re-sends the same event id, which consumers
    skip: a manual repair."""
    with uow:
        case = uow.cases.get(case_id)
        access.is_independent_plenary(caller, case)
        scheme = uow.registry.scheme(case.scheme_code)
        lsp = uow.registry.lsp(case.lsp_code)
        if case.status != "decided":
            if case.vote(scheme, caller.actor, lsp.plenary_quorum, changes, now):
                _save_decision(uow, case, scheme, lsp)
            else:
                uow.cases.save(case)
        else:
            uow.publish(*_decided(case, scheme, lsp))
    return case


def _decided(case: Case, scheme: Scheme, lsp: Lsp) -> tuple:
    return ("assessment.decided", case.decided_event(scheme, lsp), case.participant_id,
            f"{case.id}:decided:{case.decision['number']}")


def _save_decision(uow: UnitOfWork, case: Case, scheme: Scheme, lsp: Lsp) -> None:
    """The decision and its event in one write (the case's outbox)."""
    uow.cases.save_decided(case, uow.stage(*_decided(case, scheme, lsp)))


def appeal(uow: UnitOfWork, caller: Caller, case_id: str, reason: str, now: datetime) -> Case:
    """The asesi's appeal (banding) against a BK decision, within the window."""
    return _step(uow, case_id, lambda case: access.is_asesi(caller, case),
                 lambda case, scheme, _: case.file_appeal(reason, now, caller.actor))


def decide_appeal(uow: UnitOfWork, caller: Caller, case_id: str, outcome: str, reason: str,
                  now: datetime) -> Case:
    """Upheld: the BK units are assessed again, the K units stand. Rejected: final."""
    return _step(uow, case_id, lambda case: access.is_independent_plenary(caller, case),
                 lambda case, scheme, _: case.decide_appeal(caller.actor, outcome, reason, now))
