"""The command line for LSP staff, asesor and the plenary, against the real service."""

from datetime import date

import pytest
from click.testing import CliRunner
from kompeten_assessment.cli import _unit_results, main
from kompeten_assessment.service import AssessmentService
from nameko.testing.services import entrypoint_waiter

from .test_service import SITI, UNITS, completed

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def signed_in(monkeypatch, staff):
    """The command line sends the token of whoever signed in (here: KOMPETEN_TOKEN)."""
    monkeypatch.setenv("KOMPETEN_TOKEN", staff)


@pytest.fixture
def service(run_service):
    return run_service(AssessmentService)


@pytest.fixture
def cli(service, web_config_port):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["--url", f"http://127.0.0.1:{web_config_port}", *args])

    return run


def test_a_case_from_assignment_to_appeal_on_the_command_line(service, bus, call, cli,
                                                              tmp_path, person, monkeypatch):
    """Each step signed in as the person whose step it is: the audit trail names them."""
    event = completed()
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(event)
    [case] = call("GET", f"/cases?participant_id={event['data']['participant_id']}")
    asesi = person("participant", participant_id=case["participant_id"], name="Dewi Asesi")
    asesor = person("asesor", lsp="LSP-GNI", asesor=SITI, name="Siti Rahmawati")
    plenary = person("plenary", lsp="LSP-GNI", name="Bambang Pleno")

    def signed_in_as(token):
        monkeypatch.setenv("KOMPETEN_TOKEN", token)

    call("POST", f"/cases/{case['id']}/self-assessment", {"units": [
        {"code": u, "competent": True} for u in UNITS]}, as_=asesi)
    assert cli("assign", case["id"], "--asesor", SITI, "--tuk", "TUK-GNI-SOR").exit_code == 0
    today = date.today().isoformat()
    assert cli("briefing", case["id"], "--held-on", today, "--venue",
               "Balai Desa Sukamaju").exit_code == 0
    signed_in_as(asesor)
    early = cli("results", case["id"], f"{UNITS[0]}=K:demonstration")
    assert early.exit_code != 0 and "agreement" in early.output
    assert cli("agreement", case["id"], "--on", today).exit_code == 0
    signed_in_as(asesi)
    assert cli("agree", case["id"]).exit_code == 0
    document = tmp_path / "sertifikat.pdf"
    document.write_bytes(b"%PDF-1.4 sertifikat")
    signed_in_as(asesi)
    added = cli("evidence", case["id"], str(document), "--type", "certificate", "--title",
                "Sertifikat BLK")
    assert added.exit_code == 0 and "sha256" in added.output
    signed_in_as(asesor)
    specs = [f"{u}={'BK' if u == UNITS[2] else 'K'}:demonstration" for u in UNITS]
    assert cli("results", case["id"], *specs).exit_code == 0
    assert cli("recommend", case["id"]).exit_code == 0
    signed_in_as(plenary)
    decided = cli("decide", case["id"])
    assert decided.exit_code == 0 and "decision 1: BK" in decided.output
    signed_in_as(asesi)
    assert cli("appeal", case["id"], "--reason", "observasi tidak lengkap").exit_code == 0
    signed_in_as(plenary)
    upheld = cli("appeal-decision", case["id"], "upheld", "--reason", "perlu diulang")
    assert upheld.exit_code == 0
    audit = cli("audit", case["id"])
    assert all(action in audit.output for action in (
        "self_assessed", "assigned", "evidence_added", "unit_assessed", "recommended", "decided",
        "appeal_filed", "appeal_upheld"))
    assert "Bambang Pleno <" in audit.output and "Dewi Asesi <" in audit.output
    listed = cli("cases", "--status", "open")
    assert case["id"][:8] in listed.output
    refused = cli("decide", case["id"])
    assert refused.exit_code == 1 and "no_recommendation" in refused.output
    signed_in_as(asesi)
    refused = cli("decide", case["id"])
    assert refused.exit_code == 1 and "role_required" in refused.output


def test_unit_results_are_parsed_or_refused():
    assert _unit_results(("C.1=K:interview",)) == [
        {"code": "C.1", "result": "K", "method": "interview"}]
    with pytest.raises(Exception, match="UNIT=K:method"):
        _unit_results(("C.1=K",))


def test_lsp_staff_register_and_deactivate_on_the_command_line(cli, tmp_path):
    import json

    entry = tmp_path / "asesor.json"
    entry.write_text(json.dumps({"registration_number": "MET.000.777777 2026", "name": "Yanti",
                                 "lsp_code": "LSP-GNI", "schemes": ["GAR-OMP"],
                                 "valid_until": "2029-12-31"}))
    assert "registered asesor MET.000.777777 2026" in cli("register", "asesor",
                                                          str(entry)).output
    again = cli("register", "asesor", str(entry))
    assert again.exit_code == 1 and "asesor_exists" in again.output
    assert "inactive" in cli("asesor", "MET.000.777777 2026", "--inactive").output
    entry.write_text("{broken")
    assert cli("register", "tuk", str(entry)).exit_code == 1
