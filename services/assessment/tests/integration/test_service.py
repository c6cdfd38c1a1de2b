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
            "programme_kind": "training", "programme_title": "Menjahit Dasar",
            "scheme_code": scheme_code, "organiser": "Disnaker", "region_code": "3204",
            "attendance_rate": 0.9, "completed_on": date(2026, 11, 1), "asesi_name": "Dewi"}
    return envelope.build(service="enrollment", type="training.completed",
                          data=dump_data("training.completed", data),
                          dataschema=EVENTS["training.completed"].dataschema)


@pytest.fixture
def service(run_service):
    return run_service(AssessmentService)


@pytest.fixture
def api(service, call, person, staff):
    """call, as whoever the route is for: the asesi of the case for their own steps, the
    case's asesor for results, a plenary member of LSP-GNI for decisions, the LSP's staff
    otherwise (a test names another person with as_=)."""

    def request(method, path, body=None, expect=200, **kwargs):
        if "as_" not in kwargs and path.startswith("/cases/") and method == "POST":
            kwargs["as_"] = acting_for(path)
        return call(method, path, body, expect, **kwargs)

    def acting_for(path: str) -> str:
        case_id, _, step = path.removeprefix("/cases/").partition("/")
        if step in ("decision", "appeal/decision"):
            return person("plenary", lsp="LSP-GNI")
        if step not in ("self-assessment", "evidence", "appeal", "results", "recommendation",
                        "agreement", "agreement/accept") and not step.startswith("units/"):
            return staff
        found = call("GET", f"/cases/{case_id}", expect=None) if case_id != "nope" else {}
        if step in ("self-assessment", "evidence", "appeal", "agreement/accept"):
            return person("participant", participant_id=found.get("participant_id"))
        return person("asesor", lsp="LSP-GNI", asesor=found.get("asesor") or SITI)

    return request


def open_case(service, bus, api, event=None, self_assess=True):
    """A case opened from training.completed, with the asesi's APL-02 unless told not to."""
    event = event or completed()
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(event)
    [case] = api("GET", f"/cases?participant_id={event['data']['participant_id']}")
    if self_assess:
        case = api("POST", f"/cases/{case['id']}/self-assessment", {
            "units": [
                {"code": u["code"], "competent": True} for u in case["units"]]})
    return case


UNITS = ["C.14GAR02.001.1", "C.14GAR02.007.1", "C.14GAR02.015.1", "C.14GAR02.024.1"]


SITI = "MET.000.004213 2023"


def results(weak=None):
    return {"units": [
        {"code": u, "result": "BK" if u == weak else "K", "method": "demonstration"}
        for u in UNITS]}


def assign(api, case, asesor=SITI, expect=200, agree=True):
    """The assignment and, unless told not to, the briefing and the accepted agreement that
    must come before any result."""
    assigned = api("POST", f"/cases/{case['id']}/assignment",
                   {"asesor": asesor, "tuk": "TUK-GNI-SOR"}, expect=expect)
    return agreed(api, case) if agree and expect == 200 else assigned


def agreed(api, case):
    api("POST", f"/cases/{case['id']}/briefing", {"held_on": date.today().isoformat(),
                                                  "venue": "Balai Desa Sukamaju"})
    api("POST", f"/cases/{case['id']}/agreement", {"scheduled_on": date.today().isoformat()})
    return api("POST", f"/cases/{case['id']}/agreement/accept", {})


def test_the_plenary_meets_a_quorum_the_lsp_sets_and_overturns_a_unit_with_its_reason(
        service, bus, api, person):
    """LSP Garmen's plenary needs two votes; a team of two asesor assessed the case, and
    neither may vote; the second member's vote decides, unit by unit, with the reason."""
    other_lsp = person("lsp_admin", lsp="LSP-KRI")
    assert api("POST", "/lsps/LSP-GNI/plenary", {"plenary_quorum": 2}, expect=403,
               as_=other_lsp)["error"]["code"] == "forbidden"
    assert api("POST", "/lsps/LSP-GNI/plenary", {"plenary_quorum": 0},
               expect=400)["error"]["details"] == {"plenary_quorum": [
                   "Must be greater than or equal to 1 and less than or equal to 9."]}
    assert api("POST", "/lsps/LSP-GNI/plenary", {"plenary_quorum": 2})["plenary_quorum"] == 2
    budi = "MET.000.007781 2022"
    case = open_case(service, bus, api)
    team = api("POST", f"/cases/{case['id']}/assignment",
               {"asesor": SITI, "members": [budi], "tuk": "TUK-GNI-SOR"})
    assert (team["asesor"], team["members"]) == (SITI, [budi])
    agreed(api, case)
    as_budi = person("asesor", lsp="LSP-GNI", asesor=budi)
    assert [c["id"] for c in api("GET", f"/cases?asesor={budi}", as_=as_budi)] == [case["id"]]
    api("POST", f"/cases/{case['id']}/results", {"units": results()["units"][:2]})
    api("POST", f"/cases/{case['id']}/results", {"units": results()["units"][2:]}, as_=as_budi)
    assert api("POST", f"/cases/{case['id']}/recommendation", {}, as_=as_budi,
               expect=422)["error"]["code"] == "asesor_not_assigned"  # the lead recommends
    api("POST", f"/cases/{case['id']}/recommendation", {})
    listener = bus.listen("assessment.events", "assessment.decided")
    member = person("plenary", lsp="LSP-GNI", asesor=budi)
    assert api("POST", f"/cases/{case['id']}/decision", {}, as_=member,
               expect=403)["error"]["code"] == "forbidden"  # he assessed it
    reason = "Foto hasil jahitan tidak menunjukkan kerapian yang dipersyaratkan"
    first = person("plenary", lsp="LSP-GNI")
    silent = api("POST", f"/cases/{case['id']}/decision",
                 {"units": [{"code": UNITS[2], "result": "BK"}]}, as_=first, expect=400)
    assert silent["error"]["code"] == "reason_required"
    voted = api("POST", f"/cases/{case['id']}/decision",
                {"units": [{"code": UNITS[2], "result": "BK", "reason": reason}]}, as_=first)
    assert voted["status"] == "open" and voted["votes"][0]["overturned"] == [UNITS[2]]
    assert api("POST", f"/cases/{case['id']}/decision", {}, as_=first,
               expect=409)["error"]["code"] == "already_voted"
    assert listener.events(1, timeout=1) == []  # one of two: nothing decided yet
    decided = api("POST", f"/cases/{case['id']}/decision",
                  {"units": [{"code": UNITS[2], "result": "BK", "reason": "kurang rapi"}]},
                  as_=person("plenary", lsp="LSP-GNI"))
    assert decided["status"] == "decided" and decided["decision"]["overall"] == "BK"
    units = {u["code"]: u for u in decided["decision"]["units"]}
    assert units[UNITS[2]]["reasons"] == [reason, "kurang rapi"]
    assert (units[UNITS[2]]["recommended"], units[UNITS[2]]["assessed_by"]) == ("K", budi)
    assert units[UNITS[0]]["assessed_by"] == SITI
    [event] = listener.events(1)
    assert event["data"]["overall"] == "BK" and ", " in event["data"]["decided_by"]
    assert {u["code"]: u["result"] for u in event["data"]["units"]}[UNITS[2]] == "BK"
    api("POST", "/lsps/LSP-GNI/plenary", {"plenary_quorum": 1})  # the other tests' LSP


def test_the_briefing_and_the_asesis_agreement_come_before_any_result(service, bus, api,
                                                                    person):
    case = open_case(service, bus, api)
    assign(api, case, agree=False)
    today = date.today().isoformat()
    other_lsp = person("lsp_admin", lsp="LSP-KRI")
    assert api("POST", f"/cases/{case['id']}/briefing", {"held_on": today, "venue": "Balai"},
               as_=other_lsp, expect=403)["error"]["code"] == "forbidden"
    assert api("POST", f"/cases/{case['id']}/agreement", {"scheduled_on": today},
               expect=422)["error"]["code"] == "briefing_missing"
    assert api("POST", f"/cases/{case['id']}/briefing", {"held_on": "2099-01-01",
               "venue": "Balai"}, expect=400)["error"]["details"] == {"field": "held_on"}
    briefed = api("POST", f"/cases/{case['id']}/briefing",
                  {"held_on": today, "venue": "Balai Desa Sukamaju"},
                  as_=person("asesor", lsp="LSP-GNI", asesor=SITI))  # or the asesor
    assert briefed["briefing"]["venue"] == "Balai Desa Sukamaju"
    assert api("POST", f"/cases/{case['id']}/results", results(),
               expect=422)["error"]["code"] == "agreement_missing"
    proposed = api("POST", f"/cases/{case['id']}/agreement", {"scheduled_on": today})
    assert proposed["agreement"]["accepted_at"] is None
    stranger = person("participant", participant_id="someone-else")
    assert api("POST", f"/cases/{case['id']}/agreement/accept", {}, as_=stranger,
               expect=403)["error"]["code"] == "forbidden"
    accepted = api("POST", f"/cases/{case['id']}/agreement/accept", {})
    assert accepted["agreement"]["accepted_at"] is not None
    assert api("POST", f"/cases/{case['id']}/results", results())["units"][0]["result"] == "K"


def test_the_lsp_reads_its_decided_cases_for_the_bnsp_report_and_each_read_is_kept(
        service, bus, api, person, database):
    case = open_case(service, bus, api)
    assign(api, case)
    api("POST", f"/cases/{case['id']}/results", results(weak=UNITS[2]))
    api("POST", f"/cases/{case['id']}/recommendation", {})
    api("POST", f"/cases/{case['id']}/decision", {})
    undecided = open_case(service, bus, api)
    today = date.today().isoformat()
    [line] = api("GET", f"/reports/bnsp?from={today}&to={today}")
    assert line["case_id"] == case["id"] != undecided["id"]
    assert (line["overall"], line["asesor"], line["tuk"]["code"]) == ("BK", SITI, "TUK-GNI-SOR")
    assert [u["result"] for u in line["units"]] == ["K", "K", "BK", "K"]
    assert (line["briefed_on"], line["assessed_on"], line["decided_on"]) == (today,) * 3
    assert "nik" not in json.dumps(line).lower()  # enrollment's, joined in the export only
    other = person("lsp_admin", lsp="LSP-KRI", name="Admin KRI")
    assert api("GET", f"/reports/bnsp?from={today}&to={today}", as_=other) == []
    refused = api("GET", f"/reports/bnsp?from={today}&to=2020-01-01", expect=400)["error"]
    assert refused["details"] == {"to": ["before from"]}
    assert api("GET", "/reports/bnsp?from=kemarin&to=2020-01-01",
               expect=400)["error"]["details"]["from"]
    exports = api("GET", "/reports/bnsp/exports")
    assert [(e["from"], e["to"], e["cases"]) for e in exports] == [(today, today, 1)]
    assert exports[0]["by"].startswith("Staf Uji")
    assert api("GET", "/reports/bnsp/exports", as_=other)[0]["cases"] == 0
    # the report reads each day's list of decisions; a database from before them gets them
    from kompeten_assessment import repository

    db = database("assessment")
    db.decided_cases.drop()
    repository.prepare(db)
    assert api("GET", f"/reports/bnsp?from={today}&to={today}") == [line]


def test_training_completed_opens_one_case_even_when_redelivered(service, bus, api):
    event = completed()
    case = open_case(service, bus, api, event, self_assess=False)
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
    assign(api, case)
    api("POST", f"/cases/{case['id']}/results", results(weak="C.14GAR02.015.1"))
    api("POST", f"/cases/{case['id']}/recommendation", {})
    listener = bus.listen("assessment.events", "assessment.decided")
    decided = api("POST", f"/cases/{case['id']}/decision", {})
    assert decided["decision"]["overall"] == "BK"
    [event] = listener.events(1)
    assert event["data"]["overall"] == "BK" and event["data"]["holder_name"] == "Dewi"
    assert event["data"]["validity_years"] == 3  # the scheme's; batik BTK-PBT certifies for 5
    assert event["id"] == f"{case['id']}:decided:1"
    assert event["data"]["decision_number"] == 1
    # Repeating the request re-sends the same event (repair after a crash), changes nothing.
    api("POST", f"/cases/{case['id']}/decision", {})
    [again] = listener.events(1)
    assert again["id"] == event["id"]
    # the plenary member from the token, by name and subject: nobody can type another's
    assert again["data"]["decided_by"] == decided["decision"]["decided_by"]
    assert again["data"]["decided_by"].startswith("Uji plenary <user-")


@pytest.mark.parametrize("body, status, code", [
    ({"units": [{"code": "C.14GAR02.001.1", "result": "maybe",
                                                   "method": "demonstration"}]},
     400, "validation_failed"),
    ({"units": [{"code": "X", "result": "K",
                                                   "method": "interview"}]}, 400, "unknown_unit"),
    ({**results(), "asesor": "MET.nobody"}, 400, "validation_failed"),  # the token says who
    ({"units": []}, 400, "validation_failed"),
])
def test_bad_results_are_refused_and_change_nothing(service, bus, api, body, status, code):
    case = assign(api, open_case(service, bus, api))
    case = api("GET", f"/cases/{case['id']}")  # as stored (times to the millisecond)
    assert api("POST", f"/cases/{case['id']}/results", body, expect=status)["error"][
        "code"] == code
    assert api("GET", f"/cases/{case['id']}") == case


def test_decisions_need_every_unit_and_an_independent_plenary_member(service, bus, api,
                                                                     person):
    case = assign(api, open_case(service, bus, api))
    api("POST", f"/cases/{case['id']}/results", {**results(), "units": results()["units"][:3]})
    error = api("POST", f"/cases/{case['id']}/recommendation", {},
                expect=422)["error"]
    assert error["code"] == "units_not_assessed"
    error = api("POST", f"/cases/{case['id']}/decision", {},
                expect=422)["error"]
    assert error["code"] == "no_recommendation"
    for outsider in (person("plenary", lsp="LSP-GNI", asesor=SITI),  # the case's asesor
                     person("plenary", lsp="LSP-RJT"),  # another LSP's
                     person("asesor", lsp="LSP-GNI", asesor=SITI)):  # not on the plenary
        error = api("POST", f"/cases/{case['id']}/decision", {}, expect=403,
                    as_=outsider)["error"]
        assert error["code"] in ("forbidden", "role_required")
    assert api("GET", f"/cases/{case['id']}")["status"] == "open"
    assert api("POST", "/cases/nope/decision", {},
               expect=404)["error"]["code"] == "case_not_found"


def test_schemes_are_listed_and_an_unknown_one_is_a_404(api):
    schemes = {s["code"]: s for s in api("GET", "/schemes")}
    assert set(schemes) == {"GAR-OMP", "BTK-PBT", "BTK-CTG", "MUA-PRS", "RJT-PRJ"}
    assert len(schemes["GAR-OMP"]["units"]) == 4 and schemes["GAR-OMP"]["lsps"] == ["LSP-GNI"]
    assert api("GET", "/schemes/GAR-OMP") == schemes["GAR-OMP"]
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
    error = api("POST", f"/cases/{case['id']}/assignment",
                {"asesor": SITI, "tuk": "TUK-GNI-SOR"}, expect=409)
    assert error["error"]["code"] == "case_withdrawn"


def test_assignment_refusals_and_the_daily_load(service, bus, api):
    case = open_case(service, bus, api)
    error = assign(api, case, asesor="MET.000.009120 2024", expect=422)["error"]
    assert error["code"] == "lsp_not_licensed"  # her LSP is not licensed for sewing
    error = api("POST", f"/cases/{case['id']}/assignment",
                {"asesor": SITI, "tuk": "TUK-KRI-PKL"}, expect=422)
    assert error["error"]["code"] == "tuk_other_lsp"
    assert api("GET", f"/cases/{case['id']}")["asesor"] is None
    for _ in range(10):
        assign(api, open_case(service, bus, api))
    assert assign(api, case, expect=422)["error"]["code"] == "asesor_daily_limit"
    assert assign(api, case, asesor="MET.000.007781 2022")["asesor"] == "MET.000.007781 2022"


def test_two_admins_assigning_the_last_place_at_once_give_it_to_one(service, bus, api,
                                                                     database):
    """The day's places are claimed by unique inserts, so a race cannot exceed the load; a new
    TUK the same day keeps the asesi's place."""
    import eventlet

    for _ in range(8):
        assign(api, open_case(service, bus, api), agree=False)
    racing = [open_case(service, bus, api) for _ in range(4)]
    answers = list(eventlet.GreenPool(4).imap(lambda case: api(
        "POST", f"/cases/{case['id']}/assignment", {"asesor": SITI, "tuk": "TUK-GNI-SOR"},
        expect=None), racing))
    won = [a for a in answers if a.get("asesor") == SITI]
    assert len(won) == 2, answers
    assert all(a["error"]["code"] == "asesor_daily_limit" for a in answers if a not in won)
    assert database("assessment").cases.count_documents({"asesor": SITI}) == 10
    retry = api("POST", f"/cases/{won[0]['id']}/assignment",
                {"asesor": SITI, "tuk": "TUK-GNI-SOR"})
    assert retry["asesor"] == SITI and retry["status"] == "open"


def test_evidence_is_kept_by_hash_and_vatm_decides_the_method(service, bus, api, database):
    import base64
    import hashlib

    case = assign(api, open_case(service, bus, api))
    content = b"%PDF-1.4 sertifikat pelatihan menjahit 2023"
    added = api("POST", f"/cases/{case['id']}/evidence", {
        "type": "certificate", "title": "Sertifikat pelatihan BLK 2023",
        "issued_on": "2023-06-01", "content": base64.b64encode(content).decode()}, expect=201)
    [evidence] = added["evidence"]
    assert evidence["sha256"] == hashlib.sha256(content).hexdigest()
    stored = database("assessment").evidence_files.find_one({"_id": evidence["sha256"]})
    assert bytes(stored["content"]) == content
    unit = "C.14GAR02.001.1"
    reviewed = api("POST", f"/cases/{case['id']}/units/{unit}/review", {
        "evidence_ids": [evidence["id"]], "valid": True, "authentic": True,
        "current": True, "sufficient": True})
    assert reviewed["units"][0]["evidence_meets_vatm"] is True
    error = api("POST", f"/cases/{case['id']}/results", {"units": [
        {"code": unit, "result": "K", "method": "demonstration"}]}, expect=422)["error"]
    assert error["code"] == "interview_required"
    api("POST", f"/cases/{case['id']}/results", {"units": [
        {"code": unit, "result": "K", "method": "interview"}]})
    actions = [e["action"] for e in api("GET", f"/cases/{case['id']}/audit")]
    assert actions == ["opened", "self_assessed", "assigned", "briefed", "agreement_proposed",
                       "agreement_accepted", "evidence_added", "evidence_reviewed",
                       "unit_assessed"]


@pytest.mark.parametrize("body, code", [
    ({"type": "certificate", "title": "x1", "content": "not base64!"},
     "validation_failed"),
    ({"type": "selfie", "title": "x1", "content": "aGVsbG8="},
     "validation_failed"),
    ({"type": "certificate", "title": "x1", "content": ""},
     "validation_failed"),
])
def test_bad_evidence_is_refused_and_nothing_is_stored(service, bus, api, database, body,
                                                       code):
    case = assign(api, open_case(service, bus, api))
    assert api("POST", f"/cases/{case['id']}/evidence", body, expect=400)["error"][
        "code"] == code
    assert api("GET", f"/cases/{case['id']}")["evidence"] == []
    assert database("assessment").evidence_files.count_documents({}) == 0


def test_an_upheld_appeal_leads_to_a_second_decision_event(service, bus, api):
    case = assign(api, open_case(service, bus, api))
    weak = "C.14GAR02.015.1"
    api("POST", f"/cases/{case['id']}/results", results(weak=weak))
    listener = bus.listen("assessment.events", "assessment.decided")
    api("POST", f"/cases/{case['id']}/recommendation", {})
    api("POST", f"/cases/{case['id']}/decision", {})
    appealed = api("POST", f"/cases/{case['id']}/appeal", {
        "reason": "Asesor tidak mengamati seluruh proses menjahit"})
    assert appealed["status"] == "appealed"
    api("POST", f"/cases/{case['id']}/appeal/decision", {
        "outcome": "upheld", "reason": "observasi tidak lengkap"})
    error = api("POST", f"/cases/{case['id']}/results", results(), expect=409)["error"]
    assert error["code"] == "unit_already_competent"
    api("POST", f"/cases/{case['id']}/results", {"units": [
        {"code": weak, "result": "K", "method": "demonstration"}]})
    api("POST", f"/cases/{case['id']}/recommendation", {})
    final = api("POST", f"/cases/{case['id']}/decision", {})
    assert final["decision"]["overall"] == "K" and final["decisions"] == 2
    first, second = listener.events(2)
    assert (first["data"]["overall"], second["data"]["overall"]) == ("BK", "K")
    assert second["id"] == f"{case['id']}:decided:2"


@pytest.mark.parametrize("path, body, status, code", [
    ("/cases/{id}/appeal", {"reason": "short"}, 400, "validation_failed"),
    ("/cases/{id}/appeal", {"reason": "tidak setuju dengan hasil"}, 409,
     "case_open"),
    ("/cases/{id}/appeal/decision", {"outcome": "maybe",
                                     "reason": "x" * 10}, 400, "validation_failed"),
    ("/cases/{id}/appeal/decision", {"outcome": "upheld",
                                     "reason": "x" * 10}, 409, "case_open"),
    ("/cases/{id}/units/X.1/review", {"evidence_ids": ["e"], "valid": True,
                                      "authentic": True, "current": True, "sufficient": True},
     400, "unknown_unit"),
    ("/cases/{id}/assignment", {}, 400, "validation_failed"),
    ("/cases/{id}/recommendation", {"overall": "K"}, 400, "validation_failed"),
    # nobody names the asesor in a body: the token does (another asesor is a 403, in authz)
    ("/cases/{id}/recommendation", {"asesor": "MET.000.007781 2022"}, 400,
     "validation_failed"),
    ("/cases/{id}/self-assessment", {"units": []}, 400,
     "validation_failed"),
    ("/cases/{id}/self-assessment", {"units": [
        {"code": "C.14GAR02.001.1", "competent": True}]}, 409, "self_assessment_recorded"),
    ("/cases/nope/assignment", {"asesor": SITI, "tuk": "TUK-GNI-SOR"}, 404,
     "case_not_found"),
])
def test_hostile_case_requests_change_nothing(service, bus, api, path, body, status, code):
    case = assign(api, open_case(service, bus, api))
    before = api("GET", f"/cases/{case['id']}/audit")
    assert api("POST", path.format(id=case["id"]), body, expect=status)["error"]["code"] == code
    assert api("GET", f"/cases/{case['id']}/audit") == before


def test_the_registry_lists_lsps_asesors_and_tuks(api):
    lsps = {x["code"]: x for x in api("GET", "/lsps")}
    assert set(lsps) == {"LSP-GNI", "LSP-KRI", "LSP-KEC", "LSP-RJT"}
    assert any(a["registration_number"] == SITI for a in api("GET", "/asesors"))
    assert {t["lsp_code"] for t in api("GET", "/tuks")} == {"LSP-GNI", "LSP-KRI", "LSP-KEC"}


def test_lsp_staff_register_a_scheme_an_lsp_an_asesor_and_a_tuk_and_use_them(service, bus,
                                                                              api):
    api("POST", "/schemes", {"code": "BTK-CAP", "title": "Pembatik Cap", "kind": "okupasi",
                             "sector": "crafts",
                             "units": [{"code": "C.13BTK00.020.1", "title": "Mengecap Kain"},
                                       {"code": "C.13BTK00.021.1", "title": "Mewarnai"}]},
        expect=201)
    assert api("GET", "/schemes/BTK-CAP")["sector"] == "crafts"
    refused = api("POST", "/schemes", {"code": "BTK-XYZ", "title": "Pembatik", "kind": "okupasi",
                                       "sector": "perikanan", "units": [
                                           {"code": "C.13BTK00.020.1", "title": "Mengecap"}]},
                  expect=400)["error"]
    assert "sector" in refused["details"]
    api("POST", "/lsps", {"code": "LSP-BCP", "name": "LSP Batik Cap Pekalongan",
                          "licence_number": "BNSP-LSP-9999-ID",
                          "licence_valid_until": "2029-12-31", "schemes": ["BTK-CAP"]},
        expect=201)
    asesor = "MET.000.123456 2026"
    api("POST", "/asesors", {"registration_number": asesor, "name": "Rahayu",
                             "lsp_code": "LSP-BCP", "schemes": ["BTK-CAP"],
                             "valid_until": "2029-12-31"}, expect=201)
    api("POST", "/tuks", {"code": "TUK-BCP-01", "name": "TUK Sanggar Cap", "lsp_code": "LSP-BCP",
                          "kind": "mandiri", "region_code": "3375"}, expect=201)
    case = open_case(service, bus, api, completed(scheme_code="BTK-CAP"))
    assigned = api("POST", f"/cases/{case['id']}/assignment",
                   {"asesor": asesor, "tuk": "TUK-BCP-01"})
    assert assigned["lsp"] == "LSP-BCP"
    assert api("POST", f"/asesors/{asesor}/status", {"active": False}) == {
        "registration_number": asesor, "active": False}
    other = open_case(service, bus, api, completed(scheme_code="BTK-CAP"))
    error = api("POST", f"/cases/{other['id']}/assignment",
                {"asesor": asesor, "tuk": "TUK-BCP-01"}, expect=422)
    assert error["error"]["code"] == "asesor_inactive"


@pytest.mark.parametrize("path, body, status, code", [
    ("/schemes", {"code": "GAR-OMP", "title": "Dup", "kind": "okupasi",
                  "units": [{"code": "U.1.1", "title": "Unit"}]}, 409, "scheme_exists"),
    ("/schemes", {"code": "lower case", "title": "Bad", "kind": "okupasi", "units": []}, 400,
     "validation_failed"),
    ("/schemes", {"code": "DUP-UNIT", "title": "Dup units", "kind": "okupasi",
                  "units": [{"code": "U.1.1", "title": "Unit"}] * 2}, 400,
     "validation_failed"),
    ("/lsps", {"code": "LSP-NEW", "name": "LSP Baru", "licence_number": "BNSP-1",
               "licence_valid_until": "2029-01-01", "schemes": ["NOPE"]}, 404,
     "scheme_not_found"),
    ("/asesors", {"registration_number": "MET.NEW.1", "name": "Baru", "lsp_code": "LSP-GNI",
                  "schemes": ["MUA-PRS"], "valid_until": "2029-01-01"}, 422,
     "scheme_not_held_by_lsp"),
    ("/asesors", {"registration_number": SITI, "name": "Siti", "lsp_code": "LSP-GNI",
                  "schemes": ["GAR-OMP"], "valid_until": "2029-01-01"}, 409, "asesor_exists"),
    ("/asesors/MET.nobody/status", {"active": True}, 404, "asesor_not_found"),
    ("/tuks", {"code": "TUK-X", "name": "TUK X", "lsp_code": "LSP-NOPE", "kind": "mandiri",
               "region_code": "3204"}, 404, "lsp_not_found"),
    ("/tuks", {"code": "TUK-X", "name": "TUK X", "lsp_code": "LSP-GNI", "kind": "mandiri",
               "region_code": "9999"}, 400, "validation_failed"),
])
def test_bad_registry_entries_are_refused_and_change_nothing(api, path, body, status, code):
    before = [api("GET", f"/{kind}") for kind in ("schemes", "lsps", "asesors", "tuks")]
    assert api("POST", path, body, expect=status)["error"]["code"] == code
    assert [api("GET", f"/{kind}") for kind in ("schemes", "lsps", "asesors", "tuks")] == before


def test_two_writers_of_one_case_cannot_both_win(service, bus, api, database):
    """Two workers read the same case; the first to save wins, the second is refused and
    stores nothing (a unique insert per version, on any MongoDB-wire server)."""
    from kompeten_assessment.repository import Repository
    from kompeten_shared.errors import Conflict

    case = open_case(service, bus, api)
    db = database("assessment")
    first, second = Repository(db), Repository(db)
    mine, theirs = first.get(case["id"]), second.get(case["id"])
    mine.status = "withdrawn"
    first.save(mine)
    theirs.asesor = "someone else"
    with pytest.raises(Conflict) as refused:
        second.save(theirs)
    assert refused.value.code == "case_changed"
    stored = db.cases.find_one({"_id": case["id"]})
    assert stored["status"] == "withdrawn" and stored["asesor"] != "someone else"
    assert stored["version"] == 2  # the self-assessment, then the withdrawal


def test_a_decision_stored_but_not_announced_before_a_crash_is_announced_by_the_relay(
        service, bus, api, database):
    from datetime import timedelta

    from nameko.testing.services import entrypoint_hook

    case = open_case(service, bus, api)
    staged = {"event": envelope.build(
        service="assessment", type="assessment.decided", id=f"{case['id']}:decided:1",
        data={"case_id": case["id"]}, dataschema=EVENTS["assessment.decided"].dataschema),
        "routing_key": "assessment.decided",
        "staged_at": datetime.now(UTC) - timedelta(minutes=1)}
    database("assessment").cases.update_one({"_id": case["id"]},
                                            {"$push": {"outbox": staged}})
    listener = bus.listen("assessment.events", "assessment.decided")
    with entrypoint_hook(service, "relay_outbox") as relay:
        relay()
        relay()
    [sent] = listener.events(2, timeout=2)
    assert sent["id"] == f"{case['id']}:decided:1"
    assert database("assessment").cases.find_one({"_id": case["id"]})["outbox"] == []
    # The case itself still reads as it was: the outbox is not part of it.
    assert api("GET", f"/cases/{case['id']}")["status"] == "open"


def test_a_programmes_cases_are_found_through_its_list_and_old_databases_get_lists(
        service, bus, api, database):
    """GET /cases?programme_id= and ?participant_id= read the cases through lists kept by _id
    (a query on the field reads every case on FerretDB): the same cases, filters applied; a
    database written before the lists gets them once, on start."""
    from kompeten_assessment import repository

    programme = f"prog-{uuid.uuid4().hex[:8]}"
    people = [str(uuid.uuid4()) for _ in range(3)]
    for pid in people:
        event = completed(pid)
        event["data"]["programme_id"] = programme
        open_case(service, bus, api, event, self_assess=False)
    listed = api("GET", f"/cases?programme_id={programme}")
    assert sorted(c["participant_id"] for c in listed) == sorted(people)
    assert api("GET", f"/cases?programme_id={programme}&status=decided") == []
    assert [c["participant_id"] for c in api(
        "GET", f"/cases?participant_id={people[1]}&status=open")] == [people[1]]
    db = database("assessment")
    for lists in ("programme_cases", "participant_cases"):
        db[lists].drop()  # as before the lists
    repository.prepare(db)
    assert api("GET", f"/cases?programme_id={programme}") == listed
