"""The placement service: partner employers, vacancies and apprenticeships, the consented
graduate pool and matching, offers and placements, follow-up after certification, reports.

Thin nameko entrypoints: who may call (the route's roles), then a use case (handlers.py) in a
unit of work, then a view (views.py).

    nameko run --config config.yaml kompeten_placement.service:PlacementService
"""

from datetime import UTC, date, datetime

from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.unit_of_work import Relay, UnitsOfWork
from kompeten_chassis.web import api, query
from kompeten_shared.errors import InvalidInput
from nameko.dependency_providers import Config
from nameko.timer import timer

from . import access, handlers, matching, reports, repository, views
from .repository import Repository
from .schemas import (
    AcceptRequest,
    AgreementRequest,
    AnswerRequest,
    CheckInRequest,
    EmployerRequest,
    OfferRequest,
    TerminationRequest,
    VacancyRequest,
)

FOLLOW_UP_CHECK_SECONDS = 3600
MAX_CANDIDATES = 200  # a page a person reads; each profile shown is recorded
OFFICE = ("operator", "monitoring_officer")  # the labour office
HR = ("employer_hr",)


def _now() -> datetime:
    return datetime.now(UTC)


class PlacementService(StandardEndpoints, Relay):
    name = "placement"

    uow = UnitsOfWork(prepare=repository.prepare, repo=Repository)
    publish = EventPublisher()
    config = Config()

    # what other services tell -----------------------------------------------------------------
    @consume("enrollment", "participant.consent_changed")
    def on_consent_changed(self, event):
        handlers.consent_changed(self.uow, event.data)

    @consume("enrollment", "training.completed")
    def on_training_completed(self, event):
        """Only an apprenticeship intake counts here: its apprentices start uncertified."""
        handlers.intake_completed(self.uow, event.data)

    @consume("certificate", "certificate.issued")
    def on_certificate_issued(self, event):
        """Employers match on what their vacancy accepts: certifications unless it says
        otherwise. Each certification also schedules its follow-up check-ins."""
        months = tuple(int(m) for m in str(self.config.get("FOLLOW_UP_MONTHS", "3,6")).split(","))
        handlers.certificate_issued(self.uow, event.data, months)

    # employers and vacancies ------------------------------------------------------------------
    @api("POST", "/employers", body=EmployerRequest, allow=("operator", "platform_operator"))
    def register_employer(self, request, body, caller):
        """A partner employer, registered by the labour office."""
        return 201, views.document(handlers.register_employer(self.uow, body))

    @api("GET", "/employers/<employer_id>", allow=OFFICE + HR)
    def get_employer(self, request, employer_id, caller):
        """An employer with its apprentices and quota."""
        return views.document(handlers.employer(self.uow, caller, employer_id))

    @api("POST", "/vacancies", body=VacancyRequest, allow=("operator",) + HR)
    def open_vacancy(self, request, body, caller):
        """A job or an apprenticeship (pemagangan). An apprenticeship's places must fit the
        employer's quota of apprentices (20% of its workforce)."""
        return 201, views.document(handlers.open_vacancy(self.uow, caller, body))

    @api("GET", "/vacancies", allow=OFFICE + HR + ("participant",))
    def list_vacancies(self, request, caller):
        """Open jobs and apprenticeships (HR sees its employer's)."""
        filters = query(request, "employer_id", "kind", "scheme_code")
        if caller.has("employer_hr") and not caller.has(*OFFICE):
            filters["employer_id"] = caller.employer
        return [views.document(v) for v in self.uow.repo.vacancies(**filters)]

    @api("GET", "/vacancies/<vacancy_id>", allow=OFFICE + HR + ("participant",))
    def get_vacancy(self, request, vacancy_id, caller):
        """One job or apprenticeship (HR: its own employer's)."""
        vacancy = self.uow.repo.vacancy(vacancy_id)
        access.for_employer(caller, vacancy["employer_id"])
        return views.document(vacancy)

    @api("GET", "/vacancies/<vacancy_id>/candidates", allow=("operator",) + HR)
    def candidates(self, request, vacancy_id, caller):
        """Graduates with a valid certification of the vacancy's scheme who agreed to share
        their data, the best first (?limit=, 50 unless said, at most 200), each score with its
        factors and weights; `total` says how many there are."""
        limit = request.args.get("limit", "50")
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_CANDIDATES:
            raise InvalidInput(f"limit must be 1 to {MAX_CANDIDATES}", code="invalid_parameter",
                               details={"limit": [f"1 to {MAX_CANDIDATES}"]})
        ranked, total = handlers.candidates(self.uow, caller, vacancy_id, request.path,
                                            date.today(), _now(), int(limit))
        return {"vacancy_id": vacancy_id, "weights": matching.WEIGHTS, "candidates": ranked,
                "total": total}

    @api("GET", "/access-log", allow=OFFICE + ("participant",))
    def access_log(self, request, caller):
        """Who saw a graduate's shared profile here (?participant_id=), when, for what."""
        return handlers.access_log(self.uow, caller, request.args.get("participant_id"))

    # offers and placements --------------------------------------------------------------------
    @api("POST", "/offers", body=OfferRequest, allow=("operator",) + HR)
    def make_offer(self, request, body, caller):
        """HR offers one of its vacancies to a consenting, certified graduate."""
        return 201, views.offer(handlers.make_offer(self.uow, caller, body["vacancy_id"],
                                                    body["participant_id"], date.today(),
                                                    _now()))

    @api("GET", "/offers", allow=OFFICE + HR + ("participant",))
    def list_offers(self, request, caller):
        """Offers: HR sees its employer's, a participant their own."""
        filters = access.narrowed(caller, query(request, "vacancy_id", "participant_id",
                                                "status"))
        return [views.offer(o) for o in self.uow.repo.offers(**filters)]

    @api("POST", "/offers/<offer_id>/accept", body=AcceptRequest, allow=("participant",))
    def accept_offer(self, request, offer_id, body, caller):
        """The graduate accepts: the placement starts. An apprenticeship needs its written
        agreement, ratified by the district labour office, within the national rules."""
        return 201, views.document(handlers.accept_offer(self.uow, caller, offer_id,
                                                         body["agreement"], date.today(),
                                                         _now()))

    @api("POST", "/offers/<offer_id>/agreement", body=AgreementRequest,
         allow=("operator",) + HR)
    def draw_up_agreement(self, request, offer_id, body, caller):
        """HR attaches the apprenticeship's written agreement (perjanjian pemagangan),
        ratified by the district labour office and checked against the national rules, to
        its offer; the graduate accepts with it."""
        return views.offer(handlers.draw_up_agreement(self.uow, caller, offer_id, body,
                                                      date.today()))

    @api("POST", "/offers/<offer_id>/decline", body=AnswerRequest, allow=("participant",))
    def decline_offer(self, request, offer_id, body, caller):
        """The graduate declines, with a reason if they wish."""
        return views.offer(handlers.decline_offer(self.uow, caller, offer_id, body["reason"],
                                                  _now()))

    @api("GET", "/placements", allow=OFFICE + HR + ("participant",))
    def list_placements(self, request, caller):
        """Placements: HR sees its employer's, a participant their own."""
        return [views.document(p) for p in self.uow.repo.placements(**access.narrowed(
            caller, query(request, "employer_id", "participant_id", "programme_id", "status")))]

    @api("POST", "/placements/<placement_id>/terminate", body=TerminationRequest,
         allow=("operator",) + HR)
    def terminate_placement(self, request, placement_id, body, caller):
        """End a placement early, with the reason; the graduate is available again."""
        return views.document(handlers.terminate_placement(
            self.uow, caller, placement_id, body["ended_on"], body["reason"], _now()))

    # follow-up after certification ------------------------------------------------------------
    @timer(interval=FOLLOW_UP_CHECK_SECONDS)
    def remind_follow_ups(self):
        """follow_up.due once per due check-in, for holders who consent to follow-up."""
        handlers.remind_follow_ups(self.uow, date.today(), _now())

    @api("GET", "/check-ins", allow=("monitoring_officer", "participant"))
    def list_check_ins(self, request, caller):
        """Follow-up check-ins: a participant sees their own."""
        return [views.check_in(c) for c in self.uow.repo.check_ins(**access.narrowed(
            caller, query(request, "participant_id", "programme_id", "certificate_number")))]

    @api("POST", "/check-ins/<check_in_id>", body=CheckInRequest,
         allow=("monitoring_officer", "participant"))
    def record_check_in(self, request, check_in_id, body, caller):
        """What the graduate said: employed, self-employed, apprenticing or still looking, and
        what stands in the way. Only with their consent to follow-up, once it is due."""
        return views.check_in(handlers.record_check_in(self.uow, caller, check_in_id, body,
                                                       date.today(), _now()))

    # reports ----------------------------------------------------------------------------------
    @api("GET", "/reports/absorption", allow=OFFICE + ("platform_operator",))
    def absorption(self, request, caller):
        """Certified graduates, offers and placements per programme and per partner; of one
        programme with ?programme_id= (read through its lists: the whole report reads every
        certificate, offer and placement stored)."""
        repo, programme_id = self.uow.repo, request.args.get("programme_id")
        if programme_id:
            return reports.absorption(*repo.programme_records(programme_id), only=programme_id)
        return reports.absorption(repo.graduates(), repo.placements(), repo.offers())

    @api("GET", "/reports/follow-up", allow=OFFICE + ("platform_operator",))
    def follow_up_report(self, request, caller):
        """Per programme, per check-in month: due, recorded and each status."""
        return reports.follow_ups(self.uow.repo.check_ins(**query(request, "programme_id")))
