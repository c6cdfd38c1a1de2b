"""Enrollment's MongoDB collections. Dates are stored as ISO strings (BSON has no date type)."""

from dataclasses import asdict
from datetime import date

from kompeten_shared.errors import Conflict, NotFound
from kompeten_shared.mongo import NoFreeSlot, insert_into_free_slot
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .participant import Consent, Participant
from .programme import Programme

DATE_FIELDS = ("start_date", "end_date", "birth_date")


def prepare(db: Database) -> None:
    db.participants.create_index([("nik_digest", ASCENDING)], unique=True)
    db.enrolments.create_index([("programme_id", ASCENDING), ("seat", ASCENDING)], unique=True)
    db.enrolments.create_index([("programme_id", ASCENDING), ("status", ASCENDING)])
    db.enrolments.create_index([("participant_id", ASCENDING)])


def _to_doc(obj) -> dict:
    doc = asdict(obj)
    doc["_id"] = doc.pop("id")
    for key in DATE_FIELDS:
        if key in doc:
            doc[key] = doc[key].isoformat()
    return doc


def _dates(doc: dict) -> dict:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    for key in DATE_FIELDS:
        if key in doc:
            doc[key] = date.fromisoformat(doc[key])
    return doc


class Repository:
    def __init__(self, db: Database):
        self.db = db

    # programmes
    def add_programme(self, programme: Programme) -> None:
        self.db.programmes.insert_one(_to_doc(programme))

    def programme(self, programme_id: str) -> Programme:
        doc = self.db.programmes.find_one({"_id": programme_id})
        if doc is None:
            raise NotFound(f"no programme {programme_id}", code="programme_not_found")
        return Programme(**_dates(doc))

    def close_programme(self, programme_id: str) -> None:
        self.db.programmes.update_one({"_id": programme_id}, {"$set": {"closed": True}})

    # participants
    def add_participant(self, participant: Participant) -> None:
        doc = _to_doc(participant)
        doc["consents"] = list(doc["consents"].values())
        try:
            self.db.participants.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict("a participant with this NIK is already registered",
                           code="participant_exists") from None

    def participant(self, participant_id: str) -> Participant:
        doc = self.db.participants.find_one({"_id": participant_id})
        if doc is None:
            raise NotFound(f"no participant {participant_id}", code="participant_not_found")
        doc = _dates(doc)
        doc["consents"] = {c["purpose"]: Consent(**c) for c in doc["consents"]}
        return Participant(**doc)

    def participants(self, ids: list[str]) -> dict[str, Participant]:
        return {pid: self.participant(pid) for pid in ids}

    # enrolments
    def enrol(self, programme: Programme, participant_id: str, on: date) -> dict:
        """Take a seat; the seat number's unique index guards capacity under concurrency."""
        doc = {"_id": f"{programme.id}:{participant_id}", "participant_id": participant_id,
               "status": "enrolled", "enrolled_on": on.isoformat(), "attended": []}
        try:
            doc["seat"] = insert_into_free_slot(self.db.enrolments, doc,
                                                {"programme_id": programme.id}, "seat",
                                                programme.capacity)
        except NoFreeSlot:
            raise Conflict(f"programme is full ({programme.capacity} seats)",
                           code="programme_full") from None
        except DuplicateKeyError:
            raise Conflict("participant is already enrolled in this programme",
                           code="already_enrolled") from None
        return doc

    def enrolments(self, programme_id: str, status: str | None = None) -> list[dict]:
        query = {"programme_id": programme_id}
        if status:
            query["status"] = status
        return list(self.db.enrolments.find(query).sort("_id"))

    def record_attendance(self, programme_id: str, day: date, present: list[str]) -> int:
        result = self.db.enrolments.update_many(
            {"programme_id": programme_id, "participant_id": {"$in": present},
             "status": "enrolled"},
            {"$addToSet": {"attended": day.isoformat()}})
        return result.matched_count

    def finish(self, enrolment_id: str, status: str, rate: float) -> bool:
        """Record completion once; False if another close got there first."""
        result = self.db.enrolments.update_one(
            {"_id": enrolment_id, "status": "enrolled"},
            {"$set": {"status": status, "attendance_rate": rate}})
        return result.modified_count == 1
