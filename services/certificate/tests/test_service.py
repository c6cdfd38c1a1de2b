"""The certificate service on the real broker and database."""

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from kompeten_certificate.service import CertificateService
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration


def decided(overall="K", case_id=None, event_id=None):
    units = [{"code": "C.14GAR02.001.1", "title": "K3", "result": "K"},
             {"code": "C.14GAR02.015.1", "title": "Menjahit", "result": overall}]
    data = {"case_id": case_id or str(uuid.uuid4()), "decision_number": 1,
            "participant_id": str(uuid.uuid4()),
            "programme_id": "prog-1", "scheme_code": "GAR-OMP",
            "scheme_title": "Operator Menjahit Pakaian",
            "lsp": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
            "assessor_reg": "MET.000.004213 2023", "units": units, "overall": overall,
            "decided_at": datetime.now(UTC), "decided_by": "PLENO-GNI-01",
            "holder_name": "Siti Rahmawati"}
    return envelope.build(service="assessment", type="assessment.decided",
                          data=dump_data("assessment.decided", data),
                          dataschema=EVENTS["assessment.decided"].dataschema, id=event_id)


@pytest.fixture
def config(service_config):
    return service_config("certificate")


@pytest.fixture
def service(run_service):
    return run_service(CertificateService)


@pytest.fixture
def db(database):
    return database("certificate")


def deliver(service, bus, event):
    with entrypoint_waiter(service, "on_assessment_decided"):
        bus.publish_event(event)


def test_a_k_decision_issues_a_verifiable_certificate(service, bus, web_session):
    listener = bus.listen("certificate.events", "certificate.issued")
    event = decided()
    deliver(service, bus, event)
    [issued] = listener.events(1)
    data = issued["data"]
    year = date.today().year
    assert data["certificate_number"] == f"LSP-GNI.GAR-OMP.{year}.000001"
    assert data["case_id"] == event["data"]["case_id"]
    assert "holder_name" not in data and "Siti" not in str(issued)
    assert data["verification_url"] == (
        f"http://verify.test/certificates/{data['certificate_number']}")
    public = web_session.get(f"/certificates/{data['certificate_number']}").json()
    assert public["status"] == "valid" and public["holder"] == "Siti R********"
    assert public["valid_until"] == data["valid_until"]


def test_a_bk_decision_issues_nothing(service, bus, db):
    deliver(service, bus, decided(overall="BK"))
    assert db.certificates.count_documents({}) == 0


def test_the_same_decision_delivered_twice_gives_one_certificate(service, bus, db):
    event = decided()
    deliver(service, bus, event)
    bus.publish_event(event)                                   # same event id: skipped
    deliver(service, bus, {**event, "id": str(uuid.uuid4())})  # same decision, new id
    assert db.certificates.count_documents({}) == 1
    assert [c["sequence"] for c in db.certificates.find()] == [1]


def test_two_instances_consuming_concurrently_issue_once_per_decision(
        container_factory, config, bus, db, wait_for):
    # Declare the queue, then let a backlog build up so both instances start on it at once.
    first = container_factory(CertificateService, config)
    first.start()
    first.stop()
    events = [decided() for _ in range(20)]
    for event in events:  # each decision twice, under different event ids
        bus.publish_event(event)
        bus.publish_event({**event, "id": str(uuid.uuid4())})
    for _ in range(2):
        container_factory(CertificateService, config).start()
    wait_for(lambda: db.processed_events.count_documents({}) == 40, timeout=60)
    assert db.certificates.count_documents({}) == 20
    # Gap-free and unique: exactly 1..20 in the one series.
    assert sorted(c["sequence"] for c in db.certificates.find()) == list(range(1, 21))
    assert sorted(c["case_id"] for c in db.certificates.find()) == sorted(
        e["data"]["case_id"] for e in events)
    assert bus.dead_letters("certificate", expect=1, timeout=0.5) == []


def test_verification_of_an_unknown_number_is_a_404_with_a_code(service, web_session):
    response = web_session.get("/certificates/LSP-GNI.GAR-OMP.2026.999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "certificate_not_found"
    response = web_session.get("/certificates")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_parameter"


def test_a_forged_decision_is_dead_lettered_and_issues_nothing(service, bus, db):
    event = decided()
    event["data"]["overall"] = "K"
    event["data"]["units"][0]["result"] = "BK"  # overall K with a BK unit
    bus.publish_event(event)
    [(_, headers)] = bus.dead_letters("certificate")
    assert headers["x-kompeten-reason"] == "invalid assessment.decided data"
    assert db.certificates.count_documents({}) == 0


def test_issued_certificates_carry_a_credential_that_verifies_offline(service, bus, web_session,
                                                                      tmp_path):
    from click.testing import CliRunner
    from kompeten_certificate.verify import main as verify_cli

    listener = bus.listen("certificate.events", "certificate.issued")
    deliver(service, bus, decided())
    number = listener.events(1)[0]["data"]["certificate_number"]
    response = web_session.get(f"/certificates/{number}/credential")
    assert response.headers["content-type"].startswith("application/vc+jwt")
    token = tmp_path / "credential.jwt"
    token.write_text(response.text)
    keys = tmp_path / "jwks.json"
    keys.write_text(web_session.get("/.well-known/jwks.json").text)
    result = CliRunner().invoke(verify_cli, [str(token), "--jwks", str(keys)])
    assert result.exit_code == 0 and "VALID: Operator Menjahit Pakaian" in result.output

    rotated = web_session.post("/keys/rotate")
    assert rotated.status_code == 201
    listener2 = bus.listen("certificate.events", "certificate.issued")
    deliver(service, bus, decided())
    second = listener2.events(1)[0]["data"]["certificate_number"]
    newer = web_session.get(f"/certificates/{second}/credential").text
    keys.write_text(web_session.get("/.well-known/jwks.json").text)
    assert len(json.loads(keys.read_text())["keys"]) == 2
    token.write_text(newer)
    assert CliRunner().invoke(verify_cli, [str(token), "--jwks", str(keys)]).exit_code == 0
    token.write_text(response.text.replace(".", ".x", 1))
    refused = CliRunner().invoke(verify_cli, [str(token), "--jwks", str(keys)])
    assert refused.exit_code == 1 and "NOT VALID" in refused.output
    assert web_session.get("/certificates/nope/credential").status_code == 404
