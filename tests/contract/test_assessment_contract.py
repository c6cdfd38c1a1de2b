"""The assessment contract, run against the built-in service and against an external LSP's
own service (plugins/lsp-reference): both must end in the same assessment.decided, and a forged
decision must never become one."""

import time
import uuid
from datetime import UTC, date, datetime

import pytest
import requests
from kompeten_assessment.service import AssessmentService
from kompeten_deploy.local import free_port
from kompeten_lsp_reference.service import LspReferenceService
from kompeten_shared import envelope, signing
from kompeten_shared.events import EVENTS, dump_data, load_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration


def training_completed(scheme_code: str) -> dict:
    data = {"participant_id": str(uuid.uuid4()), "programme_id": str(uuid.uuid4()),
            "programme_kind": "training", "programme_title": "Menjahit Dasar",
            "scheme_code": scheme_code, "organiser": "Dispar",
            "region_code": "3204", "attendance_rate": 1.0, "completed_on": date.today(),
            "asesi_name": "Wulan Sari"}
    return envelope.build(service="enrollment", type="training.completed",
                          data=dump_data("training.completed", data),
                          dataschema=EVENTS["training.completed"].dataschema)


@pytest.fixture
def assessment(run_service):
    return run_service(AssessmentService)


@pytest.fixture
def lsp(container_factory, service_config):
    port = free_port()
    container = container_factory(LspReferenceService, service_config(
        "lsp-rjt", WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", LSP_CODE="LSP-RJT",
        LSP_NAME="LSP Rajut Nusantara"))
    container.start()
    container.url = f"http://127.0.0.1:{port}"
    return container


def assert_the_contract(event: dict, participant_id: str, scheme_code: str, lsp_code: str):
    data = load_data("assessment.decided", event["data"], event["dataschema"])
    assert event["source"] == "/kompeten/assessment"
    assert data["participant_id"] == participant_id and data["scheme_code"] == scheme_code
    assert data["lsp"]["code"] == lsp_code
    assert event["id"] == f"{data['case_id']}:decided:{data['decision_number']}"
    assert data["overall"] == ("K" if all(u["result"] == "K" for u in data["units"]) else "BK")
    assert data["holder_name"] == "Wulan Sari"


def test_the_built_in_service_fulfils_the_contract(assessment, bus, call, person):
    listener = bus.listen("assessment.events", "assessment.decided")
    opened = training_completed("GAR-OMP")
    with entrypoint_waiter(assessment, "on_training_completed"):
        bus.publish_event(opened)
    participant = opened["data"]["participant_id"]
    [case] = call("GET", f"/cases?participant_id={participant}")
    asesor = "MET.000.004213 2023"
    as_asesor = person("asesor", lsp="LSP-GNI", asesor=asesor)
    call("POST", f"/cases/{case['id']}/self-assessment", {"units": [
        {"code": u["code"], "competent": True} for u in case["units"]]},
        as_=person("participant", participant_id=participant))
    call("POST", f"/cases/{case['id']}/assignment", {"asesor": asesor, "tuk": "TUK-GNI-SOR"})
    call("POST", f"/cases/{case['id']}/briefing", {"held_on": str(date.today()),
                                                   "venue": "Balai Desa Sukamaju"})
    call("POST", f"/cases/{case['id']}/agreement", {"scheduled_on": str(date.today())},
         as_=as_asesor)
    call("POST", f"/cases/{case['id']}/agreement/accept", {},
         as_=person("participant", participant_id=participant))
    call("POST", f"/cases/{case['id']}/results", {"units": [
        {"code": u["code"], "result": "K", "method": "demonstration"} for u in case["units"]]},
        as_=as_asesor)
    call("POST", f"/cases/{case['id']}/recommendation", {}, as_=as_asesor)
    call("POST", f"/cases/{case['id']}/decision", {}, as_=person("plenary", lsp="LSP-GNI"))
    [event] = listener.events(1)
    assert_the_contract(event, participant, "GAR-OMP", "LSP-GNI")


@pytest.fixture
def rjt(person):
    """Signed in as staff of the external LSP (LSP-RJT): its admin, its plenary member."""
    return {"admin": {"Authorization": "Bearer " + person("lsp_admin", lsp="LSP-RJT")},
            "plenary": {"Authorization": "Bearer " + person("plenary", lsp="LSP-RJT",
                                                           name="Pleno RJT")}}


def route_to_lsp(assessment, lsp, bus, rjt) -> tuple[dict, dict]:
    opened = training_completed("RJT-PRJ")
    with entrypoint_waiter(lsp, "on_requested"), \
            entrypoint_waiter(assessment, "on_training_completed"):
        bus.publish_event(opened)
    [request] = requests.get(lsp.url + "/requests", headers=rjt["admin"], timeout=10).json()
    return opened, request


def test_an_external_lsp_service_fulfils_the_same_contract(assessment, lsp, bus, call, rjt,
                                                           person):
    opened, request = route_to_lsp(assessment, lsp, bus, rjt)
    participant = opened["data"]["participant_id"]
    assert request["participant_id"] == participant and request["lsp_code"] == "LSP-RJT"
    admin = person("lsp_admin", lsp="LSP-RJT")
    assert call("GET", f"/cases/{request['case_id']}", as_=admin)["status"] == "requested"
    call("GET", f"/cases/{request['case_id']}", expect=403)  # not LSP-GNI's case
    listener = bus.listen("assessment.events", "assessment.decided")
    decision = {"asesor_reg": "MET.RJT.000123",
                "units": [{"code": u["code"], "result": "K"} for u in request["units"]]}
    refused = requests.post(f"{lsp.url}/requests/{request['case_id']}/decision",
                            json=decision, headers=rjt["admin"], timeout=10)
    assert refused.status_code == 403  # an admin is not the plenary
    with entrypoint_waiter(assessment, "on_decision_submitted"):
        submitted = requests.post(f"{lsp.url}/requests/{request['case_id']}/decision",
                                  json=decision, headers=rjt["plenary"], timeout=10)
    assert submitted.status_code == 200, submitted.text
    [event] = listener.events(1)
    assert_the_contract(event, participant, "RJT-PRJ", "LSP-RJT")
    case = call("GET", f"/cases/{request['case_id']}", as_=admin)
    assert case["status"] == "decided"
    assert case["decision"]["decided_by"].startswith("Pleno RJT <")
    assert [e["action"] for e in call("GET", f"/cases/{request['case_id']}/audit",
                                      as_=admin)] == ["opened", "requested",
                                                      "decided_externally"]


def submission(case_id: str, participant_id: str, *, clienttoken: str | None,
               lsp_code="LSP-RJT", scheme="RJT-PRJ", key="test-lsp-key",
               producer="lsp-rjt") -> dict:
    units = [{"code": c, "title": c, "result": "K"}
             for c in ("C.13RJT00.002.1", "C.13RJT00.005.1", "C.13RJT00.009.1")]
    decision = dump_data("assessment.decided", {
        "case_id": case_id, "decision_number": 1, "participant_id": participant_id,
        "programme_id": None, "scheme_code": scheme, "scheme_title": "Perajut",
        "lsp": {"code": lsp_code, "name": "x"}, "asesor_reg": "MET.RJT.1", "units": units,
        "overall": "K", "decided_at": datetime.now(UTC), "decided_by": "PLENO-RJT-01",
        "holder_name": "Wulan Sari"})
    data = {**decision, "signature": signing.sign(decision, key)}
    return envelope.build(service=producer, type="assessment.decision_submitted", data=data,
                          dataschema=EVENTS["assessment.decision_submitted"].dataschema,
                          clienttoken=clienttoken)


@pytest.mark.parametrize("forge, reason", [
    (dict(key="guessed-secret"), "bad_signature: the signature does not verify"),
    (dict(producer="lsp-evil"), "wrong_lsp: lsp-evil may not submit decisions for LSP-RJT"),
    (dict(lsp_code="LSP-GNI", producer="lsp-gni"), "wrong_lsp: lsp-gni may not submit "
                                                  "decisions for LSP-GNI"),
    (dict(unknown_case=True), "case_not_found"),
    (dict(sewing_case=True), "lsp_not_licensed: LSP-RJT is not licensed for GAR-OMP"),
    # signed with the right secret, but not sent by the LSP's own client
    (dict(clienttoken=None), "client_unverified: the client token: sign in first"),
    (dict(clienttoken="LSP-GNI's client"), "client_unverified: the token is kompeten-lsp-gni's"),
    (dict(clienttoken="expired"), "client_unverified: the client token: the token has expired"),
    (dict(clienttoken="an operator"), "client_unverified: the token is kompeten-tests's"),
])
def test_forged_decisions_are_dead_lettered_and_never_become_decisions(
        assessment, lsp, bus, call, forge, reason, rjt, person, issuer):
    opened, request = route_to_lsp(assessment, lsp, bus, rjt)
    case_id, participant = request["case_id"], request["participant_id"]
    if forge.pop("unknown_case", False):
        case_id = str(uuid.uuid4())
    if forge.pop("sewing_case", False):
        sewing = training_completed("GAR-OMP")
        with entrypoint_waiter(assessment, "on_training_completed"):
            bus.publish_event(sewing)
        [case] = call("GET", f"/cases?participant_id={sewing['data']['participant_id']}")
        case_id, participant = case["id"], sewing["data"]["participant_id"]
    listener = bus.listen("assessment.events", "assessment.decided")
    tokens = {  # the LSP's own client's, unless the forge says otherwise
        "own": issuer.token(roles=["lsp_system"], lsp="LSP-RJT", azp="kompeten-lsp-rjt"),
        "LSP-GNI's client": issuer.token(roles=["lsp_system"], lsp="LSP-GNI",
                                         azp="kompeten-lsp-gni"),
        "expired": issuer.token(roles=["lsp_system"], lsp="LSP-RJT", azp="kompeten-lsp-rjt",
                                lifetime=-600, iat=int(time.time()) - 1200),
        "an operator": issuer.token(roles=["operator"], agency="DISNAKER-3204")}
    chosen = forge.pop("clienttoken", "own")
    forged = submission(case_id, participant, clienttoken=chosen and tokens[chosen], **forge)
    bus.publish_raw("lsp.events", "assessment.decision_submitted", forged)
    [(_, headers)] = bus.dead_letters("assessment")
    assert headers["x-kompeten-reason"].startswith(reason)
    assert listener.events(1, timeout=1) == []
    assert call("GET", f"/cases/{request['case_id']}",
                as_=person("lsp_admin", lsp="LSP-RJT"))["status"] == "requested"
