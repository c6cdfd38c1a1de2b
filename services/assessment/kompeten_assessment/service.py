"""The assessment service: opens a case per completed trainee, records the asesor's per-unit
K/BK and the plenary decision, publishes assessment.decided.

    nameko run --config config.yaml kompeten_assessment.service:AssessmentService
"""

from datetime import UTC, datetime

from kompeten_shared.consuming import consume
from kompeten_shared.endpoints import StandardEndpoints
from kompeten_shared.mongo import Database
from kompeten_shared.publishing import EventPublisher
from kompeten_shared.web import api, query

from . import registry, repository
from .case import Case, case_id_for
from .repository import Repository
from .schemas import DecisionRequest, ResultsRequest


def case_view(case: Case) -> dict:
    scheme = registry.scheme(case.scheme_code)
    return {
        "id": case.id, "participant_id": case.participant_id,
        "programme_id": case.programme_id, "scheme_code": case.scheme_code,
        "status": case.status, "opened_at": case.opened_at,
        "units": [{"code": code, "title": title,
                   "result": case.results[code].result if code in case.results else None,
                   "method": case.results[code].method if code in case.results else None}
                  for code, title in scheme.units],
        "decision": case.decision,
    }


def scheme_view(scheme: registry.Scheme) -> dict:
    return {"code": scheme.code, "title": scheme.title, "kind": scheme.kind,
            "lsp": scheme.lsp_code,
            "units": [{"code": code, "title": title} for code, title in scheme.units]}


class AssessmentService(StandardEndpoints):
    name = "assessment"

    db = Database(prepare=repository.prepare)
    publish = EventPublisher()

    @consume("enrollment", "training.completed")
    def on_training_completed(self, event):
        data = event.data
        if data["programme_kind"] == "apprenticeship_intake":
            return  # apprentices are assessed when their apprenticeship ends, not at intake
        registry.scheme(data["scheme_code"])  # an unknown scheme is refused and dead-lettered
        Repository(self.db).open(Case(
            id=case_id_for(data["programme_id"], data["participant_id"]),
            participant_id=data["participant_id"], programme_id=data["programme_id"],
            scheme_code=data["scheme_code"], asesi_name=data["asesi_name"],
            opened_at=datetime.now(UTC)))

    @consume("enrollment", "participant.consent_changed")
    def on_consent_changed(self, event):
        """A withdrawn certification consent stops every open case of that person."""
        data = event.data
        if data["purpose"] == "certification" and not data["granted"]:
            Repository(self.db).withdraw_open_cases(data["participant_id"], data["recorded_at"])

    @api("GET", "/schemes")
    def list_schemes(self, request):
        return [scheme_view(s) for s in registry.SCHEMES.values()]

    @api("GET", "/schemes/<code>")
    def get_scheme(self, request, code):
        return scheme_view(registry.scheme(code))

    @api("GET", "/cases")
    def list_cases(self, request):
        filters = query(request, "programme_id", "participant_id", "status")
        return [case_view(c) for c in Repository(self.db).find(**filters)]

    @api("GET", "/cases/<case_id>")
    def get_case(self, request, case_id):
        return case_view(Repository(self.db).get(case_id))

    @api("POST", "/cases/<case_id>/results", body=ResultsRequest)
    def record_results(self, request, case_id, body):
        repo = Repository(self.db)
        case = repo.get(case_id)
        case.record(registry.scheme(case.scheme_code), registry.asesor(body["asesor"]),
                    body["units"], datetime.now(UTC))
        repo.save(case)
        return case_view(case)

    @api("POST", "/cases/<case_id>/decision", body=DecisionRequest)
    def decide(self, request, case_id, body):
        registry.plenary_member(body["decided_by"])
        repo = Repository(self.db)
        case = repo.get(case_id)
        scheme = registry.scheme(case.scheme_code)
        if case.status != "decided":
            case.decide(scheme, body["decided_by"], datetime.now(UTC))
            repo.save(case)
        # Publishing again for a decided case re-sends the same event id: a crash between the
        # write and the publish is repaired by repeating the request, and consumers skip repeats.
        self.publish("assessment.decided",
                     case.decided_event(scheme, registry.LSPS[scheme.lsp_code]),
                     subject=case.participant_id, event_id=f"{case.id}:decided")
        return case_view(case)
