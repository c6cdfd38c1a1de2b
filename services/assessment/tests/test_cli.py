"""The command line for LSP staff, asesor and the plenary, against the real service."""

import pytest
from click.testing import CliRunner
from kompeten_assessment.cli import _unit_results, main
from kompeten_assessment.service import AssessmentService
from nameko.testing.services import entrypoint_waiter

from .test_service import SITI, UNITS, completed

pytestmark = pytest.mark.integration


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
                                                              tmp_path):
    event = completed()
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(event)
    [case] = call("GET", f"/cases?participant_id={event['data']['participant_id']}")
    call("POST", f"/cases/{case['id']}/self-assessment", {"submitted_by": "asesi", "units": [
        {"code": u, "competent": True} for u in UNITS]})
    assert cli("assign", case["id"], "--asesor", SITI, "--tuk", "TUK-GNI-SOR",
               "--by", "Admin LSP").exit_code == 0
    document = tmp_path / "sertifikat.pdf"
    document.write_bytes(b"%PDF-1.4 sertifikat")
    added = cli("evidence", case["id"], str(document), "--type", "certificate", "--title",
                "Sertifikat BLK", "--by", "asesi")
    assert added.exit_code == 0 and "sha256" in added.output
    specs = [f"{u}={'BK' if u == UNITS[2] else 'K'}:demonstration" for u in UNITS]
    assert cli("results", case["id"], *specs, "--asesor", SITI).exit_code == 0
    assert cli("recommend", case["id"], "--asesor", SITI).exit_code == 0
    decided = cli("decide", case["id"], "--by", "PLENO-GNI-01")
    assert decided.exit_code == 0 and "decision 1: BK" in decided.output
    assert cli("appeal", case["id"], "--reason", "observasi tidak lengkap",
               "--by", "asesi").exit_code == 0
    upheld = cli("appeal-decision", case["id"], "upheld", "--reason", "perlu diulang",
                 "--by", "PLENO-GNI-02")
    assert upheld.exit_code == 0
    audit = cli("audit", case["id"])
    assert all(action in audit.output for action in (
        "self_assessed", "assigned", "evidence_added", "unit_assessed", "recommended", "decided",
        "appeal_filed", "appeal_upheld"))
    listed = cli("cases", "--status", "open")
    assert case["id"][:8] in listed.output
    refused = cli("decide", case["id"], "--by", "PLENO-GNI-01")
    assert refused.exit_code == 1 and "no_recommendation" in refused.output


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
