"""End to end: the four services as separate processes on the real broker and database."""

import json
import time
import uuid
from datetime import UTC, date, datetime

import pytest
import requests
from kompeten_deploy import scenario
from kompeten_deploy.identity import People
from kompeten_deploy.stack import SERVICES
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack_bus(stack, bus_on):
    return bus_on(stack.amqp_uri)


@pytest.fixture(scope="module")
def cohort(stack):
    return scenario.run({name: stack.url(name) for name in SERVICES},
                        issuer=stack.servers.oidc_issuer, seed=2026,
                        progress=lambda line: None)


def test_the_whole_cohort_ends_where_the_scenario_says(cohort):
    assert [r.observed() for r in cohort] == [r.expected for r in cohort]
    assert sum(r.enrollment == "completed" for r in cohort) == 15
    assert sum(r.assessment == "BK" for r in cohort) == 1
    assert sum(r.certificate != "-" for r in cohort) == 14
    assert sum(r.placement == "placed" for r in cohort) == 12
    assert len({r.certificate for r in cohort if r.certificate != "-"}) == 14


def test_every_certificate_verifies_publicly_with_a_masked_name(cohort):
    for row in cohort:
        if row.certificate == "-":
            continue
        public = requests.get(row.verification_url, timeout=10).json()
        assert public["status"] == "valid" and public["number"] == row.certificate
        assert public["holder"] != row.person.name
        assert public["holder"].split()[0] == row.person.name.split()[0]


def test_no_nik_ever_reaches_the_broker_or_another_service(stack, cohort, mongo):
    niks = [r.person.nik for r in cohort]
    for name in ("assessment", "certificate", "placement"):
        database = mongo[stack.database(name)]
        dump = json.dumps([list(database[c].find()) for c in database.list_collection_names()],
                          default=str)
        assert not any(nik in dump for nik in niks), name


def decided_event(participant_id: str, case_id: str) -> dict:
    data = {"case_id": case_id, "decision_number": 1, "participant_id": participant_id,
            "programme_id": None,
            "scheme_code": "GAR-OMP", "scheme_title": "Operator Menjahit Pakaian",
            "lsp": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
            "asesor_reg": "MET.000.004213 2023",
            "units": [{"code": "C.14GAR02.001.1", "title": "K3", "result": "K"}],
            "overall": "K", "decided_at": datetime.now(UTC), "decided_by": "PLENO-GNI-01",
            "holder_name": "Wulan Permana"}
    return envelope.build(service="assessment", type="assessment.decided",
                          data=dump_data("assessment.decided", data),
                          dataschema=EVENTS["assessment.decided"].dataschema)


def certificates_of(stack, participant_id):
    return requests.get(stack.url("certificate") + "/certificates",
                        params={"participant_id": participant_id}, timeout=10).json()


def test_a_decision_delivered_twice_gives_one_certificate(stack, stack_bus):
    participant = str(uuid.uuid4())
    event = decided_event(participant, str(uuid.uuid4()))
    for _ in range(3):
        stack_bus.publish_event(event)
    stack_bus.publish_event({**event, "id": str(uuid.uuid4())})
    marker = decided_event(str(uuid.uuid4()), str(uuid.uuid4()))
    stack_bus.publish_event(marker)  # consumed after the copies above: then they were too
    deadline = datetime.now(UTC).timestamp() + 20
    while not certificates_of(stack, marker["data"]["participant_id"]):
        assert datetime.now(UTC).timestamp() < deadline, "certificate service stalled"
    assert len(certificates_of(stack, participant)) == 1


def test_a_malformed_event_is_dead_lettered_and_the_chain_keeps_working(stack, stack_bus):
    stack_bus.publish_raw("enrollment.events", "training.completed", b"\x00 not an event")
    bad = envelope.build(service="enrollment", type="training.completed",
                         data={"participant_id": "p"},
                         dataschema=EVENTS["training.completed"].dataschema)
    stack_bus.publish_event(bad)
    letters = stack_bus.dead_letters("assessment", expect=2)
    reasons = sorted(h["x-kompeten-reason"] for _, h in letters)
    assert reasons[0] == "invalid training.completed data"
    assert reasons[1].startswith("undecodable message")

    participant = str(uuid.uuid4())
    good = envelope.build(service="enrollment", type="training.completed", data=dump_data(
        "training.completed", {"participant_id": participant, "programme_id": "walk-in",
                               "programme_kind": "certification_only",
                               "programme_title": "Uji Kompetensi",
                               "scheme_code": "GAR-OMP", "organiser": "Disnaker",
                               "region_code": "3204", "attendance_rate": 1.0,
                               "completed_on": date.today(), "asesi_name": "Ujang Hidayat"}),
        dataschema=EVENTS["training.completed"].dataschema)
    stack_bus.publish_event(good)
    deadline = datetime.now(UTC).timestamp() + 20
    while not requests.get(stack.url("assessment") + "/cases",
                           params={"participant_id": participant}, timeout=10).json():
        assert datetime.now(UTC).timestamp() < deadline, "assessment stopped consuming"


def test_bad_http_requests_get_a_4xx_body_and_change_nothing(stack, cohort, mongo):
    database = mongo[stack.database("enrollment")]

    def stored():  # the cohort's last events may still be arriving: their ids do not count
        return {c: database[c].count_documents({}) for c in database.list_collection_names()
                if c != "processed_events"}

    def settled():  # and what they cause (a certificate's notice to its holder): let it land
        deadline, last = time.monotonic() + 30, None
        while (now := stored()) != last and time.monotonic() < deadline:
            last = now
            time.sleep(1.5)
        return now

    before = settled()
    enrollment = stack.url("enrollment")
    operator = {"Authorization": "Bearer " + People(stack.servers.oidc_issuer).token(
        scenario.OPERATOR)}
    anonymous = requests.post(enrollment + "/programmes", data="{not json", timeout=10)
    assert anonymous.status_code == 401  # who asks comes first
    assert anonymous.json()["error"]["code"] == "token_missing"
    response = requests.post(enrollment + "/programmes", data="{not json", timeout=10,
                             headers=operator)
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_json"
    response = requests.post(enrollment + "/participants", json={
        "nik": "1234", "name": "X", "sex": "Q", "birth_date": "soon"}, timeout=10,
        headers=operator)
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) >= {"sex", "birth_date", "name"}
    response = requests.post(enrollment + "/programmes/nope/close", timeout=10,
                             headers=operator)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "programme_not_found"
    assert stored() == before


def test_every_service_reports_ready(stack):
    for name in SERVICES:
        assert requests.get(stack.url(name) + "/health/ready", timeout=5).json() == {
            "status": "ready"}
