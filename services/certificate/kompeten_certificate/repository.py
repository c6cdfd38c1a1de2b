"""Certificates and their number sequences in MongoDB."""

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime

from kompeten_shared.errors import NotFound
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from . import certificate
from .certificate import Certificate
from .signing import SigningKey


def prepare(db: Database) -> None:
    if db.signing_keys.find_one({}, {"_id": 1}) is None:
        add_key(db, SigningKey.generate(datetime.now(UTC)))
    # The guard against issuing twice for one decision, whatever the redelivery or the number
    # of service instances: one certificate per assessment case or training completion.
    db.certificates.create_index([("source", ASCENDING)], unique=True)
    db.certificates.create_index([("series", ASCENDING), ("sequence", DESCENDING)])
    db.certificates.create_index([("participant_id", ASCENDING), ("scheme_code", ASCENDING)])
    db.certificates.create_index([("status_index", ASCENDING)], unique=True)


def _to_doc(cert: Certificate) -> dict:
    doc = asdict(cert)
    doc["_id"] = doc.pop("number")
    doc["series"], doc["sequence"] = certificate.series_of(cert.number)
    doc["issued_on"] = cert.issued_on.isoformat()
    doc["valid_until"] = cert.valid_until and cert.valid_until.isoformat()
    return doc


def _from_doc(doc: dict) -> Certificate:
    doc = {key: value for key, value in doc.items()
           if key not in ("series", "sequence", "expiry_notified_at")}
    doc["number"] = doc.pop("_id")
    doc["issued_on"] = date.fromisoformat(doc["issued_on"])
    doc["valid_until"] = doc["valid_until"] and date.fromisoformat(doc["valid_until"])
    return Certificate(**doc)


def add_key(db: Database, key: SigningKey) -> None:
    db.signing_keys.insert_one({"_id": key.kid, **asdict(key)})


def _key(doc: dict) -> SigningKey:
    return SigningKey(**{k: v for k, v in doc.items() if k != "_id"})


class Repository:
    def __init__(self, db: Database):
        self.db = db

    def issue(self, source: str, series: str, make: Callable[[int, int], Certificate],
              attempts: int = 1000) -> Certificate:
        """Store the certificate for a source (a case, a training completion) under the next
        free number of its series, or return the one already stored for the source.

        Numbers are gap-free and unique under any number of concurrent issuers because the
        number is the document's _id: an insert either takes the next number or collides and
        tries the one after. Only single inserts are relied on, not an atomic counter update
        (FerretDB's findAndModify is not atomic under concurrency)."""
        for _ in range(attempts):
            last = self.db.certificates.find_one({"series": series}, {"sequence": 1},
                                                 sort=[("sequence", DESCENDING)])
            # Its bit in the status lists is claimed the same way, across all series.
            highest = self.db.certificates.find_one({}, {"status_index": 1},
                                                    sort=[("status_index", DESCENDING)])
            cert = make((last["sequence"] if last else 0) + 1,
                        highest["status_index"] + 1 if highest else 0)
            try:
                self.db.certificates.insert_one(_to_doc(cert))
                return cert
            except DuplicateKeyError:
                existing = self.for_source(source)
                if existing is not None:
                    return existing  # another instance issued it for this decision
        raise RuntimeError(f"no free certificate number in {series} after {attempts} tries")

    def signing_key(self) -> SigningKey:
        """The newest key signs; older ones stay published so their certificates verify."""
        return _key(self.db.signing_keys.find_one({}, sort=[("created_at", DESCENDING)]))

    def signing_keys(self) -> list[SigningKey]:
        return [_key(d) for d in self.db.signing_keys.find().sort("created_at")]

    def rotate_key(self, now: datetime) -> SigningKey:
        key = SigningKey.generate(now)
        add_key(self.db, key)
        return key

    def for_source(self, source: str) -> Certificate | None:
        doc = self.db.certificates.find_one({"source": source})
        return _from_doc(doc) if doc else None

    def renewable(self, participant_id: str, scheme_code: str) -> Certificate | None:
        """The holder's latest certification of the scheme that a new one would renew: not
        revoked and not renewed already."""
        docs = self.db.certificates.find({
            "participant_id": participant_id, "scheme_code": scheme_code,
            "kind": "certification", "revocation": None, "renewed_by": None,
        }).sort("issued_on", DESCENDING).limit(1)
        return next((_from_doc(d) for d in docs), None)

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

    def save_status(self, cert: Certificate) -> None:
        self.db.certificates.update_one({"_id": cert.number}, {"$set": {
            "revocation": cert.revocation, "suspension": cert.suspension}})

    def status_indices(self, purpose: str) -> set[int]:
        field = {"revocation": "revocation", "suspension": "suspension"}[purpose]
        return {d["status_index"] for d in self.db.certificates.find(
            {field: {"$ne": None}}, {"status_index": 1})}

    def for_participant(self, participant_id: str) -> list[Certificate]:
        return [_from_doc(d) for d in self.db.certificates.find(
            {"participant_id": participant_id}).sort("_id")]
