"""The assessment service: an LSP's competency test (uji kompetensi). Opens a case per
completed trainee; the LSP assigns an asesor at a TUK; the asesor reviews the evidence and
records K/BK per unit; the plenary decides; a BK decision may be appealed.

    nameko run --config config.yaml kompeten_assessment.service:AssessmentService
"""

import base64
import binascii
import hashlib
import uuid
from datetime import UTC, datetime

from kompeten_chassis import outbox, regions
from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.mongo import Database
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.web import Tokens, api, query
from kompeten_shared import signing
from kompeten_shared.errors import DomainError, InvalidInput
from nameko.dependency_providers import Config

from . import access, repository
from .case import Case, Evidence, Review, case_id_for
from .registry import Asesor, Lsp, Scheme, Tuk
from .repository import Registry, Repository
from .schemas import (
    MAX_EVIDENCE_BYTES,
    AppealDecisionRequest,
    AppealRequest,
    AsesorRequest,
    AsesorStatusRequest,
    AssignmentRequest,
    DecisionRequest,
    EvidenceRequest,
    LspRequest,
    RecommendationRequest,
    ResultsRequest,
    ReviewRequest,
    SchemeRequest,
    SelfAssessmentRequest,
    TukRequest,
)


def _now() -> datetime:
    return datetime.now(UTC)


def case_view(case: Case, scheme: Scheme) -> dict:
    return {
        "id": case.id, "participant_id": case.participant_id,
        "programme_id": case.programme_id, "scheme_code": case.scheme_code,
        "status": case.status, "opened_at": case.opened_at, "lsp": case.lsp_code,
        "asesor": case.asesor, "tuk": case.tuk_code, "assigned_on": case.assigned_on,
        "units": [{"code": code, "title": title,
                   "result": case.results[code].result if code in case.results else None,
                   "method": case.results[code].method if code in case.results else None,
                   "evidence_meets_vatm": case.reviews[code].satisfied
                   if code in case.reviews else None}
                  for code, title in scheme.units],
        "evidence": [{"id": e.id, "type": e.type, "title": e.title, "sha256": e.sha256,
                      "size": e.size, "issued_on": e.issued_on} for e in case.evidence],
        "self_assessment": case.self_assessment, "recommendation": case.recommendation,
        "decision": case.decision, "decisions": len(case.decisions), "appeal": case.appeal,
    }


def scheme_view(scheme: Scheme, lsps: list[Lsp]) -> dict:
    return {"code": scheme.code, "title": scheme.title, "kind": scheme.kind,
            "validity_years": scheme.validity_years,
            "lsps": sorted(lsp.code for lsp in lsps if scheme.code in lsp.schemes),
            "units": [{"code": code, "title": title} for code, title in scheme.units]}


def lsp_keys(setting: str) -> dict[str, str]:
    """LSP_KEYS is `CODE=secret,CODE=secret`: each external LSP's signing secret."""
    pairs = (item.split("=", 1) for item in setting.split(",") if "=" in item)
    return {code.strip(): secret.strip() for code, secret in pairs}


STAFF = ("lsp_admin", "asesor", "plenary", "certificate_officer", "operator",
         "platform_operator")  # read the registry
LSP_STAFF = ("lsp_admin", "platform_operator")
CASE_READERS = ("lsp_admin", "asesor", "plenary", "participant")


class AssessmentService(StandardEndpoints, outbox.Relay):
    """Cases, asesor assignment, evidence and VATM review, per-unit K/BK, the plenary decision
    and appeals (banding), each step on the case's audit trail."""

    name = "assessment"
    outbox_collections = ("cases",)

    db = Database(prepare=repository.prepare)
    publish = EventPublisher()
    config = Config()
    tokens = Tokens()

    @property
    def registry(self) -> Registry:
        return Registry(self.db)

    def _view(self, case: Case) -> dict:
        return case_view(case, self.registry.scheme(case.scheme_code))

    # events in ---------------------------------------------------------------------------------
    @consume("enrollment", "training.completed")
    def on_training_completed(self, event):
        data = event.data
        if data["programme_kind"] == "apprenticeship_intake":
            return  # apprentices are assessed when their apprenticeship ends, not at intake
        self.registry.scheme(data["scheme_code"])  # an unknown scheme is refused and dead-lettered
        now = _now()
        case = Case(id=case_id_for(data["programme_id"], data["participant_id"]),
                    participant_id=data["participant_id"], programme_id=data["programme_id"],
                    scheme_code=data["scheme_code"], asesi_name=data["asesi_name"],
                    opened_at=now)
        case.audit.append({"at": now, "actor": "enrollment", "action": "opened",
                           "event_id": event.id})
        lsp = self.registry.lsp_for(case.scheme_code)
        if lsp is not None and lsp.external:
            case.route_to(lsp, now)
        if Repository(self.db).open(case) and case.status == "requested":
            self._request(case, lsp)

    def _request(self, case: Case, lsp: Lsp) -> None:
        scheme = self.registry.scheme(case.scheme_code)
        self.publish("assessment.requested", {
            "case_id": case.id, "participant_id": case.participant_id,
            "programme_id": case.programme_id, "scheme_code": scheme.code,
            "scheme_title": scheme.title, "lsp_code": lsp.code, "asesi_name": case.asesi_name,
            "units": [{"code": code, "title": title} for code, title in scheme.units],
            "requested_at": case.opened_at,
        }, subject=case.participant_id, event_id=f"{case.id}:requested")

    @consume("lsp", "assessment.decision_submitted")
    def on_decision_submitted(self, event):
        """An external LSP's decision: accepted only from the LSP the case was routed to, for a
        scheme it is licensed for, with a valid signature; then published as
        assessment.decided. Anything else is refused with its reason (dead-lettered) and never
        reaches the certificate service."""
        data = event.data
        lsp = self.registry.lsp(data["lsp"]["code"])
        if not lsp.external or event.producer != lsp.service_name:
            raise DomainError(f"{event.producer} may not submit decisions for {lsp.code}",
                              code="wrong_lsp")
        key = lsp_keys(self.config["LSP_KEYS"]).get(lsp.code)
        if key is None or not signing.verify(event.raw_data, key):
            raise DomainError("the signature does not verify", code="bad_signature")
        access.is_lsp_client(self.tokens, event, lsp)
        repo = Repository(self.db)
        case = repo.get(data["case_id"])
        scheme = self.registry.scheme(case.scheme_code)
        case.accept_external_decision(scheme, lsp, data, _now())
        self._record_decision(repo, case, scheme, lsp)

    @consume("enrollment", "participant.consent_changed")
    def on_consent_changed(self, event):
        """A withdrawn certification consent stops every open case of that person."""
        data = event.data
        if data["purpose"] == "certification" and not data["granted"]:
            Repository(self.db).withdraw_open_cases(data["participant_id"], data["recorded_at"])

    # the registry ------------------------------------------------------------------------------
    @api("GET", "/schemes", allow=STAFF)
    def list_schemes(self, request, caller):
        """Certification schemes and their units of competency."""
        lsps = self.registry.lsps()
        return [scheme_view(s, lsps) for s in self.registry.schemes()]

    @api("GET", "/schemes/<code>", allow=STAFF)
    def get_scheme(self, request, code, caller):
        """One scheme."""
        return scheme_view(self.registry.scheme(code), self.registry.lsps())

    @api("GET", "/lsps", allow=STAFF)
    def list_lsps(self, request, caller):
        """LSPs with their BNSP licence and the schemes it covers."""
        return [{"code": x.code, "name": x.name, "licence_number": x.licence_number,
                 "licence_valid_until": x.licence_valid_until, "schemes": sorted(x.schemes),
                 "external": x.external}
                for x in self.registry.lsps()]

    @api("GET", "/asesors", allow=STAFF)
    def list_asesors(self, request, caller):
        """Registered asesor, their LSP and schemes."""
        return [{"registration_number": a.registration_number, "name": a.name,
                 "lsp": a.lsp_code, "schemes": sorted(a.schemes), "valid_until": a.valid_until,
                 "active": a.active, "daily_limit": a.daily_limit}
                for a in self.registry.asesors()]

    @api("GET", "/tuks", allow=STAFF)
    def list_tuks(self, request, caller):
        """Test sites (TUK)."""
        return [t.__dict__ for t in self.registry.tuks()]

    @api("POST", "/schemes", body=SchemeRequest, allow=("platform_operator",))
    def add_scheme(self, request, body, caller):
        """Register a scheme with its units of competency."""
        scheme = Scheme(code=body["code"], title=body["title"], kind=body["kind"],
                        units=tuple((u["code"], u["title"]) for u in body["units"]),
                        validity_years=body["validity_years"])
        if len(set(scheme.unit_codes)) != len(scheme.unit_codes):
            raise InvalidInput("a unit is listed twice", code="validation_failed",
                               details={"units": ["a unit is listed twice"]})
        self.registry.add("scheme", scheme)
        return 201, scheme_view(scheme, self.registry.lsps())

    @api("POST", "/lsps", body=LspRequest, allow=("platform_operator",))
    def add_lsp(self, request, body, caller):
        """Register an LSP with its BNSP licence and the schemes it covers."""
        for code in body["schemes"]:
            self.registry.scheme(code)
        self.registry.add("lsp", Lsp(**{**body, "schemes": frozenset(body["schemes"])}))
        return 201, body

    @api("POST", "/asesors", body=AsesorRequest, allow=LSP_STAFF)
    def add_asesor(self, request, body, caller):
        """Register an asesor of an LSP, for schemes that LSP holds."""
        access.is_lsp_staff(caller, body["lsp_code"])
        lsp = self.registry.lsp(body["lsp_code"])
        outside = sorted(set(body["schemes"]) - lsp.schemes)
        if outside:
            raise DomainError(f"{lsp.code} does not hold these schemes",
                              code="scheme_not_held_by_lsp", details={"schemes": outside})
        self.registry.add("asesor", Asesor(**{
            **body, "schemes": frozenset(body["schemes"]),
            "trained_programmes": frozenset(body["trained_programmes"])}))
        return 201, body

    @api("POST", "/asesors/<registration_number>/status", body=AsesorStatusRequest,
         allow=LSP_STAFF)
    def set_asesor_status(self, request, registration_number, body, caller):
        """Activate or deactivate an asesor; a deactivated one cannot be assigned."""
        access.is_lsp_staff(caller, self.registry.asesor(registration_number).lsp_code)
        asesor = self.registry.set_active(registration_number, body["active"])
        return {"registration_number": asesor.registration_number, "active": asesor.active}

    @api("POST", "/tuks", body=TukRequest, allow=LSP_STAFF)
    def add_tuk(self, request, body, caller):
        """Register a test site (TUK) of an LSP."""
        access.is_lsp_staff(caller, body["lsp_code"])
        self.registry.lsp(body["lsp_code"])
        if not regions.exists(body["region_code"]):
            raise InvalidInput("unknown regency code", code="validation_failed",
                               details={"region_code": ["unknown regency code"]})
        self.registry.add("tuk", Tuk(**body))
        return 201, body

    # cases -----------------------------------------------------------------------------------
    @api("GET", "/cases", allow=CASE_READERS)
    def list_cases(self, request, caller):
        """Cases the caller may read (their LSP's, assigned to them, or their own), filtered by
        programme_id, participant_id, status or asesor."""
        filters = query(request, "programme_id", "participant_id", "status", "asesor")
        schemes = {scheme.code: scheme for scheme in self.registry.schemes()}  # one query
        return [case_view(c, schemes[c.scheme_code])
                for c in access.visible(caller, Repository(self.db).find(**filters))]

    def _case(self, caller, repo: Repository, case_id: str) -> Case:
        case = repo.get(case_id)
        access.may_read(caller, case)
        return case

    @api("GET", "/cases/<case_id>", allow=CASE_READERS)
    def get_case(self, request, case_id, caller):
        """One case."""
        return self._view(self._case(caller, Repository(self.db), case_id))

    @api("GET", "/cases/<case_id>/audit", allow=("lsp_admin", "plenary", "asesor"))
    def audit(self, request, case_id, caller):
        """Who did what, when."""
        return self._case(caller, Repository(self.db), case_id).audit

    @api("POST", "/cases/<case_id>/assignment", body=AssignmentRequest, allow=("lsp_admin",))
    def assign(self, request, case_id, body, caller):
        """Assign an asesor and a TUK: licences, same LSP, no conflict of interest, daily load.
        LSP staff assign their own LSP's asesor."""
        repo, now = Repository(self.db), _now()
        case = repo.get(case_id)
        registry = self.registry
        asesor = registry.asesor(body["asesor"])
        access.is_lsp_staff(caller, asesor.lsp_code)
        case.assign(registry.scheme(case.scheme_code), registry.lsp(asesor.lsp_code), asesor,
                    registry.tuk(body["tuk"]), now,
                    repo.assigned_on(asesor.registration_number, now.date()),
                    caller.actor)
        repo.save(case)
        return self._view(case)

    @api("POST", "/cases/<case_id>/evidence", body=EvidenceRequest,
         allow=("participant", "asesor"))
    def add_evidence(self, request, case_id, body, caller):
        """Add a document to the portfolio (APL-02); it is kept by its SHA-256 hash."""
        try:
            content = base64.b64decode(body["content"], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("content is not base64", code="validation_failed",
                               details={"content": ["not base64"]}) from None
        if not content or len(content) > MAX_EVIDENCE_BYTES:
            raise InvalidInput(f"a file must have 1 to {MAX_EVIDENCE_BYTES} bytes",
                               code="validation_failed", details={"content": ["size"]})
        repo = Repository(self.db)
        case = self._case(caller, repo, case_id)
        sha256 = hashlib.sha256(content).hexdigest()
        evidence = Evidence(id=str(uuid.uuid4()), sha256=sha256, size=len(content),
                            type=body["type"], title=body["title"],
                            issued_on=body["issued_on"].isoformat() if body["issued_on"] else None,
                            submitted_at=_now())
        case.add_evidence(evidence, caller.actor)
        repo.store_file(sha256, content)
        repo.save(case)
        return 201, self._view(case)

    @api("POST", "/cases/<case_id>/self-assessment", body=SelfAssessmentRequest,
         allow=("participant",))
    def self_assessment(self, request, case_id, body, caller):
        """APL-02: the asesi's self-assessment per unit, with references to their evidence."""
        repo = Repository(self.db)
        case = repo.get(case_id)
        access.is_asesi(caller, case)
        case.assess_self(self.registry.scheme(case.scheme_code), body["units"], _now(),
                         caller.actor)
        repo.save(case)
        return self._view(case)

    @api("POST", "/cases/<case_id>/units/<unit_code>/review", body=ReviewRequest,
         allow=("asesor",))
    def review(self, request, case_id, unit_code, body, caller):
        """The asesor's VATM judgement of a unit's evidence: valid, asli, terkini, memadai."""
        repo = Repository(self.db)
        case = repo.get(case_id)
        asesor = access.is_assigned_asesor(caller, case)
        case.review(self.registry.scheme(case.scheme_code), unit_code,
                    Review(reviewed_at=_now(), asesor=asesor, **body))
        repo.save(case)
        return self._view(case)

    @api("POST", "/cases/<case_id>/results", body=ResultsRequest, allow=("asesor",))
    def record_results(self, request, case_id, body, caller):
        """K/BK per unit with the method used: interview where the evidence meets VATM, a
        demonstration or observation where it does not."""
        repo = Repository(self.db)
        case = repo.get(case_id)
        asesor = access.is_assigned_asesor(caller, case)
        case.record(self.registry.scheme(case.scheme_code), self.registry.asesor(asesor),
                    body["units"], _now())
        repo.save(case)
        return self._view(case)

    @api("POST", "/cases/<case_id>/recommendation", body=RecommendationRequest,
         allow=("asesor",))
    def recommend(self, request, case_id, body, caller):
        """The asesor's overall recommendation (K/BK) for the plenary."""
        repo = Repository(self.db)
        case = repo.get(case_id)
        case.recommend(self.registry.scheme(case.scheme_code),
                       access.is_assigned_asesor(caller, case), _now())
        repo.save(case)
        return self._view(case)

    @api("POST", "/cases/<case_id>/decision", body=DecisionRequest, allow=("plenary",))
    def decide(self, request, case_id, body, caller):
        """The plenary decision, by a plenary member of the case's LSP who did not assess it;
        publishes assessment.decided."""
        repo = Repository(self.db)
        case = repo.get(case_id)
        access.is_independent_plenary(caller, case)
        scheme = self.registry.scheme(case.scheme_code)
        lsp = self.registry.lsp(case.lsp_code)
        if case.status != "decided":
            case.decide(scheme, caller.actor, _now())
            self._record_decision(repo, case, scheme, lsp)
        else:  # a repeat re-sends the same event id, which consumers skip: a manual repair
            self.publish("assessment.decided", case.decided_event(scheme, lsp),
                         subject=case.participant_id,
                         event_id=f"{case.id}:decided:{case.decision['number']}")
        return self._view(case)

    def _record_decision(self, repo: Repository, case, scheme, lsp) -> None:
        """The decision and its assessment.decided event in one write (the case's outbox),
        sent after it; the relay timer sends it if this worker dies first."""
        repo.save(case, self.publish.stage(
            "assessment.decided", case.decided_event(scheme, lsp), subject=case.participant_id,
            event_id=f"{case.id}:decided:{case.decision['number']}"))
        outbox.relay(self.db.cases, case.id, self.publish.send)


    @api("POST", "/cases/<case_id>/appeal", body=AppealRequest, allow=("participant",))
    def appeal(self, request, case_id, body, caller):
        """The asesi files an appeal (banding) against a BK decision within the window."""
        repo = Repository(self.db)
        case = repo.get(case_id)
        access.is_asesi(caller, case)
        case.file_appeal(body["reason"], _now(), caller.actor)
        repo.save(case)
        return self._view(case)

    @api("POST", "/cases/<case_id>/appeal/decision", body=AppealDecisionRequest,
         allow=("plenary",))
    def decide_appeal(self, request, case_id, body, caller):
        """Upheld: the BK units are assessed again, the K units stand. Rejected: final."""
        repo = Repository(self.db)
        case = repo.get(case_id)
        access.is_independent_plenary(caller, case)
        case.decide_appeal(caller.actor, body["outcome"], body["reason"], _now())
        repo.save(case)
        return self._view(case)
