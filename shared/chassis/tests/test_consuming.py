"""The consume decorator and the publisher against the real RabbitMQ and MongoDB-wire server."""

import json
import time
from urllib.parse import urlparse

import pytest
from kompeten_chassis.consuming import PROCESSED, consume, consume_batches
from kompeten_chassis.mongo import Database
from kompeten_chassis.publishing import EventPublisher
from kompeten_shared import envelope
from kompeten_shared.errors import DomainError
from kompeten_shared.events import EVENTS, load_data
from nameko.testing.services import dummy, entrypoint_hook, entrypoint_waiter

pytestmark = pytest.mark.integration

ISSUED = {
    "certificate_number": "LSP-GNI.GAR-OMP.2026.000001", "kind": "certification",
    "participant_id": "p-1",
    "case_id": "c-1", "scheme_code": "GAR-OMP", "scheme_title": "Operator Menjahit Pakaian",
    "units": [{"code": "U1", "title": "Unit 1"}], "issuer": {"code": "LSP-GNI", "name": "LSP"},
    "issued_on": "2026-11-24", "valid_until": "2029-11-23",
    "verification_url": "http://localhost:8003/certificates/LSP-GNI.GAR-OMP.2026.000001",
}


def issued_event(**data):
    return envelope.build(service="certificate", type="certificate.issued",
                          data={**ISSUED, **data},
                          dataschema=EVENTS["certificate.issued"].dataschema, subject="p-1")


class Probe:
    """A consumer like a partner's: records what it handled, refuses what the rules refuse."""

    name = "probe"
    db = Database()

    @consume("certificate", "certificate.issued")
    def on_issued(self, event):
        if event.data["scheme_code"] == "REFUSE":
            raise DomainError("scheme not handled here", code="scheme_unsupported")
        if event.data["scheme_code"] == "CRASH":
            raise RuntimeError("bug in handler")
        self.db.seen.insert_one({"event_id": event.id, "number": event.data["certificate_number"],
                                 "valid_until": event.data["valid_until"].isoformat()})


@pytest.fixture
def probe(run_service):
    return run_service(Probe)


@pytest.fixture
def probe_db(database):
    return database("probe")


def test_a_valid_event_reaches_the_handler_with_loaded_data(probe, probe_db, bus):
    event = issued_event()
    with entrypoint_waiter(probe, "on_issued"):
        bus.publish_event(event)
    seen = list(probe_db.seen.find())
    assert [(s["event_id"], s["valid_until"]) for s in seen] == [(event["id"], "2029-11-23")]
    assert probe_db[PROCESSED].count_documents({"_id": f"probe.on_issued:{event['id']}"}) == 1


def test_the_same_event_id_twice_is_handled_once(probe, probe_db, bus, wait_for):
    event = issued_event()
    with entrypoint_waiter(probe, "on_issued"):
        bus.publish_event(event)
    bus.publish_event(event)
    # A different event after the duplicate: once it is handled, the duplicate was consumed.
    later = issued_event(certificate_number="LSP-GNI.GAR-OMP.2026.000002")
    with entrypoint_waiter(probe, "on_issued"):
        bus.publish_event(later)
    assert sorted(s["event_id"] for s in probe_db.seen.find()) == sorted(
        [event["id"], later["id"]])


class SelfDeduplicating:
    """A handler that recognises a repeat by its data (one record per number)."""

    name = "keeper"
    db = Database()

    @consume("certificate", "certificate.issued", idempotent=True)
    def on_issued(self, event):
        self.db.handled.insert_one({"event_id": event.id})
        self.db.kept.update_one({"_id": event.data["certificate_number"]},
                                {"$set": {"seen": True}}, upsert=True)


def test_an_idempotent_handler_gets_a_repeat_and_no_processed_record_is_kept(
        run_service, database, bus):
    keeper, db = run_service(SelfDeduplicating), database("keeper")
    event = issued_event()
    for _ in range(2):
        with entrypoint_waiter(keeper, "on_issued"):
            bus.publish_event(event)
    assert db.handled.count_documents({}) == 2 and db.kept.count_documents({}) == 1
    assert db[PROCESSED].count_documents({}) == 0


def test_invalid_data_is_dead_lettered_with_its_reason_and_body(probe, probe_db, bus):
    event = issued_event(valid_until="someday")
    bus.publish_event(event)
    [(body, headers)] = bus.dead_letters("probe")
    assert json.loads(body) == event
    assert headers["x-kompeten-reason"] == "invalid certificate.issued data"
    assert "valid_until" in json.loads(headers["x-kompeten-details"])
    assert headers["x-kompeten-consumer"] == "probe.on_issued"
    assert headers["x-original-exchange"] == "certificate.events"
    assert headers["x-original-routing-key"] == "certificate.issued"
    assert probe_db.seen.count_documents({}) == 0


def test_an_undecodable_message_is_dead_lettered_and_the_service_keeps_working(
        probe, probe_db, bus):
    bus.publish_raw("certificate.events", "certificate.issued", b"{not json")
    [(body, headers)] = bus.dead_letters("probe")
    assert body == b"{not json"
    assert headers["x-kompeten-reason"].startswith("undecodable message")
    with entrypoint_waiter(probe, "on_issued"):
        bus.publish_event(issued_event())
    assert probe_db.seen.count_documents({}) == 1


@pytest.mark.parametrize("change, reason", [
    ({"specversion": "0.3"}, "invalid CloudEvents envelope"),
    ({"type": "certificate.revoked"}, "arrived on the 'certificate.issued' routing key"),
    ({"source": "/kompeten/placement"}, "must come from certificate"),
    ({"dataschema": "urn:kompeten:schema:certificate.issued:7"}, "unsupported dataschema"),
])
def test_envelope_violations_are_dead_lettered(probe, bus, change, reason):
    bus.publish_raw("certificate.events", "certificate.issued", {**issued_event(), **change})
    [(_, headers)] = bus.dead_letters("probe")
    assert reason in headers["x-kompeten-reason"]


def test_a_domain_refusal_is_dead_lettered_with_its_code(probe, bus):
    bus.publish_event(issued_event(scheme_code="REFUSE"))
    [(_, headers)] = bus.dead_letters("probe")
    assert headers["x-kompeten-reason"] == "scheme_unsupported: scheme not handled here"


def test_a_handler_bug_is_dead_lettered_not_lost(probe, probe_db, bus):
    event = issued_event(scheme_code="CRASH")
    bus.publish_event(event)
    [(body, headers)] = bus.dead_letters("probe")
    assert json.loads(body)["id"] == event["id"]
    assert headers["x-kompeten-reason"] == "handler failed: RuntimeError: bug in handler"
    assert probe_db[PROCESSED].count_documents({}) == 0


class Batcher:
    """A consumer of batches: records each batch, refuses what the rules refuse."""

    name = "batcher"
    db = Database()

    @consume_batches("certificate", "certificate.issued")
    def on_issued(self, events):
        self.db.calls.insert_one({"size": len(events)})
        if any(e.data["scheme_code"] == "REFUSE" for e in events):
            raise DomainError("scheme not handled here", code="scheme_unsupported")
        self.db.batches.insert_one({"ids": [e.id for e in events],
                                    "traces": [e.correlation_id for e in events]})


def test_events_that_arrive_together_are_handled_in_batches_and_a_refused_one_alone(
        run_service, database, bus, wait_for):
    """A backlog is handled a batch at a time, each event once; the one the rules refuse
    fails its batch, whose events are then handled one by one: only it is dead-lettered."""
    run_service(Batcher).stop()  # its queue exists: a backlog builds up
    events = [issued_event(certificate_number=f"LSP-GNI.GAR-OMP.2026.{n:06}")
              for n in range(1, 31)]
    events[17] = issued_event(scheme_code="REFUSE")
    for n, event in enumerate(events):
        bus.publish_event(event, headers={"nameko.correlation_id": f"trace-{n}"})
    run_service(Batcher)
    db = database("batcher")
    wait_for(lambda: sum(len(b["ids"]) for b in db.batches.find()) == 29)
    [(body, headers)] = bus.dead_letters("batcher")
    assert json.loads(body)["id"] == events[17]["id"]
    assert headers["x-kompeten-reason"] == "scheme_unsupported: scheme not handled here"
    batches = list(db.batches.find())
    handled = [event_id for batch in batches for event_id in batch["ids"]]
    assert sorted(handled) == sorted(e["id"] for n, e in enumerate(events) if n != 17)
    assert max(call["size"] for call in db.calls.find()) > 1  # not one at a time
    traces = {i: t for b in batches for i, t in zip(b["ids"], b["traces"], strict=True)}
    assert all(traces[e["id"]] == f"trace-{n}" for n, e in enumerate(events) if n != 17)


class Issuer:
    name = "certificate"
    publish = EventPublisher()

    @dummy
    def issue(self, data):
        return self.publish("certificate.issued", data, subject=data["participant_id"])

    @dummy
    def forge(self, data):
        return self.publish("assessment.decided", data)


def test_the_publisher_wraps_data_in_the_envelope_on_the_service_exchange(
        container_factory, service_config, bus):
    container = container_factory(Issuer, service_config("certificate"))
    container.start()
    listener = bus.listen("certificate.events", "certificate.issued")
    with entrypoint_hook(container, "issue") as issue:
        sent = issue(load_data("certificate.issued", ISSUED))
    [received] = listener.events(1)
    assert received == sent
    parsed = envelope.parse(received)
    assert parsed.type == "certificate.issued" and parsed.producer == "certificate"
    assert parsed.subject == "p-1"
    assert parsed.dataschema == "urn:kompeten:schema:certificate.issued:1"


def test_the_publisher_refuses_another_services_event_and_bad_data(
        container_factory, service_config):
    container = container_factory(Issuer, service_config("certificate"))
    container.start()
    with entrypoint_hook(container, "forge") as forge, pytest.raises(ValueError, match="owns"):
        forge({})
    with entrypoint_hook(container, "issue") as issue, pytest.raises(ValueError,
                                                                     match="contract"):
        issue({"participant_id": "p-1"})


def test_with_quorum_queues_events_flow_and_failures_are_dead_lettered(
        container_factory, service_config, probe_db, bus, rabbit_config, rabbit_manager):
    """QUEUE_TYPE=quorum, as on a production cluster: the consumer's queue and its dead-letter
    queue are quorum queues, and nothing else changes."""
    container = container_factory(Probe, service_config("probe", QUEUE_TYPE="quorum"))
    container.start()
    good, bad = issued_event(), issued_event(scheme_code="CRASH")
    with entrypoint_waiter(container, "on_issued"):
        bus.publish_event(good)
    bus.publish_event(bad)
    vhost = urlparse(rabbit_config["AMQP_URI"]).path.lstrip("/")
    deadline = time.monotonic() + 10
    while not (letters := [q for q in rabbit_manager.get_queues(vhost)
                           if q["name"] == "probe.dead-letter" and q.get("messages")]):
        assert time.monotonic() < deadline, "nothing was dead-lettered"
        time.sleep(0.2)
    queues = {q["name"]: q["type"] for q in rabbit_manager.get_queues(vhost)}
    assert set(queues.values()) == {"quorum"} and "probe.dead-letter" in queues
    assert probe_db.seen.count_documents({}) == 1 and letters[0]["messages"] == 1
