"""Assessment cases in MongoDB, one document per case, and evidence files by content hash."""

from dataclasses import asdict
from datetime import date

from kompeten_shared.errors import Conflict, NotFound
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .case import Case, Evidence, Review, UnitResult


def prepare(db: Database) -> None:
    db.cases.create_index([("programme_id", ASCENDING)])
    db.cases.create_index([("participant_id", ASCENDING)])
    db.cases.create_index([("asesor", ASCENDING), ("assigned_on", ASCENDING)])


def _to_doc(case: Case) -> dict:
    doc = asdict(case)
    doc["_id"] = doc.pop("id")
    # Unit codes contain dots, which cannot be field names: keyed maps are stored as lists.
    for key in ("results", "reviews"):
        doc[key] = [{"code": code, **value} for code, value in doc[key].items()]
    return doc


def _from_doc(doc: dict) -> Case:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    doc["results"] = {r.pop("code"): UnitResult(**r) for r in doc["results"]}
    doc["reviews"] = {r.pop("code"): Review(**r) for r in doc.get("reviews", [])}
    doc["evidence"] = [Evidence(**e) for e in doc.get("evidence", [])]
    return Case(**doc)


class Repository:
    def __init__(self, db: Database):
        self.db = db

    def open(self, case: Case) -> bool:
        """False when the case is already open: training.completed may arrive twice."""
        try:
            self.db.cases.insert_one(_to_doc(case))
        except DuplicateKeyError:
            return False
        return True

    def get(self, case_id: str) -> Case:
        doc = self.db.cases.find_one({"_id": case_id})
        if doc is None:
            raise NotFound(f"no case {case_id}", code="case_not_found")
        return _from_doc(doc)

    def find(self, **query) -> list[Case]:
        return [_from_doc(doc) for doc in self.db.cases.find(query).sort("opened_at")]

    def assigned_on(self, asesor: str, day: date) -> int:
        return self.db.cases.count_documents({"asesor": asesor,
                                              "assigned_on": day.isoformat()})

    def withdraw_open_cases(self, participant_id: str, at) -> int:
        """The asesi withdrew consent: open cases stop; decided ones stay as the record."""
        result = self.db.cases.update_many(
            {"participant_id": participant_id, "status": "open"},
            {"$set": {"status": "withdrawn", "withdrawn_at": at}})
        return result.modified_count

    def save(self, case: Case, expected_status: str) -> None:
        """Replace the case only if its stored status is still the one it was loaded with."""
        result = self.db.cases.replace_one({"_id": case.id, "status": expected_status},
                                           _to_doc(case))
        if result.matched_count != 1:
            raise Conflict("the case changed meanwhile", code="case_changed")

    def store_file(self, sha256: str, content: bytes) -> None:
        """Evidence files are kept once per content hash."""
        try:
            self.db.evidence_files.insert_one({"_id": sha256, "content": content,
                                               "size": len(content)})
        except DuplicateKeyError:
            pass
