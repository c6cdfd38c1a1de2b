"""Metrics and log context on the real broker: the certificate service as the example."""

import json
import logging
import logging.config
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from kompeten_certificate.service import CertificateService
from kompeten_chassis.observability import ContextFilter
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[3]


def decided(overall="K"):
    units = [{"code": "U1", "title": "K3", "result": overall}]
    return envelope.build(service="assessment", type="assessment.decided", data=dump_data(
        "assessment.decided", {
            "case_id": str(uuid.uuid4()), "decision_number": 1,
            "participant_id": str(uuid.uuid4()), "programme_id": None, "scheme_code": "GAR-OMP",
            "scheme_title": "Operator Menjahit Pakaian",
            "lsp": {"code": "LSP-GNI", "name": "LSP GNI"}, "asesor_reg": "MET.1",
            "units": units, "overall": overall, "decided_at": datetime.now(UTC),
            "decided_by": "PLENO-1", "holder_name": "Siti Rahmawati"}),
        dataschema=EVENTS["assessment.decided"].dataschema)


@pytest.fixture
def records():
    """Every log record written while the test runs, under the services' own logging
    configuration with the root at DEBUG, the most an operator can ask for."""
    found = []

    class Keep(logging.Handler):
        def emit(self, record):
            found.append(record)

    config = yaml.safe_load((ROOT / "services" / "certificate" / "config.yaml").read_text())
    logging_config = config["LOGGING"]
    logging_config["root"]["level"] = "DEBUG"
    logging.config.dictConfig(logging_config)
    handler = Keep(level=logging.DEBUG)
    handler.addFilter(ContextFilter())
    logging.getLogger().addHandler(handler)
    yield found
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


def test_the_correlation_id_travels_with_the_events_and_into_the_logs(run_service, bus,
                                                                      records):
    service = run_service(CertificateService)
    listener = bus.listen("certificate.events", "certificate.issued")
    event = decided()
    with entrypoint_waiter(service, "on_assessment_decided"):
        bus.publish_event(event, headers={"nameko.correlation_id": "corr-7f3a"})
    [(_, headers)] = listener.messages(1)
    assert headers["nameko.correlation_id"] == "corr-7f3a"  # passed on to the next service
    mine = [r for r in records if r.event_id == event["id"]]
    assert mine and {r.correlation_id for r in mine} == {"corr-7f3a"}
    assert {r.entrypoint for r in mine} == {"on_assessment_decided"}

    fresh = decided()  # no correlation id came with it: this worker starts one
    with entrypoint_waiter(service, "on_assessment_decided"):
        bus.publish_event(fresh)
    [(_, headers)] = listener.messages(1)
    assert headers["nameko.correlation_id"].startswith("certificate.on_assessment_decided.")
    logged = " ".join(f"{r.getMessage()} {r.args}" for r in records)
    assert len(records) > 10 and "Siti" not in logged and "Rahmawati" not in logged
    line = logging.getLogger().handlers[0].format(mine[0])  # the console handler: JSON
    assert json.loads(line)["correlation_id"] == "corr-7f3a"


def test_decisions_issued_in_one_batch_each_keep_their_own_correlation_id(run_service, bus):
    run_service(CertificateService).stop()  # its queue exists: a backlog builds up
    listener = bus.listen("certificate.events", "certificate.issued")
    traces = {}
    for n in range(12):
        event = decided()
        traces[event["data"]["case_id"]] = f"corr-{n}"
        bus.publish_event(event, headers={"nameko.correlation_id": f"corr-{n}"})
    run_service(CertificateService)
    issued = listener.messages(12, timeout=30)
    assert {json.loads(body)["data"]["case_id"]: headers["nameko.correlation_id"]
            for body, headers in issued} == traces


def test_metrics_count_outcomes_latency_publishing_and_queue_depth(run_service, bus,
                                                                   web_session):
    service = run_service(CertificateService)
    with entrypoint_waiter(service, "on_assessment_decided"):
        bus.publish_event(decided())
    broken = decided()
    broken["data"]["overall"] = "BK"  # contradicts its K unit
    bus.publish_event(broken)
    bus.dead_letters("certificate")
    response = web_session.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    consumer = 'consumer="certificate.on_assessment_decided",service="certificate"'
    assert f'kompeten_events_handled_total{{{consumer},type="assessment.decided",' \
           'outcome="processed"}' in text.replace('outcome="processed",' + consumer, "")\
        or "outcome=\"processed\"" in text
    lines = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
             for line in text.splitlines() if line and not line.startswith("#")}
    handled = {k: v for k, v in lines.items() if k.startswith("kompeten_events_handled_total")
               and 'service="certificate"' in k}
    assert sum(v for k, v in handled.items() if 'outcome="processed"' in k) >= 1
    assert sum(v for k, v in handled.items() if 'outcome="dead_lettered"' in k) >= 1
    assert any(k.startswith("kompeten_event_handler_seconds_count") and v >= 1
               for k, v in lines.items())
    assert any(k.startswith("kompeten_events_published_total") and
               'type="certificate.issued"' in k for k in lines)
    depth = [k for k in lines if k.startswith("kompeten_queue_depth")
             and 'service="certificate"' in k]
    assert any("certificate.dead-letter" in k for k in depth)
    assert any("on_assessment_decided" in k for k in depth)
