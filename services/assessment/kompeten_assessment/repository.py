"""Assessment cases in MongoDB, one document per case."""

from dataclasses import asdict

from kompeten_shared.errors import Conflict, NotFound
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .case import Case, UnitResult


def prepare(db: Database) -> None:
    db.cases.create_index([("programme_id", ASCENDING)])
    db.cases.create_index([("participant_id", ASCENDING)])


def _to_doc(case: Case) -> dict:
    doc = asdict(case)
    doc["_id"] = doc.pop("id")
    # Unit codes contain dots, which cannot be field names: store the results as a list.
    doc["results"] = [{"code": code, **result} for code, result in doc["results"].items()]
    return doc


def _from_doc(doc: dict) -> Case:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    doc["results"] = {r.pop("code"): UnitResult(**r) for r in doc["results"]}
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

    def withdraw_open_cases(self, participant_id: str, at) -> int:
        """The asesi withdrew consent: open cases stop; decided ones stay as the record."""
        result = self.db.cases.update_many(
            {"participant_id": participant_id, "status": "open"},
            {"$set": {"status": "withdrawn", "withdrawn_at": at}})
        return result.modified_count

    def save(self, case: Case) -> None:
        """Store results or the decision, only while the stored case is still open: one atomic
        write, so two concurrent decisions cannot both land."""
        result = self.db.cases.replace_one({"_id": case.id, "status": "open"}, _to_doc(case))
        if result.matched_count != 1:
            raise Conflict("the case was decided meanwhile", code="case_decided")
