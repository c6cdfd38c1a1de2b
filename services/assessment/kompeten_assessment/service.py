"""The assessment service: an LSP's competency test (uji kompetensi). Opens a case per
completed trainee; the LSP assigns an asesor at a TUK; the asesor reviews the evidence and
records K/BK per unit; the plenary decides; a BK decision may be appealed.

Thin nameko entrypoints: who may call (the route's roles), then a use case (handlers.py) in a
unit of work, then a view (views.py).

    nameko run --config config.yaml kompeten_assessment.service:AssessmentService
"""

from datetime import UTC, datetime

from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.unit_of_work import Relay, UnitsOfWork
from kompeten_chassis.web import Tokens, api, load, query
from nameko.dependency_providers import Config

from . import access, handlers, repository, views
from .case import Case
from .repository import Registry, Repository
from .schemas import (
    AcceptRequest,
    AgreementRequest,
    AppealDecisionRequest,
    AppealRequest,
    AsesorRequest,
    AsesorStatusRequest,
    AssignmentRequest,
    BriefingRequest,
    DecisionRequest,
    EvidenceRequest,
    LspRequest,
    PeriodQuery,
    QuorumRequest,
    RecommendationRequest,
    ResultsRequest,
    ReviewRequest,
    SchemeRequest,
    SelfAssessmentRequest,
    TukRequest,
)


def _now() -> datetime:
    return datetime.now(UTC)


# Read the registry: the LSPs' staff, the labour office, and employers choosing the scheme a
# vacancy asks for.
STAFF = ("lsp_admin", "asesor", "plenary", "certificate_officer", "operator", "employer_hr",
         "platform_operator")
LSP_STAFF = ("lsp_admin", "platform_operator")
CASE_READERS = ("lsp_admin", "asesor", "plenary", "participant")


class AssessmentService(StandardEndpoints, Relay):
    """Cases, asesor assignment, evidence and VATM review, per-unit K/BK, the plenary decision
    and appeals (banding), each step on the case's audit trail."""

    name = "assessment"

    uow = UnitsOfWork(prepare=repository.prepare, cases=Repository, registry=Registry)
    publish = EventPublisher()
    config = Config()
    tokens = Tokens()

    def _view(self, case: Case) -> dict:
        return views.case(case, self.uow.registry.scheme(case.scheme_code))

    # events in ---------------------------------------------------------------------------------
    @consume("enrollment", "training.completed")
    def on_training_completed(self, event):
        handlers.open_case(self.uow, event.data, event.id, _now())

    @consume("lsp", "assessment.decision_submitted")
    def on_decision_submitted(self, event):
        """An external LSP's decision (see handlers.accept_external_decision); a refusal is
        dead-lettered with its reason and never reaches the certificate service."""
        handlers.accept_external_decision(self.uow, self.tokens,
                                          handlers.lsp_keys(self.config["LSP_KEYS"]), event,
                                          _now())

    @consume("enrollment", "participant.consent_changed")
    def on_consent_changed(self, event):
        """A withdrawn certification consent stops every open case of that person."""
        handlers.withdraw_consent(self.uow, event.data)

    # the registry ------------------------------------------------------------------------------
    @api("GET", "/schemes", allow=STAFF)
    def list_schemes(self, request, caller):
        """Certification schemes and their units of competency."""
        lsps = self.uow.registry.lsps()
        return [views.scheme(s, lsps) for s in self.uow.registry.schemes()]

    @api("GET", "/schemes/<code>", allow=STAFF)
    def get_scheme(self, request, code, caller):
        """One scheme."""
        return views.scheme(self.uow.registry.scheme(code), self.uow.registry.lsps())

    @api("GET", "/lsps", allow=STAFF)
    def list_lsps(self, request, caller):
        """LSPs with their BNSP licence and the schemes it covers."""
        return [views.lsp(x) for x in self.uow.registry.lsps()]

    @api("GET", "/asesors", allow=STAFF)
    def list_asesors(self, request, caller):
        """Registered asesor, their LSP and schemes."""
        return [views.asesor(a) for a in self.uow.registry.asesors()]

    @api("GET", "/tuks", allow=STAFF)
    def list_tuks(self, request, caller):
        """Test sites (TUK)."""
        return [views.tuk(t) for t in self.uow.registry.tuks()]

    @api("POST", "/schemes", body=SchemeRequest, allow=("platform_operator",))
    def add_scheme(self, request, body, caller):
        """Register a scheme with its units of competency."""
        scheme = handlers.add_scheme(self.uow, body)
        return 201, views.scheme(scheme, self.uow.registry.lsps())

    @api("POST", "/lsps", body=LspRequest, allow=("platform_operator",))
    def add_lsp(self, request, body, caller):
        """Register an LSP with its BNSP licence and the schemes it covers."""
        handlers.add_lsp(self.uow, body)
        return 201, body

    @api("GET", "/reports/bnsp", allow=("lsp_admin",))
    def bnsp_report(self, request, caller):
        """The LSP's cases decided from ?from= to ?to= (dates, at most a year), one line each
        for its report to BNSP: scheme, units with K/BK, asesor, TUK, dates. Each read is
        recorded (GET /reports/bnsp/exports); the NIK comes from enrollment's
        /bnsp/identities."""
        period = load(PeriodQuery(), request.args.to_dict())
        return handlers.bnsp_report(self.uow, caller, period["start"], period["end"], _now())

    @api("GET", "/reports/bnsp/exports", allow=("lsp_admin",))
    def bnsp_exports(self, request, caller):
        """Who read the LSP's BNSP report, for which period, and when: the latest first."""
        return self.uow.cases.exports(caller.lsp)

    @api("POST", "/lsps/<code>/plenary", body=QuorumRequest, allow=LSP_STAFF)
    def set_quorum(self, request, code, body, caller):
        """The LSP's plenary quorum: how many members vote before a case is decided."""
        return views.lsp(handlers.set_quorum(self.uow, caller, code, body["plenary_quorum"]))

    @api("POST", "/asesors", body=AsesorRequest, allow=LSP_STAFF)
    def add_asesor(self, request, body, caller):
        """Register an asesor of an LSP, for schemes that LSP holds."""
        handlers.add_asesor(self.uow, caller, body)
        return 201, body

    @api("POST", "/asesors/<registration_number>/status", body=AsesorStatusRequest,
         allow=LSP_STAFF)
    def set_asesor_status(self, request, registration_number, body, caller):
        """Activate or deactivate an asesor; a deactivated one cannot be assigned."""
        asesor = handlers.set_asesor_status(self.uow, caller, registration_number,
                                            body["active"])
        return {"registration_number": asesor.registration_number, "active": asesor.active}

    @api("POST", "/tuks", body=TukRequest, allow=LSP_STAFF)
    def add_tuk(self, request, body, caller):
        """Register a test site (TUK) of an LSP."""
        return 201, views.tuk(handlers.add_tuk(self.uow, caller, body))

    # cases -----------------------------------------------------------------------------------
    @api("GET", "/cases", allow=CASE_READERS)
    def list_cases(self, request, caller):
        """Cases the caller may read (their LSP's, assigned to them, or their own), filtered by
        programme_id, participant_id, status or asesor."""
        filters = query(request, "programme_id", "participant_id", "status", "asesor")
        schemes = {scheme.code: scheme for scheme in self.uow.registry.schemes()}  # one query
        return [views.case(c, schemes[c.scheme_code])
                for c in access.visible(caller, self.uow.cases.find(**filters))]

    @api("GET", "/cases/<case_id>", allow=CASE_READERS)
    def get_case(self, request, case_id, caller):
        """One case."""
        return self._view(handlers.read_case(self.uow, caller, case_id))

    @api("GET", "/cases/<case_id>/audit", allow=("lsp_admin", "plenary", "asesor"))
    def audit(self, request, case_id, caller):
        """Who did what, when."""
        return handlers.read_case(self.uow, caller, case_id).audit

    @api("POST", "/cases/<case_id>/assignment", body=AssignmentRequest, allow=("lsp_admin",))
    def assign(self, request, case_id, body, caller):
        """Assign an asesor and a TUK: licences, same LSP, no conflict of interest, daily load.
        LSP staff assign their own LSP's asesor."""
        return self._view(handlers.assign(self.uow, caller, case_id, body["asesor"],
                                          body["tuk"], _now(), body["members"]))

    @api("POST", "/cases/<case_id>/briefing", body=BriefingRequest,
         allow=("lsp_admin", "asesor"))
    def brief(self, request, case_id, body, caller):
        """The pembekalan the asesi attended before the test (when and where), recorded by the
        case's LSP staff or its asesor."""
        return self._view(handlers.brief(self.uow, caller, case_id, body, _now()))

    @api("POST", "/cases/<case_id>/agreement", body=AgreementRequest, allow=("asesor",))
    def propose_agreement(self, request, case_id, body, caller):
        """The assessment agreement (FR.AK.01) the lead asesor proposes after the briefing:
        the date, the TUK, the units and methods, confidentiality."""
        return self._view(handlers.propose_agreement(self.uow, caller, case_id,
                                                     body["scheduled_on"], _now()))

    @api("POST", "/cases/<case_id>/agreement/accept", body=AcceptRequest,
         allow=("participant",))
    def accept_agreement(self, request, case_id, body, caller):
        """The asesi agrees; only then may results be recorded."""
        return self._view(handlers.accept_agreement(self.uow, caller, case_id, _now()))

    @api("POST", "/cases/<case_id>/evidence", body=EvidenceRequest,
         allow=("participant", "asesor"))
    def add_evidence(self, request, case_id, body, caller):
        """Add a document to the portfolio (APL-02); it is kept by its SHA-256 hash."""
        return 201, self._view(handlers.add_evidence(self.uow, caller, case_id, body, _now()))

    @api("POST", "/cases/<case_id>/self-assessment", body=SelfAssessmentRequest,
         allow=("participant",))
    def self_assessment(self, request, case_id, body, caller):
        """APL-02: the asesi's self-assessment per unit, with references to their evidence."""
        return self._view(handlers.self_assess(self.uow, caller, case_id, body["units"],
                                               _now()))

    @api("POST", "/cases/<case_id>/units/<unit_code>/review", body=ReviewRequest,
         allow=("asesor",))
    def review(self, request, case_id, unit_code, body, caller):
        """The asesor's VATM judgement of a unit's evidence: valid, asli, terkini, memadai."""
        return self._view(handlers.review(self.uow, caller, case_id, unit_code, body, _now()))

    @api("POST", "/cases/<case_id>/results", body=ResultsRequest, allow=("asesor",))
    def record_results(self, request, case_id, body, caller):
        """K/BK per unit with the method used: interview where the evidence meets VATM, a
        demonstration or observation where it does not."""
        return self._view(handlers.record_results(self.uow, caller, case_id, body["units"],
                                                  _now()))

    @api("POST", "/cases/<case_id>/recommendation", body=RecommendationRequest,
         allow=("asesor",))
    def recommend(self, request, case_id, body, caller):
        """The asesor's overall recommendation (K/BK) for the plenary."""
        return self._view(handlers.recommend(self.uow, caller, case_id, _now()))

    @api("POST", "/cases/<case_id>/decision", body=DecisionRequest, allow=("plenary",))
    def decide(self, request, case_id, body, caller):
        """A plenary member's vote at the rapat pleno (a member of the case's LSP who assessed
        none of it): confirming the asesor's results, or overturning units with a reason. The
        vote that completes the LSP's quorum decides (each unit by majority) and publishes
        assessment.decided."""
        return self._view(handlers.decide(self.uow, caller, case_id, body["units"], _now()))

    @api("POST", "/cases/<case_id>/appeal", body=AppealRequest, allow=("participant",))
    def appeal(self, request, case_id, body, caller):
        """The asesi files an appeal (banding) against a BK decision within the window."""
        return self._view(handlers.appeal(self.uow, caller, case_id, body["reason"], _now()))

    @api("POST", "/cases/<case_id>/appeal/decision", body=AppealDecisionRequest,
         allow=("plenary",))
    def decide_appeal(self, request, case_id, body, caller):
        """Upheld: the BK units are assessed again, the K units stand. Rejected: final."""
        return self._view(handlers.decide_appeal(self.uow, caller, case_id, body["outcome"],
                                                 body["reason"], _now()))
