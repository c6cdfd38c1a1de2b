"""The placement service: partner employers, vacancies and apprenticeships, the consented
graduate pool and matching, offers and placements, follow-up after certification, reports.

    nameko run --config config.yaml kompeten_placement.service:PlacementService
"""

import uuid
from datetime import UTC, date, datetime

from kompeten_chassis import outbox, privacy
from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.mongo import Database
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.web import api, query
from kompeten_shared.errors import DomainError, InvalidInput
from nameko.dependency_providers import Config
from nameko.timer import timer

from . import access, apprenticeship, follow_up, matching, reports, repository
from .pool import Offer
from .repository import Repository
from .schemas import (
    AcceptRequest,
    AnswerRequest,
    CheckInRequest,
    EmployerRequest,
    OfferRequest,
    TerminationRequest,
    VacancyRequest,
)

FOLLOW_UP_CHECK_SECONDS = 3600
OFFICE = ("operator", "monitoring_officer")  # the labour office
HR = ("employer_hr",)


def _new_id() -> str:
    return str(uuid.uuid4())


def _view(doc: dict) -> dict:
    view = {key: value for key, value in doc.items() if key not in ("_id", outbox.FIELD)}
    return {"id": doc["_id"], **view}


def offer_view(offer: Offer) -> dict:
    return {key: value for key, value in offer.__dict__.items()}


def _today() -> date:
    return date.today()


class PlacementService(StandardEndpoints, outbox.Relay):
    name = "placement"
    outbox_collections = ("offers", "placements")

    db = Database(prepare=repository.prepare)
    publish = EventPublisher()
    config = Config()

    # what other services tell -----------------------------------------------------------------
    @consume("enrollment", "participant.consent_changed")
    def on_consent_changed(self, event):
        data = event.data
        if data["purpose"] in ("partner_sharing", "follow_up"):
            Repository(self.db).record_consent(data["participant_id"], data["purpose"],
                                               data["granted"], data["profile"],
                                               data["recorded_at"])

    @consume("certificate", "certificate.issued")
    def on_certificate_issued(self, event):
        """Employers match on proven competency: certifications, not training certificates.
        Each certification also schedules its follow-up check-ins."""
        data = event.data
        if data["kind"] != "certification":
            return
        repo = Repository(self.db)
        repo.add_certificate(data["participant_id"], {
            "number": data["certificate_number"], "scheme_code": data["scheme_code"],
            "units": [{"code": u["code"]} for u in data["units"]],
            "programme_id": data["programme_id"],
            "valid_until": data["valid_until"] and data["valid_until"].isoformat(),
            "verification_url": data["verification_url"]})
        months = tuple(int(m) for m in str(self.config.get("FOLLOW_UP_MONTHS", "3,6")).split(","))
        repo.schedule_check_ins(follow_up.schedule(data, months))

    # employers and vacancies ------------------------------------------------------------------
    @api("POST", "/employers", body=EmployerRequest, allow=("operator", "platform_operator"))
    def register_employer(self, request, body, caller):
        """A partner employer, registered by the labour office."""
        doc = {**body, "_id": body["id"] or _new_id()}
        doc.pop("id")
        return 201, _view(Repository(self.db).add("employers", doc))

    @api("GET", "/employers/<employer_id>", allow=OFFICE + HR)
    def get_employer(self, request, employer_id, caller):
        """An employer with its apprentices and quota."""
        repo = Repository(self.db)
        employer = repo.employer(employer_id)
        access.for_employer(caller, employer_id)
        apprentices = repo.active_apprentices(employer_id)
        return {**_view(employer), "apprentices": apprentices,
                "apprentice_quota": apprenticeship.apprentice_quota(employer["workforce"])}

    @api("POST", "/vacancies", body=VacancyRequest, allow=("operator",) + HR)
    def open_vacancy(self, request, body, caller):
        """A job or an apprenticeship (pemagangan). An apprenticeship's places must fit the
        employer's quota of apprentices (20% of its workforce)."""
        repo = Repository(self.db)
        employer = repo.employer(body["employer_id"])
        access.for_employer(caller, employer["_id"])
        if body["kind"] == "apprenticeship":
            room = apprenticeship.apprentice_quota(employer["workforce"]) - \
                repo.active_apprentices(employer["_id"])
            if body["places"] > room:
                raise DomainError(
                    f"apprentices are at most 20% of the workforce: {employer['workforce']} "
                    f"employees leave room for {max(room, 0)} more",
                    code="apprenticeship_rules_broken",
                    details={"broken": [{"rule": "at_most_20_percent",
                                         "message": f"room for {max(room, 0)} apprentices"}]})
        doc = {"_id": _new_id(), **body,
               "region_code": body["region_code"] or employer["region_code"]}
        return 201, _view(repo.add("vacancies", doc))

    @api("GET", "/vacancies", allow=OFFICE + HR + ("participant",))
    def list_vacancies(self, request, caller):
        """Open jobs and apprenticeships (HR sees its employer's)."""
        filters = query(request, "employer_id", "kind", "scheme_code")
        if caller.has("employer_hr") and not caller.has(*OFFICE):
            filters["employer_id"] = caller.employer
        return [_view(v) for v in Repository(self.db).vacancies(**filters)]

    @api("GET", "/vacancies/<vacancy_id>/candidates", allow=("operator",) + HR)
    def candidates(self, request, vacancy_id, caller):
        """Graduates with a valid certification of the vacancy's scheme who agreed to share
        their data, best first, each score with its factors and weights."""
        repo = Repository(self.db)
        vacancy = repo.vacancy(vacancy_id)
        access.for_employer(caller, vacancy["employer_id"])
        today = _today()
        found = []
        for graduate in repo.shared_graduates(vacancy["scheme_code"]):
            try:
                found.append(graduate.candidate_for(vacancy, today))
            except DomainError:
                continue  # an expired certificate: not a candidate
        ranked = matching.rank(found)
        privacy.record(self.db, caller, [c["participant_id"] for c in ranked], "matching",
                       request.path, datetime.now(UTC))
        return {"vacancy_id": vacancy_id, "weights": matching.WEIGHTS, "candidates": ranked}

    @api("GET", "/access-log", allow=OFFICE + ("participant",))
    def access_log(self, request, caller):
        """Who saw a graduate's shared profile here (?participant_id=), when, for what."""
        participant_id = request.args.get("participant_id")
        if not participant_id:
            raise InvalidInput("participant_id is required", code="missing_parameter",
                               details={"participant_id": ["required"]})
        access.for_participant(caller, participant_id)
        return privacy.log(self.db, participant_id)

    # offers and placements --------------------------------------------------------------------
    @api("POST", "/offers", body=OfferRequest, allow=("operator",) + HR)
    def make_offer(self, request, body, caller):
        """HR offers one of its vacancies to a consenting, certified graduate."""
        repo = Repository(self.db)
        vacancy = repo.vacancy(body["vacancy_id"])
        access.for_employer(caller, vacancy["employer_id"])
        repo.graduate(body["participant_id"]).candidate_for(vacancy, _today())
        offer = Offer(id=_new_id(), vacancy_id=vacancy["_id"],
                      employer_id=vacancy["employer_id"],
                      participant_id=body["participant_id"], kind=vacancy["kind"],
                      made_at=datetime.now(UTC))
        repo.add_offer(offer, self.publish.stage("offer.made", {
            "offer_id": offer.id, "vacancy_id": offer.vacancy_id,
            "employer_id": offer.employer_id, "participant_id": offer.participant_id,
            "kind": offer.kind, "made_at": offer.made_at}, subject=offer.participant_id))
        outbox.relay(self.db.offers, offer.id, self.publish.send)
        return 201, offer_view(offer)

    @api("GET", "/offers", allow=OFFICE + HR + ("participant",))
    def list_offers(self, request, caller):
        """Offers: HR sees its employer's, a participant their own."""
        filters = access.narrowed(caller, query(request, "vacancy_id", "participant_id",
                                                "status"))
        return [offer_view(o) for o in Repository(self.db).offers(**filters)]

    @api("POST", "/offers/<offer_id>/accept", body=AcceptRequest, allow=("participant",))
    def accept_offer(self, request, offer_id, body, caller):
        """The graduate accepts: the placement starts. An apprenticeship needs its written
        agreement, ratified by the district labour office, within the national rules."""
        repo, today = Repository(self.db), _today()
        offer = repo.offer(offer_id)
        access.for_participant(caller, offer.participant_id)
        vacancy = repo.vacancy(offer.vacancy_id)
        graduate = repo.graduate(offer.participant_id)
        graduate.candidate_for(vacancy, today)  # consent and certificate still stand
        certificate = graduate.certificate_for(vacancy["scheme_code"], today)
        agreement = None
        if offer.kind == "apprenticeship":
            if body["agreement"] is None:
                raise DomainError("an apprenticeship starts only with its written agreement",
                                  code="agreement_required")
            agreement = apprenticeship.Agreement(**body["agreement"])
            employer = repo.employer(offer.employer_id)
            apprenticeship.require_valid(agreement, employer["workforce"],
                                         repo.active_apprentices(employer["_id"]), today)
        offer.answer("accept", datetime.now(UTC))
        start = agreement.start_date if agreement else date.fromisoformat(vacancy["start_date"])
        # One placement per offer: its id is the offer's, so a repeated accept cannot add one.
        placement = repo.place(vacancy, {
            "_id": offer.id, "offer_id": offer.id, "vacancy_id": vacancy["_id"],
            "employer_id": offer.employer_id, "participant_id": offer.participant_id,
            "certificate_number": certificate["number"],
            "programme_id": certificate.get("programme_id"), "kind": offer.kind,
            "start_date": start, "end_date": agreement.end_date if agreement else None,
            "agreement": body["agreement"] and {
                k: v.isoformat() if isinstance(v, date) else v
                for k, v in body["agreement"].items()},
            "status": "active",
            outbox.FIELD: outbox.entries(self.publish.stage("graduate.placed", {
                "placement_id": offer.id, "offer_id": offer.id,
                "vacancy_id": offer.vacancy_id, "employer_id": offer.employer_id,
                "participant_id": offer.participant_id,
                "certificate_number": certificate["number"],
                "programme_id": certificate.get("programme_id"), "kind": offer.kind,
                "start_date": start}, subject=offer.participant_id))})
        repo.save_answer(offer)
        outbox.relay(self.db.placements, placement["_id"], self.publish.send)
        return 201, _view(placement)

    @api("POST", "/offers/<offer_id>/decline", body=AnswerRequest, allow=("participant",))
    def decline_offer(self, request, offer_id, body, caller):
        """The graduate declines, with a reason if they wish."""
        repo = Repository(self.db)
        offer = repo.offer(offer_id)
        access.for_participant(caller, offer.participant_id)
        offer.answer("decline", datetime.now(UTC), body["reason"])
        repo.save_answer(offer, self.publish.stage("offer.declined", {
            "offer_id": offer.id, "vacancy_id": offer.vacancy_id,
            "employer_id": offer.employer_id, "participant_id": offer.participant_id,
            "reason": offer.reason, "declined_at": offer.answered_at},
            subject=offer.participant_id))
        outbox.relay(self.db.offers, offer.id, self.publish.send)
        return offer_view(offer)

    @api("GET", "/placements", allow=OFFICE + HR + ("participant",))
    def list_placements(self, request, caller):
        """Placements: HR sees its employer's, a participant their own."""
        return [_view(p) for p in Repository(self.db).placements(**access.narrowed(
            caller, query(request, "employer_id", "participant_id", "programme_id", "status")))]

    @api("POST", "/placements/<placement_id>/terminate", body=TerminationRequest,
         allow=("operator",) + HR)
    def terminate_placement(self, request, placement_id, body, caller):
        """End a placement early, with the reason; the graduate is available again."""
        repo = Repository(self.db)
        placement = repo.placement(placement_id)
        access.for_employer(caller, placement["employer_id"])
        by = caller.actor
        if body["ended_on"] < date.fromisoformat(placement["start_date"]):
            raise DomainError("a placement cannot end before it starts",
                              code="ends_before_start", details={"field": "ended_on"})
        ended = repo.terminate(placement, body["ended_on"], body["reason"], by,
                               datetime.now(UTC), self.publish.stage("placement.terminated", {
                                   "placement_id": placement_id,
                                   "participant_id": placement["participant_id"],
                                   "employer_id": placement["employer_id"],
                                   "programme_id": placement["programme_id"],
                                   "kind": placement["kind"], "ended_on": body["ended_on"],
                                   "reason": body["reason"], "by": by},
                                   subject=placement["participant_id"]))
        outbox.relay(self.db.placements, placement_id, self.publish.send)
        return _view(ended)


    # follow-up after certification ------------------------------------------------------------
    @timer(interval=FOLLOW_UP_CHECK_SECONDS)
    def remind_follow_ups(self):
        """follow_up.due once per due check-in, for holders who consent to follow-up."""
        repo, now = Repository(self.db), datetime.now(UTC)
        for check_in in repo.due_check_ins(_today()):
            if not repo.graduate(check_in.participant_id).follow_up:
                continue
            self.publish("follow_up.due", {
                "check_in_id": check_in.id, "participant_id": check_in.participant_id,
                "certificate_number": check_in.certificate_number,
                "programme_id": check_in.programme_id, "months": check_in.months,
                "due_on": check_in.due_on}, subject=check_in.participant_id,
                event_id=f"{check_in.id}:due")
            repo.mark_reminded(check_in.id, now)

    @api("GET", "/check-ins", allow=("monitoring_officer", "participant"))
    def list_check_ins(self, request, caller):
        """Follow-up check-ins: a participant sees their own."""
        return [_check_in_view(c) for c in Repository(self.db).check_ins(**access.narrowed(
            caller, query(request, "participant_id", "programme_id", "certificate_number")))]

    @api("POST", "/check-ins/<check_in_id>", body=CheckInRequest,
         allow=("monitoring_officer", "participant"))
    def record_check_in(self, request, check_in_id, body, caller):
        """What the graduate said: employed, self-employed, apprenticing or still looking, and
        what stands in the way. Only with their consent to follow-up, once it is due."""
        repo, today = Repository(self.db), _today()
        check_in = repo.check_in(check_in_id)
        access.for_participant(caller, check_in.participant_id)
        if not repo.graduate(check_in.participant_id).follow_up:
            raise DomainError("the graduate has not consented to follow-up",
                              code="consent_required", details={"purpose": "follow_up"})
        if check_in.due_on > today:
            raise DomainError(f"the check-in is due on {check_in.due_on}", code="not_due_yet")
        check_in.record(body["status"], body["obstacles"], caller.actor,
                        datetime.now(UTC))
        repo.save_check_in(check_in)
        return _check_in_view(check_in)

    # reports ----------------------------------------------------------------------------------
    @api("GET", "/reports/absorption", allow=OFFICE + ("platform_operator",))
    def absorption(self, request, caller):
        """Certified graduates, offers and placements per programme and per partner."""
        repo = Repository(self.db)
        return reports.absorption(repo.graduates(), repo.placements(), repo.offers())

    @api("GET", "/reports/follow-up", allow=OFFICE + ("platform_operator",))
    def follow_up_report(self, request, caller):
        """Per programme, per check-in month: due, recorded and each status."""
        repo = Repository(self.db)
        return reports.follow_ups(repo.check_ins(**query(request, "programme_id")))


def _check_in_view(check_in) -> dict:
    return dict(check_in.__dict__)
