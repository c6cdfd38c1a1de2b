"""The placement service: partner employers, vacancies, the consented graduate pool, offers
and placements.

    nameko run --config config.yaml kompeten_placement.service:PlacementService
"""

import uuid
from datetime import UTC, date, datetime

from kompeten_shared.consuming import consume
from kompeten_shared.endpoints import StandardEndpoints
from kompeten_shared.mongo import Database
from kompeten_shared.publishing import EventPublisher
from kompeten_shared.web import api, query

from . import repository
from .pool import Offer
from .repository import Repository
from .schemas import AnswerRequest, EmployerRequest, OfferRequest, VacancyRequest


def _new_id() -> str:
    return str(uuid.uuid4())


def _view(doc: dict) -> dict:
    view = {key: value for key, value in doc.items() if key != "_id"}
    return {"id": doc["_id"], **view}


def offer_view(offer: Offer) -> dict:
    return {key: value for key, value in offer.__dict__.items()}


class PlacementService(StandardEndpoints):
    name = "placement"

    db = Database(prepare=repository.prepare)
    publish = EventPublisher()

    @consume("enrollment", "participant.consent_changed")
    def on_consent_changed(self, event):
        data = event.data
        if data["purpose"] == "partner_sharing":
            Repository(self.db).record_sharing(data["participant_id"], data["granted"],
                                               data["profile"], data["recorded_at"])

    @consume("certificate", "certificate.issued")
    def on_certificate_issued(self, event):
        """Employers match on proven competency: certifications, not training certificates."""
        data = event.data
        if data["kind"] != "certification":
            return
        Repository(self.db).add_certificate(data["participant_id"], {
            "number": data["certificate_number"], "scheme_code": data["scheme_code"],
            "programme_id": data["programme_id"],
            "valid_until": data["valid_until"].isoformat(),
            "verification_url": data["verification_url"]})

    @api("POST", "/employers", body=EmployerRequest)
    def register_employer(self, request, body):
        return 201, _view(Repository(self.db).add("employers", {"_id": _new_id(), **body}))

    @api("POST", "/vacancies", body=VacancyRequest)
    def open_vacancy(self, request, body):
        repo = Repository(self.db)
        repo.employer(body["employer_id"])
        doc = {"_id": _new_id(), **body, "start_date": body["start_date"].isoformat()}
        return 201, _view(repo.add("vacancies", doc))

    @api("GET", "/vacancies/<vacancy_id>/candidates")
    def candidates(self, request, vacancy_id):
        """Graduates certified for the vacancy's scheme who agreed to share their data."""
        repo = Repository(self.db)
        vacancy = repo.vacancy(vacancy_id)
        return [g.candidate_for(vacancy) for g in repo.shared_graduates(vacancy["scheme_code"])]

    @api("POST", "/offers", body=OfferRequest)
    def make_offer(self, request, body):
        repo = Repository(self.db)
        vacancy = repo.vacancy(body["vacancy_id"])
        repo.graduate(body["participant_id"]).candidate_for(vacancy)
        offer = Offer(id=_new_id(), vacancy_id=vacancy["_id"],
                      employer_id=vacancy["employer_id"],
                      participant_id=body["participant_id"], kind=vacancy["kind"],
                      made_at=datetime.now(UTC))
        repo.add_offer(offer)
        self.publish("offer.made", {
            "offer_id": offer.id, "vacancy_id": offer.vacancy_id,
            "employer_id": offer.employer_id, "participant_id": offer.participant_id,
            "kind": offer.kind, "made_at": offer.made_at}, subject=offer.participant_id)
        return 201, offer_view(offer)

    @api("GET", "/offers")
    def list_offers(self, request):
        filters = query(request, "vacancy_id", "participant_id", "status")
        return [offer_view(o) for o in Repository(self.db).offers(**filters)]

    @api("POST", "/offers/<offer_id>/accept")
    def accept_offer(self, request, offer_id):
        repo = Repository(self.db)
        offer = repo.offer(offer_id)
        vacancy = repo.vacancy(offer.vacancy_id)
        graduate = repo.graduate(offer.participant_id)
        graduate.candidate_for(vacancy)  # consent and certificate still stand
        certificate = graduate.certificate_for(vacancy["scheme_code"])
        offer.answer("accept", datetime.now(UTC))
        # One placement per offer: its id is the offer's, so a repeated accept cannot add one.
        placement = repo.place(vacancy, {
            "_id": offer.id, "offer_id": offer.id, "employer_id": offer.employer_id,
            "participant_id": offer.participant_id, "certificate_number": certificate["number"],
            "programme_id": certificate.get("programme_id"), "kind": offer.kind,
            "start_date": vacancy["start_date"]})
        repo.save_answer(offer)
        self.publish("graduate.placed", {
            "placement_id": placement["_id"], "offer_id": offer.id,
            "vacancy_id": offer.vacancy_id, "employer_id": offer.employer_id,
            "participant_id": offer.participant_id, "certificate_number": certificate["number"],
            "programme_id": placement["programme_id"], "kind": offer.kind,
            "start_date": date.fromisoformat(vacancy["start_date"])},
            subject=offer.participant_id)
        return 201, _view(placement)

    @api("POST", "/offers/<offer_id>/decline", body=AnswerRequest)
    def decline_offer(self, request, offer_id, body):
        repo = Repository(self.db)
        offer = repo.offer(offer_id)
        offer.answer("decline", datetime.now(UTC), body["reason"])
        repo.save_answer(offer)
        self.publish("offer.declined", {
            "offer_id": offer.id, "vacancy_id": offer.vacancy_id,
            "employer_id": offer.employer_id, "participant_id": offer.participant_id,
            "reason": offer.reason, "declined_at": offer.answered_at},
            subject=offer.participant_id)
        return offer_view(offer)
