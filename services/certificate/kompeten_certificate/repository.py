"""Certificates and their number sequences in MongoDB."""

from dataclasses import asdict
from datetime import date

from kompeten_shared.errors import NotFound
from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .certificate import Certificate


def prepare(db: Database) -> None:
    # The guard against issuing twice for one decision, whatever the redelivery or the number
    # of service instances: one certificate per assessment case.
    db.certificates.create_index([("case_id", ASCENDING)], unique=True)
    db.certificates.create_index([("participant_id", ASCENDING)])


def _to_doc(cert: Certificate) -> dict:
    doc = asdict(cert)
    doc["_id"] = doc.pop("number")
    doc["issued_on"] = cert.issued_on.isoformat()
    doc["valid_until"] = cert.valid_until.isoformat()
    return doc


def _from_doc(doc: dict) -> Certificate:
    doc = dict(doc)
    doc["number"] = doc.pop("_id")
    doc["issued_on"] = date.fromisoformat(doc["issued_on"])
    doc["valid_until"] = date.fromisoformat(doc["valid_until"])
    return Certificate(**doc)


class Repository:
    def __init__(self, db: Database):
        self.db = db

    def next_sequence(self, issuer: str, scheme: str, year: int) -> int:
        counter = self.db.sequences.find_one_and_update(
            {"_id": f"{issuer}:{scheme}:{year}"}, {"$inc": {"value": 1}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return counter["value"]

    def for_case(self, case_id: str) -> Certificate | None:
        doc = self.db.certificates.find_one({"case_id": case_id})
        return _from_doc(doc) if doc else None

    def add(self, cert: Certificate) -> Certificate:
        """Store a new certificate, or return the one another instance stored for the case."""
        try:
            self.db.certificates.insert_one(_to_doc(cert))
            return cert
        except DuplicateKeyError:
            existing = self.for_case(cert.case_id)
            if existing is None:
                raise
            return existing

    def get(self, number: str) -> Certificate:
        doc = self.db.certificates.find_one({"_id": number})
        if doc is None:
            raise NotFound(f"no certificate {number}", code="certificate_not_found")
        return _from_doc(doc)

    def for_participant(self, participant_id: str) -> list[Certificate]:
        return [_from_doc(d) for d in self.db.certificates.find(
            {"participant_id": participant_id}).sort("_id")]
