"""Certificates and their number sequences in MongoDB."""

import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime

from kompeten_chassis import outbox, unit_of_work
from kompeten_chassis.mongo import add_to_list, aware, claim, listed, take_next
from kompeten_shared.errors import Conflict, NotFound
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from . import certificate, status_list
from .certificate import Certificate


def prepare(db: Database) -> None:
    # The guard against issuing twice for one decision, whatever the redelivery or the number
    # of service instances: one certificate per assessment case or training completion.
    db.certificates.create_index([("source", ASCENDING)], unique=True)
    db.certificates.create_index([("participant_id", ASCENDING), ("scheme_code", ASCENDING)])
    db.certificates.create_index([("status_index", ASCENDING)], unique=True)
    db.certificates.create_index([("issuer.code", ASCENDING), ("_id", DESCENDING)])
    if db.holdings.find_one() is None or db.issuers.find_one() is None:
        # a database from before the holdings and the issuers' records: once, a scan
        repo = Repository(db)
        for doc in db.certificates.find({}, {"participant_id": 1, "issuer": 1}).sort("_id"):
            repo._hold(doc["participant_id"], doc["_id"])
            repo._know(doc["issuer"])


class IssuedMeanwhile(Exception):
    """The source's certificate was stored by another issuer while this one numbered it."""


def _to_doc(cert: Certificate) -> dict:
    doc = asdict(cert)
    doc["_id"] = doc.pop("number")
    doc["series"], doc["sequence"] = certificate.series_of(cert.number)
    doc["issued_on"] = cert.issued_on.isoformat()
    doc["valid_until"] = cert.valid_until and cert.valid_until.isoformat()
    return doc


def _from_doc(doc: dict) -> Certificate:
    doc = {key: value for key, value in doc.items()
           if key not in ("series", "sequence", "expiry_notified_at", outbox.FIELD)}
    doc["number"] = doc.pop("_id")
    doc["issued_on"] = date.fromisoformat(doc["issued_on"])
    doc["valid_until"] = doc["valid_until"] and date.fromisoformat(doc["valid_until"])
    return Certificate(**doc)


class Repository(unit_of_work.Repository):
    """Certificates carry an outbox for their status changes' events."""

    outbox_collections = ("certificates",)

    _known: set[tuple[str, str]] = set()  # (database, issuer code) stored in issuers

    def issue(self, source: str, series: str,
              make: Callable[[int, int], Certificate]) -> Certificate:
        """Store the certificate for a source (a case, a training completion) under the next
        number of its series, or return the one already stored for the source.

        Numbers are gap-free and unique under any number of concurrent issuers because the
        number is the document's _id, taken by an insert (take_next: one process's workers in
        turn, other instances found by the refused insert); the unique index on `source`
        refuses a second certificate for the same source. Only single inserts and lookups by
        _id are relied on: no atomic counter (FerretDB's findAndModify is not atomic under
        concurrency) and no query that scans."""
        cert = self.for_source(source)
        if cert is None:
            try:
                cert = self._numbered(source, series, make)
            except IssuedMeanwhile:
                cert = self.for_source(source) or self._repair_pointer(source)
        # also for one stored before: a redelivery after a crash before these were stored
        # mends them
        self._hold(cert.participant_id, cert.number)
        self._know(cert.issuer)
        return cert

    def _numbered(self, source: str, series: str,
                  make: Callable[[int, int], Certificate]) -> Certificate:
        status_index = take_next((self.db.name, "status lists"), self._slot_taken,
                                 self._take_slot)

        def take(sequence: int) -> Certificate:
            cert = make(sequence, status_index)
            try:
                self.db.certificates.insert_one(_to_doc(cert))
            except DuplicateKeyError:
                holder = self.db.certificates.find_one({"_id": cert.number}, {"source": 1})
                if holder is not None and holder["source"] != source:
                    raise  # another issuer took the number: take_next searches on
                raise IssuedMeanwhile() from None
            return cert

        cert = take_next((self.db.name, series),
                         lambda n: self._exists(certificate.number_in(series, n)), take)
        self._point(source, cert.number)
        return cert

    def _exists(self, number: str) -> bool:
        return self.db.certificates.find_one({"_id": number}, {"_id": 1}) is not None

    # Each certificate's bit in the status lists (from 1; bit 0 stays unused), claimed by
    # inserting {_id: "<index>"} (a string: FerretDB looks up only string _ids by index). A
    # claim whose certificate was never stored (a crash, a duplicate) leaves an unused bit,
    # which verifiers read as not revoked.
    def _slot_taken(self, index: int) -> bool:
        return self.db.status_slots.find_one({"_id": str(index)}, {"_id": 1}) is not None

    def _take_slot(self, index: int) -> int:
        self.db.status_slots.insert_one({"_id": str(index)})
        return index

    def _point(self, source: str, number: str) -> None:
        try:
            self.db.certificate_sources.insert_one({"_id": source, "number": number})
        except DuplicateKeyError:
            pass

    def _repair_pointer(self, source: str) -> Certificate:
        """The certificate is there but its pointer is not (a crash between the two inserts,
        or an instance that is writing it now): the one query by a field, on a rare path."""
        cert = _from_doc(self.db.certificates.find_one({"source": source}))
        self._point(source, cert.number)
        return cert

    def _held(self, participant_id: str) -> list[str]:
        """The numbers a participant holds, from their holdings {_id: "<participant>:<k>"}:
        a few lookups by _id instead of a query on participant_id, which would scan every
        certificate on FerretDB."""
        return listed(self.db.holdings, participant_id, "number")

    def _hold(self, participant_id: str, number: str) -> None:
        """Adds the certificate to its holder's holdings unless it is there (two certificates
        issued at once for one holder both land)."""
        add_to_list(self.db.holdings, participant_id, "number", number)

    def _know(self, issuer: dict) -> None:
        """The issuers whose profile and status list are served: each from its first
        certificate (its name as that certificate gives it). Remembered per process, so an
        issuance costs no write for an issuer already known."""
        key = (self.db.name, issuer["code"])
        if key in self._known:
            return
        try:
            self.db.issuers.insert_one({"_id": issuer["code"], "name": issuer["name"]})
        except DuplicateKeyError:
            pass
        self._known.add(key)

    def issuer(self, code: str) -> dict:
        doc = self.db.issuers.find_one({"_id": code})
        if doc is None:
            raise NotFound(f"no issuer {code} has issued a certificate here",
                           code="issuer_not_found")
        return {"code": doc["_id"], "name": doc["name"]}

    def for_source(self, source: str) -> Certificate | None:
        pointer = self.db.certificate_sources.find_one({"_id": source})
        return self.get(pointer["number"]) if pointer else None

    def renewable(self, participant_id: str, scheme_code: str) -> Certificate | None:
        """The certificate a new certification of the scheme would renew (certificate.py),
        among the holder's, read through their holdings: for a first certification, one
        lookup and no write."""
        return certificate.renewed_by_next(self.for_participant(participant_id), scheme_code)

    def save_credential(self, cert: Certificate) -> None:
        self.db.certificates.update_one({"_id": cert.number},
                                        {"$set": {"credential": cert.credential}})

    def save_identity(self, cert: Certificate) -> None:
        self.db.certificates.update_one({"_id": cert.number}, {"$set": {
            "identity_hash": cert.identity_hash, "credential": cert.credential}})

    # wallet delivery (wallet.py): one-time codes, access tokens, nonces, kept by their hash ---
    def add_wallet_secret(self, kind: str, digest: str, number: str | None,
                          expires_at: datetime) -> None:
        self.db.wallet.insert_one({"_id": f"{kind}:{digest}", "number": number,
                                   "expires_at": expires_at})

    def wallet_secret(self, kind: str, digest: str, now: datetime) -> dict | None:
        """The code, token or nonce if it exists and has not expired."""
        doc = self.db.wallet.find_one({"_id": f"{kind}:{digest}"})
        return doc if doc and aware(doc["expires_at"]) > now else None

    def use_wallet_secret(self, kind: str, digest: str, now: datetime) -> dict | None:
        """Once only, however many ask at once: the first to claim it by a unique insert."""
        doc = self.wallet_secret(kind, digest, now)
        if doc is None:
            return None
        try:
            self.db.wallet_used.insert_one({"_id": doc["_id"], "at": now,
                                            "expires_at": doc["expires_at"]})
        except DuplicateKeyError:
            return None
        return doc

    def purge_wallet_secrets(self, now: datetime) -> int:
        """Codes, tokens and nonces past their lifetime, and the marks of their use: nothing
        accepts them any more (a scan each, from the hourly timer)."""
        gone = self.db.wallet.delete_many({"expires_at": {"$lt": now}}).deleted_count
        self.db.wallet_used.delete_many({"expires_at": {"$lt": now}})
        return gone

    def mark_renewed(self, number: str, by: str) -> None:
        self.db.certificates.update_one({"_id": number}, {"$set": {"renewed_by": by}})

    def get(self, number: str) -> Certificate:
        doc = self.db.certificates.find_one({"_id": number})
        if doc is None:
            raise NotFound(f"no certificate {number}", code="certificate_not_found")
        return _from_doc(doc)

    def expiring(self, today: date, until: date) -> list[Certificate]:
        """Valid certificates ending by `until` whose holders were not told yet."""
        return [_from_doc(d) for d in self.db.certificates.find({
            "valid_until": {"$gte": today.isoformat(), "$lte": until.isoformat()},
            "revocation": None, "renewed_by": None, "expiry_notified_at": None})]

    def mark_expiry_notified(self, number: str, at: datetime) -> None:
        self.db.certificates.update_one({"_id": number}, {"$set": {"expiry_notified_at": at}})

    def save_status(self, cert: Certificate, staged: dict) -> None:
        """Store a status change made on the certificate as read, unless another officer
        changed it meanwhile (a revocation and a suspension at once): the n-th change of a
        certificate is claimed by a unique insert, which one writer alone wins."""
        if not claim(self.db.status_changes, f"{cert.number}:{len(cert.history)}",
                     datetime.now(UTC)):
            raise Conflict("the certificate's status changed meanwhile: look again",
                           code="certificate_changed")
        self.db.certificates.update_one({"_id": cert.number}, self.with_outbox(
            "certificates", cert.number, {"$set": {"revocation": cert.revocation,
                                                    "suspension": cert.suspension,
                                                    "history": cert.history}}, staged))

    def status_values(self, issuer_code: str) -> dict[int, int]:
        """The issuer's revoked or suspended certificates' entries in its status list."""
        return {d["status_index"]: status_list.value(d["revocation"], d["suspension"])
                for d in self.db.certificates.find(
                    {"issuer.code": issuer_code,
                     "$or": [{"revocation": {"$ne": None}}, {"suspension": {"$ne": None}}]},
                    {"status_index": 1, "revocation": 1, "suspension": 1})}

    def for_participant(self, participant_id: str) -> list[Certificate]:
        return sorted((self.get(number) for number in set(self._held(participant_id))),
                      key=lambda cert: cert.number)

    def register(self, issuers: list[str], kind: str | None, search: str,
                 limit: int) -> list[Certificate]:
        """An issuer's certificates, the latest number first; `search` matched (in any case)
        within the number or the scheme's code or title."""
        query: dict = {"issuer.code": {"$in": issuers}}
        if kind:
            query["kind"] = kind
        if search:
            pattern = {"$regex": re.escape(search), "$options": "i"}
            query["$or"] = [{"_id": pattern}, {"scheme_code": pattern},
                            {"scheme_title": pattern}]
        return [_from_doc(d) for d in self.db.certificates.find(query).sort(
            "_id", DESCENDING).limit(limit)]
