"""Employers, vacancies, the graduate pool, offers, placements and follow-up check-ins in
MongoDB."""

from dataclasses import asdict
from datetime import UTC, date, datetime

from kompeten_chassis import outbox, privacy, unit_of_work
from kompeten_chassis.mongo import (
    STALE_CLAIM,
    NoFreeSlot,
    add_to_list,
    append_to_list,
    aware,
    build_lists,
    build_once,
    by_ids,
    claim,
    exclusive,
    insert_into_free_slot,
    listed,
)
from kompeten_shared.errors import Conflict, NotFound
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .follow_up import CheckIn
from .pool import Graduate, Offer


def prepare(db: Database) -> None:
    db.offers.create_index([("vacancy_id", ASCENDING), ("participant_id", ASCENDING)],
                           unique=True)
    db.offers.create_index([("participant_id", ASCENDING), ("status", ASCENDING)])
    db.placements.create_index([("participant_id", ASCENDING), ("status", ASCENDING)])
    db.placements.create_index([("vacancy_id", ASCENDING), ("place", ASCENDING)], unique=True)
    db.placements.create_index([("employer_id", ASCENDING), ("status", ASCENDING)])
    db.check_ins.create_index([("due_on", ASCENDING)])
    privacy.prepare(db)
    # Each graduate's certificates and offers as lists kept by _id (a query on the participant
    # reads every document on FerretDB), and the apprentice places taken per employer; a
    # database from before them: once, a scan.
    build_lists(db.held, lambda: ((d["participant_id"], d["_id"]) for d in db.certificates.find(
        {}, {"participant_id": 1}).sort("_id")), "certificate")
    build_lists(db.scheme_pool, lambda: (
        (d["scheme_code"], d["participant_id"]) for d in db.certificates.find(
            {}, {"scheme_code": 1, "participant_id": 1}).sort("_id")), "participant_id")
    build_lists(db.programme_graduates, lambda: (
        (d["programme_id"], d["participant_id"]) for d in db.certificates.find(
            {}, {"programme_id": 1, "participant_id": 1}).sort("_id")
        if d.get("programme_id")), "participant_id")
    build_lists(db.offered, lambda: ((d["participant_id"], d["_id"]) for d in db.offers.find(
        {}, {"participant_id": 1}).sort("made_at")), "offer")
    build_once(db.apprentice_places, lambda: _apprentice_places(db))


def _apprentice_places(db: Database):
    taken: dict[str, int] = {}
    for doc in db.placements.find({"status": "active", "kind": "apprenticeship"}):
        taken[doc["employer_id"]] = taken.get(doc["employer_id"], 0) + 1
        yield {"_id": f"{doc['employer_id']}:{taken[doc['employer_id']]}",
               "placement_id": doc["_id"], "until": doc["end_date"], "at": datetime.now(UTC),
               "generation": 0}


def _get(collection, key: str, what: str) -> dict:
    doc = collection.find_one({"_id": key})
    if doc is None:
        raise NotFound(f"no {what} {key}", code=f"{what}_not_found")
    return doc


def _dates(doc: dict) -> dict:
    """Dates as ISO strings: BSON stores datetimes, not dates."""
    return {k: v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else v
            for k, v in doc.items()}


def _offer(doc: dict) -> Offer:
    doc = {k: v for k, v in doc.items() if k != outbox.FIELD}
    doc["id"] = doc.pop("_id")
    return Offer(**doc)


def _check_in(doc: dict) -> CheckIn:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    doc["due_on"] = date.fromisoformat(doc["due_on"])
    return CheckIn(**doc)


class Repository(unit_of_work.Repository):
    """Offers and placements carry an outbox for the events their changes cause."""

    outbox_collections = ("offers", "placements")

    def add(self, collection: str, doc: dict) -> dict:
        doc = _dates(doc)
        try:
            self.db[collection].insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"{doc['_id']} is already registered",
                           code=f"{collection.rstrip('s')}_exists") from None
        return doc

    def employer(self, employer_id: str) -> dict:
        return _get(self.db.employers, employer_id, "employer")

    def vacancy(self, vacancy_id: str) -> dict:
        return _get(self.db.vacancies, vacancy_id, "vacancy")

    def vacancies(self, **query) -> list[dict]:
        return list(self.db.vacancies.find(query).sort("start_date"))

    # the pool: one document per writer, because FerretDB's updates are not atomic (two
    # handlers updating one graduate document at once would lose one update). Consent changes
    # write `sharing` and `follow_up_consents`, certificates are inserted one each, and
    # availability is read from offers and placements.
    def record_consent(self, participant_id: str, purpose: str, granted: bool,
                       profile: dict | None, recorded_at) -> None:
        """Apply a consent change unless a newer one for the purpose is on file (events may
        arrive out of order). A withdrawn partner_sharing erases the shared profile."""
        collection = {"partner_sharing": self.db.sharing,
                      "follow_up": self.db.follow_up_consents}[purpose]
        update = {"$set": {"granted": granted, "recorded_at": recorded_at}}
        if purpose == "partner_sharing":
            if granted:
                update["$set"]["profile"] = profile
            else:
                update["$unset"] = {"profile": ""}
        # Read, compare, write by _id, one writer at a time: a selector on recorded_at would
        # read the whole collection on FerretDB.
        with exclusive(self.db.consent_writes, f"{participant_id}:{purpose}",
                       datetime.now(UTC)):
            stored = collection.find_one({"_id": participant_id}, {"recorded_at": 1}) or {}
            if stored.get("recorded_at") and aware(stored["recorded_at"]) >= recorded_at:
                return  # a newer decision is on file
            collection.update_one({"_id": participant_id}, update, upsert=True)

    def add_certificate(self, participant_id: str, certificate: dict) -> None:
        """A certificate under its number, or a completed apprenticeship intake under its own
        key (`_id` given)."""
        doc = {"_id": certificate["number"], "participant_id": participant_id, **certificate}
        # listed first (an entry whose certificate was never stored is ignored); a redelivery
        # lists the holder again, and readers take each once
        append_to_list(self.db.scheme_pool, certificate["scheme_code"], "participant_id",
                       participant_id)
        if certificate.get("programme_id"):
            append_to_list(self.db.programme_graduates, certificate["programme_id"],
                           "participant_id", participant_id)
        try:
            self.db.certificates.insert_one(doc)
        except DuplicateKeyError:
            pass  # a redelivery
        add_to_list(self.db.held, participant_id, "certificate", doc["_id"])

    def _certificates(self) -> dict[str, list[dict]]:
        held: dict[str, list[dict]] = {}
        for doc in self.db.certificates.find().sort("_id"):
            held.setdefault(doc["participant_id"], []).append(doc)
        return held

    def _held(self, participant_id: str) -> list[dict]:
        """The person's certificates, through their list (`held`), by number."""
        return sorted(by_ids(self.db.certificates, listed(self.db.held, participant_id,
                                                          "certificate")),
                      key=lambda d: d["_id"])

    def graduate(self, participant_id: str, sharing: dict | None = None) -> Graduate:
        """Read by _id only: the person's lists of certificates and offers (a placement's id
        is its offer's)."""
        if sharing is None:
            sharing = self.db.sharing.find_one({"_id": participant_id}) or {}
        follow_up = self.db.follow_up_consents.find_one({"_id": participant_id}) or {}
        offer_ids = listed(self.db.offered, participant_id, "offer")
        offered = [d["_id"] for d in by_ids(self.db.offers, offer_ids, {"status": 1})
                   if d["status"] == "made"]
        placed = next((d["_id"] for d in by_ids(self.db.placements, offer_ids, {"status": 1})
                       if d["status"] == "active"), None)
        return Graduate(participant_id=participant_id, sharing=sharing.get("granted", False),
                        profile=sharing.get("profile"),
                        certificates=self._held(participant_id),
                        open_offers=offered, placed_in=placed,
                        follow_up=follow_up.get("granted", False))

    def shared_graduates(self, scheme_code: str) -> list[Graduate]:
        """Consenting holders of a certificate (or a completed intake) of the scheme, with their
        availability. Read through the scheme's pool (`scheme_pool`: its holders listed by
        _id, as an index on the scheme would find them), then each holder by _id: the cost is
        the scheme's holders, not every certificate, offer and placement stored."""
        holders = listed(self.db.scheme_pool, scheme_code, "participant_id")
        return [self.graduate(d["_id"], d)
                for d in sorted(by_ids(self.db.sharing, holders), key=lambda d: d["_id"])
                if d.get("granted")]

    def graduates(self) -> list[Graduate]:
        """Every holder of a certificate or a completed apprenticeship intake, with sharing
        consent: the reports count certified people as enrollment's targets do, by any
        certificate their programme led to (a village course's only one is the labour
        office's)."""
        sharing = {d["_id"] for d in self.db.sharing.find({"granted": True}, {"_id": 1})}
        return [Graduate(participant_id=pid, sharing=pid in sharing, certificates=held)
                for pid, held in self._certificates().items()]

    def programme_records(self, programme_id: str) -> tuple[list[Graduate], list[dict],
                                                             list[Offer]]:
        """The programme's graduates with their offers and placements, for its absorption:
        through its list of graduates (`programme_graduates`) and theirs, by _id (the whole
        report reads every certificate, offer and placement: 43 s among 50,000 each)."""
        graduates, offer_ids = [], []
        for pid in dict.fromkeys(listed(self.db.programme_graduates, programme_id,
                                        "participant_id")):
            sharing = self.db.sharing.find_one({"_id": pid}, {"granted": 1}) or {}
            graduates.append(Graduate(participant_id=pid, sharing=sharing.get("granted", False),
                                      certificates=self._held(pid)))
            offer_ids += listed(self.db.offered, pid, "offer")
        return (graduates, by_ids(self.db.placements, offer_ids),
                [_offer(d) for d in by_ids(self.db.offers, offer_ids)])

    # offers and placements
    def add_offer(self, offer: Offer, staged: dict) -> None:
        doc = asdict(offer)
        doc["_id"] = doc.pop("id")
        # listed first: an entry whose offer was never stored (a crash) is ignored
        add_to_list(self.db.offered, offer.participant_id, "offer", offer.id)
        try:
            self.db.offers.insert_one(self.new_with_outbox("offers", doc, staged))
        except DuplicateKeyError:
            raise Conflict("this graduate already has an offer for this vacancy",
                           code="offer_exists") from None

    def offer(self, offer_id: str) -> Offer:
        return _offer(_get(self.db.offers, offer_id, "offer"))

    def offers(self, **query) -> list[Offer]:
        return [_offer(doc) for doc in self.db.offers.find(query).sort("made_at")]

    def claim_answer(self, offer: Offer, now: datetime) -> None:
        """Before anything an answer writes (the placement, the offer): an accept and a decline
        sent at once cannot both go through (the conditional update below alone let both win
        on FerretDB)."""
        if not claim(self.db.offer_answers, offer.id, now):
            raise Conflict("offer was answered meanwhile", code="offer_answered")

    def release_answer(self, offer: Offer) -> None:
        """The answer could not be stored (the vacancy filled up): the offer stays open."""
        self.db.offer_answers.delete_one({"_id": offer.id})

    def save_answer(self, offer: Offer, staged: dict | None = None) -> None:
        """After claim_answer, which alone guards against a second answer (by _id: a selector
        on the status as well would read every offer on FerretDB)."""
        update = {"$set": {"status": offer.status, "answered_at": offer.answered_at,
                           "reason": offer.reason}}
        self.db.offers.update_one({"_id": offer.id},
                                  self.with_outbox("offers", offer.id, update, staged))

    def save_agreement(self, offer: Offer) -> None:
        if self.db.offer_answers.find_one({"_id": offer.id}, {"_id": 1}) is not None:
            raise Conflict("offer was answered meanwhile", code="offer_answered")
        self.db.offers.update_one({"_id": offer.id}, {"$set": {"agreement": offer.agreement}})

    def place(self, vacancy: dict, placement: dict, staged: dict) -> dict:
        """Store the placement (and its event) under a free place of the vacancy; never more
        than its places, however many acceptances arrive at once."""
        placement = self.new_with_outbox("placements", _dates(placement), staged)
        try:
            placement["place"] = insert_into_free_slot(
                self.db.placements, placement, {"vacancy_id": vacancy["_id"]}, "place",
                vacancy["places"])
        except NoFreeSlot:
            raise Conflict("all places of this vacancy are filled", code="vacancy_full") from None
        return placement

    def placement(self, placement_id: str) -> dict:
        return _get(self.db.placements, placement_id, "placement")

    def placements(self, **query) -> list[dict]:
        return list(self.db.placements.find(query).sort("start_date"))

    def active_apprentices(self, employer_id: str) -> int:
        """For what the employer is shown and the advice on a drawn-up agreement (a scan);
        the quota itself is held by the apprentice places."""
        return self.db.placements.count_documents(
            {"employer_id": employer_id, "status": "active", "kind": "apprenticeship"})

    def take_apprentice_place(self, employer_id: str, quota: int, placement_id: str,
                              until: date, now: datetime) -> int | None:
        """One of the employer's `quota` apprentice places for this placement, or None when
        all are held: across all the employer's vacancies, however many accept at once (each
        place is claimed by a unique insert). A place is free when no one holds it, when its
        agreement has ended, or when its placement was never stored (a crash, after a minute);
        the n-th takeover of a place is claimed, so two cannot both take it over. A
        termination releases the place."""
        for number in range(1, quota + 1):
            key = f"{employer_id}:{number}"
            place = {"_id": key, "placement_id": placement_id, "until": until.isoformat(),
                     "at": now, "generation": 0}
            held = self._holder(place)
            if held is None or held["placement_id"] == placement_id:
                return number
            if self._place_freed(held, now) and claim(
                    self.db.apprentice_takeovers, f"{key}#{held['generation'] + 1}", now):
                self.db.apprentice_places.replace_one(
                    {"_id": key}, {**place, "generation": held["generation"] + 1})
                return number
        return None

    def _holder(self, place: dict) -> dict | None:
        """Who holds the place, or None once this insert has taken it (a place released
        between a refused insert and the read is tried again)."""
        while True:
            try:
                self.db.apprentice_places.insert_one(place)
                return None
            except DuplicateKeyError:
                held = self.db.apprentice_places.find_one({"_id": place["_id"]})
            if held is not None:
                return held

    def _place_freed(self, held: dict, now: datetime) -> bool:
        if held["until"] < now.date().isoformat():
            return True  # the agreement has ended
        return now - aware(held["at"]) > STALE_CLAIM and self.db.placements.find_one(
            {"_id": held["placement_id"]}, {"_id": 1}) is None

    def release_apprentice_place(self, employer_id: str, number: int | None,
                                 placement_id: str) -> None:
        if number is not None:  # unless taken over meanwhile (its agreement ended)
            self.db.apprentice_places.delete_one({"_id": f"{employer_id}:{number}",
                                                  "placement_id": placement_id})

    def terminate(self, placement: dict, ended_on: date, reason: str, by: str,
                  now: datetime, staged: dict) -> dict:
        """Once per placement (claimed: a selector on the status would read every placement
        on FerretDB and let two terminations both pass); its apprentice place is released."""
        if placement["status"] != "active" or not claim(
                self.db.placement_ends, placement["_id"], now):
            raise Conflict("the placement has ended already", code="placement_ended")
        ended = {"status": "terminated", "ended_on": ended_on.isoformat(),
                 "termination_reason": reason, "terminated_by": by, "terminated_at": now}
        self.db.placements.update_one(
            {"_id": placement["_id"]},
            self.with_outbox("placements", placement["_id"], {"$set": ended}, staged))
        self.release_apprentice_place(placement["employer_id"],
                                      placement.get("apprentice_place"), placement["_id"])
        return {**placement, **ended}

    # follow-up
    def schedule_check_ins(self, check_ins: list[CheckIn]) -> None:
        for check_in in check_ins:
            doc = _dates(asdict(check_in))
            doc["_id"] = doc.pop("id")
            try:
                self.db.check_ins.insert_one(doc)
            except DuplicateKeyError:
                pass  # scheduled by an earlier delivery

    def check_in(self, check_in_id: str) -> CheckIn:
        return _check_in(_get(self.db.check_ins, check_in_id, "check_in"))

    def check_ins(self, **query) -> list[CheckIn]:
        return [_check_in(d) for d in self.db.check_ins.find(query).sort("due_on")]

    def due_check_ins(self, today: date) -> list[CheckIn]:
        return [_check_in(d) for d in self.db.check_ins.find(
            {"due_on": {"$lte": today.isoformat()}, "reminded_at": None, "status": None})]

    def mark_reminded(self, check_in_id: str, at: datetime) -> None:
        self.db.check_ins.update_one({"_id": check_in_id}, {"$set": {"reminded_at": at}})

    def save_check_in(self, check_in: CheckIn) -> None:
        """Once per check-in, claimed (as terminate)."""
        if not claim(self.db.check_in_records, check_in.id, datetime.now(UTC)):
            raise Conflict("check-in was recorded meanwhile", code="check_in_recorded")
        self.db.check_ins.update_one(
            {"_id": check_in.id},
            {"$set": {"status": check_in.status, "obstacles": check_in.obstacles,
                      "recorded_by": check_in.recorded_by,
                      "recorded_at": check_in.recorded_at}})
