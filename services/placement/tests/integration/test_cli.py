"""kompeten-placement against the running service."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from kompeten_placement.cli import main
from kompeten_placement.service import PlacementService
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def signed_in(monkeypatch, everyone):
    """The command line sends the token of whoever signed in (here: KOMPETEN_TOKEN)."""
    monkeypatch.setenv("KOMPETEN_TOKEN", everyone)


def test_an_officer_opens_a_vacancy_and_reads_the_ranking_with_its_reasons(
        run_service, web_config_port, bus, tmp_path):
    service = run_service(PlacementService)
    url = ["--url", f"http://127.0.0.1:{web_config_port}"]
    runner = CliRunner()
    employer_file = tmp_path / "employer.json"
    employer_file.write_text(json.dumps({
        "name": "CV Maju Jahit Sejahtera", "sector": "Garmen", "region_code": "3204",
        "workforce": 40, "contact": {"person": "Ibu Ratna"}}))
    employer = runner.invoke(main, [*url, "employer", "add", str(employer_file)])
    assert employer.exit_code == 0, employer.output
    vacancy_file = tmp_path / "vacancy.json"
    vacancy_file.write_text(json.dumps({
        "employer_id": employer.output.strip(), "title": "Operator Jahit", "kind": "job",
        "scheme_code": "GAR-OMP", "places": 1,
        "start_date": (date.today() + timedelta(days=7)).isoformat()}))
    vacancy = runner.invoke(main, [*url, "vacancy", "open", str(vacancy_file)]).output.strip()
    pid, number = str(uuid.uuid4()), f"LSP-GNI.GAR-OMP.2026.{uuid.uuid4().int % 10**6:06d}"
    grant = {"participant_id": pid, "purpose": "partner_sharing", "granted": True,
             "recorded_at": datetime.now(UTC), "profile": {"name": "Dewi Lestari",
                                                           "region_code": "3204"}}
    certified = {"certificate_number": number, "kind": "certification", "participant_id": pid,
                 "case_id": "c-1", "scheme_code": "GAR-OMP", "scheme_title": "Operator",
                 "units": [{"code": "U1", "title": "Unit"}, {"code": "U2", "title": "Unit"}],
                 "issuer": {"code": "LSP-GNI", "name": "L"}, "issued_on": date.today(),
                 "valid_until": date.today() + timedelta(days=1000),
                 "verification_url": f"http://verify.test/certificates/{number}"}
    for type_, data, handler in (("participant.consent_changed", grant, "on_consent_changed"),
                                 ("certificate.issued", certified, "on_certificate_issued")):
        with entrypoint_waiter(service, handler):
            bus.publish_event(envelope.build(
                service=EVENTS[type_].producer, type=type_, data=dump_data(type_, data),
                dataschema=EVENTS[type_].dataschema))
    ranked = runner.invoke(main, [*url, "candidates", vacancy])
    assert ranked.exit_code == 0, ranked.output
    lines = ranked.output.splitlines()
    assert lines[0] == "weights: competency 50, distance 30, availability 20"
    assert lines[1].startswith("  1.  100.0  Dewi Lestari") and pid in lines[1]
    assert "2 of 2 required units certified" in ranked.output

    refused = runner.invoke(main, [*url, "offer", "nope", pid])
    assert refused.exit_code == 1 and "vacancy_not_found: no vacancy nope" in refused.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    bad_file = runner.invoke(main, [*url, "vacancy", "open", str(broken)])
    assert bad_file.exit_code == 1 and str(broken) in bad_file.output
