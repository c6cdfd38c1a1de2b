"""Employers, vacancies, the graduate pool, offers and placements in MongoDB."""

from dataclasses import asdict

from kompeten_shared.errors import Conflict, NotFound
from kompeten_shared.mongo import NoFreeSlot, insert_into_free_slot
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .pool import Graduate, Offer


def prepare(db: Database) -> None:
    db.offers.create_index([("vacancy_id", ASCENDING), ("participant_id", ASCENDING)],
                           unique=True)
    db.graduates.create_index([("certificates.scheme_code", ASCENDING)])
    db.placements.create_index([("vacancy_id", ASCENDING), ("place", ASCENDING)], unique=True)


def _get(collection, key: str, what: str) -> dict:
    doc = collection.find_one({"_id": key})
    if doc is None:
        raise NotFound(f"no {what} {key}", code=f"{what}_not_found")
    return doc


class Repository:
    def __init__(self, db: Database):
        self.db = db

    def add(self, collection: str, doc: dict) -> dict:
        self.db[collection].insert_one(doc)
        return doc

    def employer(self, employer_id: str) -> dict:
        return _get(self.db.employers, employer_id, "employer")

    def vacancy(self, vacancy_id: str) -> dict:
        return _get(self.db.vacancies, vacancy_id, "vacancy")

    # the pool
    def record_sharing(self, participant_id: str, granted: bool, profile: dict | None,
                       recorded_at) -> None:
        """Apply a consent change unless a newer one is already recorded (events may arrive
        out of order)."""
        update = {"$set": {"sharing": granted, "sharing_recorded_at": recorded_at}}
        if granted:
            update["$set"]["profile"] = profile
        else:
            update["$unset"] = {"profile": ""}
        try:
            self.db.graduates.update_one(
                {"_id": participant_id, "$or": [{"sharing_recorded_at": {"$lt": recorded_at}},
                                                {"sharing_recorded_at": None}]},
                update, upsert=True)
        except DuplicateKeyError:
            pass  # a newer decision is on file

    def add_certificate(self, participant_id: str, certificate: dict) -> None:
        self.db.graduates.update_one({"_id": participant_id},
                                     {"$addToSet": {"certificates": certificate}}, upsert=True)

    def graduate(self, participant_id: str) -> Graduate:
        doc = self.db.graduates.find_one({"_id": participant_id}) or {}
        return Graduate(participant_id=participant_id, sharing=doc.get("sharing", False),
                        profile=doc.get("profile"), certificates=doc.get("certificates", []))

    def shared_graduates(self, scheme_code: str) -> list[Graduate]:
        docs = self.db.graduates.find({"sharing": True, "certificates.scheme_code": scheme_code})
        return [Graduate(participant_id=d["_id"], sharing=True, profile=d.get("profile"),
                         certificates=d["certificates"]) for d in docs.sort("_id")]

    # offers and placements
    def add_offer(self, offer: Offer) -> None:
        doc = asdict(offer)
        doc["_id"] = doc.pop("id")
        try:
            self.db.offers.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict("this graduate already has an offer for this vacancy",
                           code="offer_exists") from None

    def offer(self, offer_id: str) -> Offer:
        doc = dict(_get(self.db.offers, offer_id, "offer"))
        doc["id"] = doc.pop("_id")
        return Offer(**doc)

    def offers(self, **query) -> list[Offer]:
        found = []
        for doc in self.db.offers.find(query).sort("made_at"):
            doc["id"] = doc.pop("_id")
            found.append(Offer(**doc))
        return found

    def save_answer(self, offer: Offer) -> None:
        result = self.db.offers.update_one(
            {"_id": offer.id, "status": "made"},
            {"$set": {"status": offer.status, "answered_at": offer.answered_at,
                      "reason": offer.reason}})
        if result.modified_count != 1:
            raise Conflict("offer was answered meanwhile", code="offer_answered")

    def place(self, vacancy: dict, placement: dict) -> dict:
        """Store the placement under a free place of the vacancy; never more than its places,
        however many acceptances arrive at once."""
        try:
            placement["place"] = insert_into_free_slot(
                self.db.placements, placement, {"vacancy_id": vacancy["_id"]}, "place",
                vacancy["places"])
        except NoFreeSlot:
            raise Conflict("all places of this vacancy are filled", code="vacancy_full") from None
        return placement
