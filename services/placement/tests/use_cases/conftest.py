"""An in-memory stand-in for the placement repository: what the use cases may rely on of it,
without a database."""

import copy
from dataclasses import asdict

import pytest
from kompeten_chassis.testing import InMemoryRepository, fake_unit_of_work
from kompeten_placement.pool import Graduate, Offer
from kompeten_placement.service import PlacementService
from kompeten_shared.errors import Conflict, NotFound
from nameko.testing.services import worker_factory


class InMemoryPlacement(InMemoryRepository):
    def __init__(self):
        super().__init__()
        self.docs = {"employers": {}, "vacancies": {}, "placements": {}}
        self.offer_docs: dict[str, dict] = {}
        self.sharing: dict[str, dict] = {}
        self.certificates: dict[str, list[dict]] = {}

    def _get(self, collection, key, what):
        if key not in self.docs[collection]:
            raise NotFound(f"no {what} {key}", code=f"{what}_not_found")
        return copy.deepcopy(self.docs[collection][key])

    def add(self, collection, doc):
        doc = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in doc.items()}
        if doc["_id"] in self.docs[collection]:
            raise Conflict(f"{doc['_id']} is already registered",
                           code=f"{collection.rstrip('s')}_exists")
        self.docs[collection][doc["_id"]] = doc
        return copy.deepcopy(doc)

    def employer(self, employer_id):
        return self._get("employers", employer_id, "employer")

    def vacancy(self, vacancy_id):
        return self._get("vacancies", vacancy_id, "vacancy")

    def placement(self, placement_id):
        return self._get("placements", placement_id, "placement")

    def record_consent(self, participant_id, purpose, granted, profile, recorded_at):
        if purpose == "partner_sharing":
            self.sharing[participant_id] = {"granted": granted, "profile": profile}

    def add_certificate(self, participant_id, certificate):
        self.certificates.setdefault(participant_id, []).append(certificate)

    def schedule_check_ins(self, check_ins):
        pass

    def graduate(self, participant_id):
        sharing = self.sharing.get(participant_id, {})
        placed = [p["_id"] for p in self.docs["placements"].values()
                  if p["participant_id"] == participant_id and p["status"] == "active"]
        return Graduate(participant_id, sharing=sharing.get("granted", False),
                        profile=sharing.get("profile"),
                        certificates=self.certificates.get(participant_id, []),
                        open_offers=[o["id"] for o in self.offer_docs.values()
                                     if o["participant_id"] == participant_id
                                     and o["status"] == "made"],
                        placed_in=placed[0] if placed else None)

    def add_offer(self, offer, staged):
        if any(o["vacancy_id"] == offer.vacancy_id and o["participant_id"] ==
               offer.participant_id for o in self.offer_docs.values()):
            raise Conflict("this graduate already has an offer for this vacancy",
                           code="offer_exists")
        self.offer_docs[offer.id] = asdict(offer)
        self.keep(staged)

    def offer(self, offer_id):
        if offer_id not in self.offer_docs:
            raise NotFound(f"no offer {offer_id}", code="offer_not_found")
        return Offer(**copy.deepcopy(self.offer_docs[offer_id]))

    def claim_answer(self, offer, now):
        if self.offer_docs[offer.id]["status"] != "made":
            raise Conflict("offer was answered meanwhile", code="offer_answered")

    def release_answer(self, offer):
        pass

    def save_answer(self, offer, staged=None):
        if self.offer_docs[offer.id]["status"] != "made":
            raise Conflict("offer was answered meanwhile", code="offer_answered")
        self.offer_docs[offer.id] = asdict(offer)
        self.keep(staged)

    def place(self, vacancy, placement, staged):
        taken = [p for p in self.docs["placements"].values() if p["vacancy_id"] == vacancy["_id"]]
        if len(taken) >= vacancy["places"]:
            raise Conflict("all places of this vacancy are filled", code="vacancy_full")
        self.add("placements", {**placement, "place": len(taken) + 1})
        self.keep(staged)
        return self.placement(placement["_id"])

    def active_apprentices(self, employer_id):
        return sum(1 for p in self.docs["placements"].values()
                   if p["employer_id"] == employer_id and p["status"] == "active"
                   and p["kind"] == "apprenticeship")

    def take_apprentice_place(self, employer_id, quota, placement_id, until, now):
        held = self.active_apprentices(employer_id)
        return held + 1 if held < quota else None

    def release_apprentice_place(self, employer_id, number, placement_id):
        pass


@pytest.fixture
def service():
    return worker_factory(PlacementService, uow=fake_unit_of_work(
        "placement", repo=InMemoryPlacement()))
