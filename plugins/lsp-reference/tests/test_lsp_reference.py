"""The reference external LSP on its own: requests in, signed decisions out, bad input refused."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from kompeten_lsp_reference.service import LspReferenceService
from kompeten_shared import envelope, signing
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration
UNITS = [{"code": "C.13RJT00.002.1", "title": "Menyiapkan"},
         {"code": "C.13RJT00.005.1", "title": "Merajut"}]


@pytest.fixture
def call(call, person):
    """As a plenary member of the external LSP unless told otherwise."""
    pleno = person("plenary", lsp="LSP-RJT", name="Pleno RJT")
    return lambda *args, **kwargs: call(*args, **{"as_": pleno, **kwargs})


@pytest.fixture
def lsp(container_factory, service_config):
    container = container_factory(LspReferenceService, service_config(
        "lsp-rjt", LSP_CODE="LSP-RJT", LSP_NAME="LSP Rajut Nusantara"))
    container.start()
    return container


def requested(lsp_code="LSP-RJT") -> dict:
    data = {"case_id": str(uuid.uuid4()), "participant_id": "p-1", "programme_id": None,
            "scheme_code": "RJT-PRJ", "scheme_title": "Perajut", "lsp_code": lsp_code,
            "units": UNITS, "asesi_name": "Tati", "requested_at": datetime.now(UTC)}
    return envelope.build(service="assessment", type="assessment.requested",
                          data=dump_data("assessment.requested", data),
                          dataschema=EVENTS["assessment.requested"].dataschema)


def receive(lsp, bus, event):
    with entrypoint_waiter(lsp, "on_requested"):
        bus.publish_raw("assessment.events", f"assessment.requested.{event['data']['lsp_code']}",
                        event)


def test_a_decision_is_signed_with_the_lsp_key_and_sent_on_lsp_events(lsp, bus, call):
    event = requested()
    receive(lsp, bus, event)
    listener = bus.listen("lsp.events", "assessment.decision_submitted")
    case_id = event["data"]["case_id"]
    answer = call("POST", f"/requests/{case_id}/decision", {
        "asesor_reg": "MET.RJT.1",
        "units": [{"code": UNITS[0]["code"], "result": "K"},
                  {"code": UNITS[1]["code"], "result": "BK"}]})
    assert answer == {"case_id": case_id, "overall": "BK", "status": "submitted"}
    [submitted] = listener.events(1)
    assert submitted["source"] == "/kompeten/lsp-rjt"
    assert signing.verify(submitted["data"], "test-lsp-key")
    assert not signing.verify({**submitted["data"], "overall": "K"}, "test-lsp-key")
    again = call("POST", f"/requests/{case_id}/decision", {
        "asesor_reg": "MET.RJT.1",
        "units": [{"code": u["code"], "result": "K"} for u in UNITS]}, expect=409)
    assert again["error"]["code"] == "request_decided"


@pytest.mark.parametrize("units, status, code", [
    ([{"code": UNITS[0]["code"], "result": "K"}], 400, "units_mismatch"),
    ([{"code": UNITS[0]["code"], "result": "maybe"}], 400, "validation_failed"),
])
def test_bad_decisions_are_refused_and_nothing_is_sent(lsp, bus, call, database, units, status,
                                                       code):
    event = requested()
    receive(lsp, bus, event)
    listener = bus.listen("lsp.events", "assessment.decision_submitted")
    body = {"asesor_reg": "MET.RJT.1", "units": units}
    path = f"/requests/{event['data']['case_id']}/decision"
    assert call("POST", path, body, expect=status)["error"]["code"] == code
    assert listener.events(1, timeout=1) == []
    assert database("lsp-rjt").requests.find_one()["status"] == "requested"


def test_an_unknown_request_is_a_404(lsp, call):
    body = {"asesor_reg": "MET.RJT.1",
            "units": [{"code": u["code"], "result": "K"} for u in UNITS]}
    assert call("POST", "/requests/nope/decision", body, expect=404)["error"]["code"] == \
        "request_not_found"


def test_a_request_for_another_lsp_is_dead_lettered(lsp, bus, database):
    stray = requested(lsp_code="LSP-GNI")
    bus.publish_raw("assessment.events", "assessment.requested.LSP-RJT", stray)
    [(body, headers)] = bus.dead_letters("lsp-rjt")
    assert json.loads(body)["id"] == stray["id"]
    assert headers["x-kompeten-reason"] == "wrong_lsp: routed to LSP-GNI, not LSP-RJT"
    assert database("lsp-rjt").requests.count_documents({}) == 0
