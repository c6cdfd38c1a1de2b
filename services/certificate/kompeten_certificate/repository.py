"""Certificates and their number sequences in MongoDB."""

import re
from dataclasses import asdict
from datetime import UTC, date, datetime

from kompeten_chassis import outbox, unit_of_work
from kompeten_chassis.mongo import (
    Contended,
    add_to_list,
    at_once,
    aware,
    by_ids,
    change_version,
    insert_new,
    listed,
    take_run,
)
from kompeten_shared.errors import Conflict, NotFound
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from . import certificate, status_list
from .certificate import Certificate, ToIssue


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


def _to_doc(cert: Certificate) -> dict:
    doc = asdict(cert)
    doc["_id"] = doc.pop("number")
    doc["series"], doc["sequence"] = certificate.series_of(cert.number)
    doc["issued_on"] = cert.issued_on.isoformat()
    doc["valid_until"] = cert.valid_until and cert.valid_until.isoformat()
    return doc


def _from_doc(doc: dict) -> Certificate:
    doc = {key: value for key, value in doc.items()
           if key not in ("series", "sequence", "expiry_notified_at", "version",
                          outbox.FIELD)}
    doc["number"] = doc.pop("_id")
    doc["issued_on"] = date.fromisoformat(doc["issued_on"])
    doc["valid_until"] = doc["valid_until"] and date.fromisoformat(doc["valid_until"])
    return Certificate(**doc)


class Repository(unit_of_work.Repository):
    """Certificates carry an outbox for their status changes' events."""

    outbox_collections = ("certificates",)

    _known: set[tuple[str, str]] = set()  # (database, issuer code) stored in issuers

    def __init__(self, db: Database):
        super().__init__(db)
        self._versions: dict[str, int] = {}  # of the certificates read: what a change claims

    def _read(self, doc: dict) -> Certificate:
        self._versions[doc["_id"]] = doc.get("version", 0)
        return _from_doc(doc)

    def _change(self, number: str, update) -> bool:
        """A write of a certificate read by this repository, unless another writer changed it
        since (change_version: its next version claimed in certificate_versions): a
        revocation and the holder's identity arriving at the same moment both land."""
        changed = change_version(self.db.certificates, self.db.certificate_versions, number,
                                 self._versions[number], update, datetime.now(UTC))
        self._versions[number] += changed
        return changed

    def issue_all(self, wanted: list[ToIssue]) -> list[Certificate]:
        """The certificate of each source, in order: the one stored for it, or a new one under
        the next number of its series. A batch costs a few round trips (a lookup per source and
        per holder, then one insert each for the status slots, the certificates, their
        pointers and their holdings), where one at a time costs ten each.

        Numbers are gap-free and unique under any number of concurrent issuers because the
        number is the document's _id, taken by an ordered insert (take_run: one process's
        workers in turn, other instances found by the refused insert); the unique index on
        `source` refuses a second certificate for the same source. Only inserts and lookups by
        _id are relied on: no atomic counter (FerretDB's findAndModify is not atomic under
        concurrency) and no query that scans."""
        found = self._for_sources([one.source for one in wanted])
        for stored in found.values():  # a redelivery after a crash before these were stored
            self._hold(stored.participant_id, stored.number)
            self._know(stored.issuer)
        pending = list({one.source: one for one in wanted if one.source not in found}.values())
        while pending:  # a holder's second certificate after the first: it may renew it
            round_, holders = [], set()
            for one in pending:
                if one.participant_id not in holders:
                    holders.add(one.participant_id)
                    round_.append(one)
            pending = [one for one in pending if one not in round_]
            found.update(self._issue_round(round_))
        return [found[one.source] for one in wanted]

    def _for_sources(self, sources: list[str]) -> dict[str, Certificate]:
        pointers = by_ids(self.db.certificate_sources, sources)
        return {doc["source"]: self._read(doc) for doc in by_ids(
            self.db.certificates, [pointer["number"] for pointer in pointers])}

    def _issue_round(self, wanted: list[ToIssue]) -> dict[str, Certificate]:
        """New certificates, at most one per holder."""
        holders = [one.participant_id for one in wanted]
        held = dict(zip(holders, at_once(self._held, holders), strict=True))
        certs = {doc["_id"]: self._read(doc) for doc in by_ids(
            self.db.certificates, [number for numbers in held.values() for number in numbers])}
        slots = {one.source: index for index, one in take_run(
            (self.db.name, "status lists"), wanted, self._slot_taken, self._take_slots)}
        made: dict[str, Certificate] = {}

        def take(first: int, pending: list[ToIssue]) -> None:
            for k, one in enumerate(pending):
                made[one.source] = one.make(first + k, slots[one.source], [
                    certs[n] for n in dict.fromkeys(held[one.participant_id]) if n in certs])
            self.db.certificates.insert_many([_to_doc(made[one.source]) for one in pending],
                                             ordered=True)

        issued = {}
        for series in dict.fromkeys(one.series for one in wanted):
            placed = take_run((self.db.name, series),
                              [one for one in wanted if one.series == series],
                              lambda n, series=series: self._exists(
                                  certificate.number_in(series, n)), take)
            issued.update((one.source, made[one.source]) for _, one in placed)
        insert_new(self.db.certificate_sources, [
            {"_id": source, "number": cert.number} for source, cert in issued.items()])
        self._hold_new(issued.values(), held)
        for cert in issued.values():
            self._know(cert.issuer)
        for one in wanted:  # refused for their source: another instance issued them meanwhile
            if one.source not in issued:
                issued[one.source] = (self._for_sources([one.source]).get(one.source)
                                      or self._repair_pointer(one.source))
        return issued

    def _exists(self, number: str) -> bool:
        return self.db.certificates.find_one({"_id": number}, {"_id": 1}) is not None

    # Each certificate's bit in the status lists (from 1; bit 0 stays unused), claimed by
    # inserting {_id: "<index>"} (a string: FerretDB looks up only string _ids by index). A
    # claim whose certificate was never stored (a crash, a duplicate) leaves an unused bit,
    # which verifiers read as not revoked.
    def _slot_taken(self, index: int) -> bool:
        return self.db.status_slots.find_one({"_id": str(index)}, {"_id": 1}) is not None

    def _take_slots(self, first: int, wanted: list) -> None:
        self.db.status_slots.insert_many([{"_id": str(first + k)} for k in range(len(wanted))],
                                         ordered=True)

    def _repair_pointer(self, source: str) -> Certificate:
        """The certificate is there but its pointer is not (a crash between the two inserts,
        or an instance that is writing it now): the one query by a field, on a rare path."""
        cert = self._read(self.db.certificates.find_one({"source": source}))
        insert_new(self.db.certificate_sources, [{"_id": source, "number": cert.number}])
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

    def _hold_new(self, issued, held: dict[str, list[str]]) -> None:
        """New certificates (one per holder) after what their holders held when read: one
        insert; where another certificate of the holder landed meanwhile, by _hold."""
        places = {f"{cert.participant_id}:{len(held[cert.participant_id]) + 1}": cert
                  for cert in issued}
        refused = insert_new(self.db.holdings, [{"_id": place, "number": cert.number}
                                                 for place, cert in places.items()])
        for place in refused:
            self._hold(places[place].participant_id, places[place].number)

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

    def save_credential(self, cert: Certificate) -> None:
        """Unless it changed meanwhile: then the next download signs it anew again."""
        self._change(cert.number, {"$set": {"credential": cert.credential}})

    def save_identity(self, cert: Certificate) -> None:
        if not self._change(cert.number, {"$set": {"identity_hash": cert.identity_hash,
                                                   "credential": cert.credential}}):
            raise Contended(f"certificate {cert.number}")  # the event is requeued: read again

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
        if self.get(number).renewed_by == by:
            return  # marked before (a redelivery)
        if not self._change(number, {"$set": {"renewed_by": by}}):
            raise Contended(f"certificate {number}")  # the event is requeued: read again

    def get(self, number: str) -> Certificate:
        doc = self.db.certificates.find_one({"_id": number})
        if doc is None:
            raise NotFound(f"no certificate {number}", code="certificate_not_found")
        return self._read(doc)

    def expiring(self, today: date, until: date) -> list[Certificate]:
        """Valid certificates ending by `until` whose holders were not told yet."""
        return [self._read(d) for d in self.db.certificates.find({
            "valid_until": {"$gte": today.isoformat(), "$lte": until.isoformat()},
            "revocation": None, "renewed_by": None, "expiry_notified_at": None})]

    def mark_expiry_notified(self, number: str, at: datetime) -> None:
        """Unless it changed meanwhile: then the next hour's check tells (the same event id)."""
        self._change(number, {"$set": {"expiry_notified_at": at}})

    def save_status(self, cert: Certificate, staged: dict) -> None:
        """Store a status change made on the certificate as read, unless another officer
        changed it meanwhile (a revocation and a suspension at once: the certificate's next
        version, claimed by a unique insert, goes to one writer alone)."""
        if not self._change(cert.number, lambda: self.with_outbox(
                "certificates", cert.number, {"$set": {"revocation": cert.revocation,
                                                        "suspension": cert.suspension,
                                                        "history": cert.history}}, staged)):
            raise Conflict("the certificate's status changed meanwhile: look again",
                           code="certificate_changed")

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
        return [self._read(d) for d in self.db.certificates.find(query).sort(
            "_id", DESCENDING).limit(limit)]
