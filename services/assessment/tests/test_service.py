"""The assessment service on the real broker and database."""

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from kompeten_assessment.service import AssessmentService
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration


def completed(participant_id=None, scheme_code="GAR-OMP"):
    data = {"participant_id": participant_id or str(uuid.uuid4()), "programme_id": "prog-1",
            "programme_kind": "training",
            "scheme_code": scheme_code, "organiser": "Disnaker", "region_code": "3204",
            "attendance_rate": 0.9, "completed_on": date(2026, 11, 1), "asesi_name": "Dewi"}
    return envelope.build(service="enrollment", type="training.completed",
                          data=dump_data("training.completed", data),
                          dataschema=EVENTS["training.completed"].dataschema)


@pytest.fixture
def service(run_service):
    return run_service(AssessmentService)


@pytest.fixture
def api(service, call):
    return call


def open_case(service, bus, api, event=None):
    event = event or completed()
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(event)
    [case] = api("GET", f"/cases?participant_id={event['data']['participant_id']}")
    return case


UNITS = ["C.14GAR02.001.1", "C.14GAR02.007.1", "C.14GAR02.015.1", "C.14GAR02.024.1"]


def results(weak=None):
    return {"asesor": "MET.000.004213 2023", "units": [
        {"code": u, "result": "BK" if u == weak else "K", "method": "demonstration"}
        for u in UNITS]}


def test_training_completed_opens_one_case_even_when_redelivered(service, bus, api):
    event = completed()
    case = open_case(service, bus, api, event)
    assert case["status"] == "open" and [u["code"] for u in case["units"]] == UNITS
    again = {**event, "id": str(uuid.uuid4())}  # same facts, new event id
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(again)
    assert len(api("GET", f"/cases?participant_id={event['data']['participant_id']}")) == 1


def test_an_unknown_scheme_is_dead_lettered_and_opens_nothing(service, bus, api):
    bus.publish_event(completed(scheme_code="NO-SUCH"))
    [(_, headers)] = bus.dead_letters("assessment")
    assert headers["x-kompeten-reason"] == "scheme_not_found: no scheme NO-SUCH"
    assert api("GET", "/cases") == []


def test_results_then_plenary_decision_publish_assessment_decided(service, bus, api):
    case = open_case(service, bus, api)
    api("POST", f"/cases/{case['id']}/results", results(weak="C.14GAR02.015.1"))
    listener = bus.listen("assessment.events", "assessment.decided")
    decided = api("POST", f"/cases/{case['id']}/decision", {"decided_by": "PLENO-GNI-01"})
    assert decided["decision"]["overall"] == "BK"
    [event] = listener.events(1)
    assert event["data"]["overall"] == "BK" and event["data"]["holder_name"] == "Dewi"
    assert event["id"] == f"{case['id']}:decided"
    # Repeating the request re-sends the same event (repair after a crash), changes nothing.
    api("POST", f"/cases/{case['id']}/decision", {"decided_by": "PLENO-GNI-02"})
    [again] = listener.events(1)
    assert again["id"] == event["id"] and again["data"]["decided_by"] == "PLENO-GNI-01"


@pytest.mark.parametrize("body, status, code", [
    ({"asesor": "MET.000.004213 2023", "units": [{"code": "C.14GAR02.001.1", "result": "maybe",
                                                   "method": "demonstration"}]},
     400, "validation_failed"),
    ({"asesor": "MET.000.004213 2023", "units": [{"code": "X", "result": "K",
                                                   "method": "interview"}]}, 400, "unknown_unit"),
    ({**results(), "asesor": "MET.nobody"}, 404, "asesor_not_found"),
    ({"asesor": "MET.000.004213 2023", "units": []}, 400, "validation_failed"),
])
def test_bad_results_are_refused_and_change_nothing(service, bus, api, body, status, code):
    case = open_case(service, bus, api)
    assert api("POST", f"/cases/{case['id']}/results", body, expect=status)["error"][
        "code"] == code
    assert api("GET", f"/cases/{case['id']}") == case


def test_decisions_need_every_unit_and_a_plenary_member(service, bus, api):
    case = open_case(service, bus, api)
    api("POST", f"/cases/{case['id']}/results", {**results(), "units": results()["units"][:3]})
    error = api("POST", f"/cases/{case['id']}/decision", {"decided_by": "PLENO-GNI-01"},
                expect=422)["error"]
    assert error["code"] == "units_not_assessed"
    error = api("POST", f"/cases/{case['id']}/decision", {"decided_by": "MET.000.004213 2023"},
                expect=422)["error"]
    assert error["code"] == "not_plenary_member"
    assert api("GET", f"/cases/{case['id']}")["status"] == "open"
    assert api("POST", "/cases/nope/decision", {"decided_by": "PLENO-GNI-01"},
               expect=404)["error"]["code"] == "case_not_found"


def test_schemes_are_listed_and_an_unknown_one_is_a_404(api):
    [scheme] = api("GET", "/schemes")
    assert scheme["code"] == "GAR-OMP" and len(scheme["units"]) == 4
    assert api("GET", "/schemes/GAR-OMP") == scheme
    assert api("GET", "/schemes/NOPE", expect=404)["error"]["code"] == "scheme_not_found"


def test_a_training_event_missing_the_asesi_name_is_dead_lettered(service, bus, api):
    event = completed()
    del event["data"]["asesi_name"]
    bus.publish_event(event)
    [(_, headers)] = bus.dead_letters("assessment")
    assert json.loads(headers["x-kompeten-details"]) == {
        "asesi_name": ["Missing data for required field."]}
    assert api("GET", "/cases") == []


def test_an_apprenticeship_intake_opens_no_case(service, bus, api):
    event = completed()
    event["data"]["programme_kind"] = "apprenticeship_intake"
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(event)
    assert api("GET", "/cases") == []


def test_withdrawn_certification_consent_stops_open_cases_not_decided_ones(service, bus, api):
    case = open_case(service, bus, api)
    withdrawal = envelope.build(
        service="enrollment", type="participant.consent_changed",
        data=dump_data("participant.consent_changed", {
            "participant_id": case["participant_id"], "purpose": "certification",
            "granted": False, "recorded_at": datetime.now(UTC), "profile": None}),
        dataschema=EVENTS["participant.consent_changed"].dataschema)
    with entrypoint_waiter(service, "on_consent_changed"):
        bus.publish_event(withdrawal)
    assert api("GET", f"/cases/{case['id']}")["status"] == "withdrawn"
    error = api("POST", f"/cases/{case['id']}/results", results(), expect=409)["error"]
    assert error["code"] == "case_withdrawn"
