"""The contract does not depend on Python: a consumer written in Go (tests/contract/go-consumer),
sharing no code with Kompeten, validates real events against the JSON Schemas of the published
catalogue."""

import json
import os
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kompeten_certificate.service import CertificateService
from kompeten_chassis.catalogue import json_schema
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration
SOURCE = Path(__file__).parent / "go-consumer"


@pytest.fixture(scope="session")
def go_consumer(tmp_path_factory):
    if shutil.which("go") is None:
        message = "the Go consumer test needs the go command (Go 1.26)"
        if os.environ.get("KOMPETEN_STRICT"):
            pytest.fail(message)
        pytest.skip(message)
    binary = tmp_path_factory.mktemp("go") / "kompeten-go-consumer"
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=SOURCE, check=True,
                   timeout=600)
    return binary


def offer_made(**change) -> dict:
    data = dump_data("offer.made", {
        "offer_id": str(uuid.uuid4()), "vacancy_id": "v-1", "employer_id": "e-1",
        "participant_id": str(uuid.uuid4()), "kind": "job", "made_at": datetime.now(UTC)})
    return envelope.build(service="placement", type="offer.made", data={**data, **change},
                          dataschema=EVENTS["offer.made"].dataschema)


def test_a_go_consumer_validates_real_events_with_the_published_schemas(
        go_consumer, run_service, rabbit_config, bus, tmp_path):
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for type_ in ("certificate.issued", "offer.made"):
        (schemas / f"{type_}.json").write_text(json.dumps(json_schema(type_)))
    consumer = subprocess.Popen(
        [str(go_consumer), "-schemas", str(schemas), "-count", "4",
         "-bind", "certificate.events=certificate.issued", "-bind", "placement.events=offer.#"],
        env={**os.environ, "AMQP_URI": rabbit_config["AMQP_URI"].replace("pyamqp", "amqp")},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert json.loads(consumer.stdout.readline()) == {"ready": True}
        service = run_service(CertificateService)  # a real certificate.issued, from Python
        with entrypoint_waiter(service, "on_assessment_decided"):
            bus.publish_event(decision())
        good = offer_made()
        bus.publish_raw("placement.events", "offer.made.e-1", good)
        bus.publish_raw("placement.events", "offer.made.e-1",
                        offer_made(kind="internship"))                  # not in the enum
        bus.publish_raw("placement.events", "offer.made.e-1",
                        offer_made(made_at="next Tuesday"))             # not a date-time
        out, err = consumer.communicate(timeout=60)
    finally:
        consumer.kill()
    results = [json.loads(line) for line in out.splitlines()]
    assert [(r["type"], r["valid"]) for r in results] == [
        ("certificate.issued", True), ("offer.made", True), ("offer.made", False),
        ("offer.made", False)], err
    assert results[1]["id"] == good["id"]
    assert "kind" in results[2]["error"] and "made_at" in results[3]["error"]


def decision() -> dict:
    units = [{"code": "C.14GAR02.001.1", "title": "K3", "result": "K"}]
    return envelope.build(service="assessment", type="assessment.decided", data=dump_data(
        "assessment.decided", {
            "case_id": str(uuid.uuid4()), "decision_number": 1,
            "participant_id": str(uuid.uuid4()), "programme_id": "prog-1",
            "scheme_code": "GAR-OMP", "scheme_title": "Operator Menjahit Pakaian",
            "lsp": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
            "asesor_reg": "MET.000.004213 2023", "units": units, "overall": "K",
            "decided_at": datetime.now(UTC), "decided_by": "PLENO-GNI-01",
            "holder_name": "Siti Rahmawati"}),
        dataschema=EVENTS["assessment.decided"].dataschema)
