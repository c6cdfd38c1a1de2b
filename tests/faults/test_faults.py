"""Faults that must lose nothing, on servers of the suite's own (a RabbitMQ node and a FerretDB
it may restart), with the certificate service as a separate process: a burst of decisions,
duplicated and mixed with poison, while the service is killed with SIGKILL, the broker
restarts, or the database restarts. Afterwards every decision has exactly one certificate,
numbered without a gap, every certificate was announced, and every poison message sits in the
dead-letter queue with its reason."""

import json
import signal
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from kompeten_deploy.bench_certificates import decision
from kompeten_deploy.stack import Stack
from pymongo import MongoClient

pytestmark = pytest.mark.faults
# Enough that the fault strikes mid-burst: one instance issues 500 or more a second.
DECISIONS = 2000
POISON = 5


@pytest.fixture
def stack(own_servers, own_vhost, tmp_path):
    _, _, found = own_servers
    stack = Stack(found, database_prefix=f"fault_{uuid.uuid4().hex[:8]}", log_dir=tmp_path,
                  amqp_uri=own_vhost)
    stack.start("certificate")
    yield stack
    stack.stop()


def listen(amqp_uri: str) -> str:
    """A durable queue of certificate.issued that outlives a broker restart."""
    name = f"fault.issued.{uuid.uuid4().hex[:6]}"
    with Connection(amqp_uri) as conn:
        Queue(name, Exchange("certificate.events", type="topic", durable=True),
              routing_key="certificate.issued", durable=True)(conn).declare()
    return name


def publish_burst(amqp_uri: str) -> list[dict]:
    """DECISIONS decisions, every tenth again under a new id, and POISON broken ones."""
    events = [decision() for _ in range(DECISIONS)]
    exchange = Exchange("assessment.events", type="topic", durable=True)
    with Connection(amqp_uri) as conn:
        producer = conn.Producer()
        for n, event in enumerate(events):
            bodies = [event] + ([{**event, "id": str(uuid.uuid4())}] if n % 10 == 0 else [])
            if n % (DECISIONS // POISON) == 0:
                bodies.append({**event, "id": str(uuid.uuid4()), "data": {"case_id": "x"}})
            for body in bodies:
                producer.publish(json.dumps(body), exchange=exchange,
                                 routing_key="assessment.decided", delivery_mode=2,
                                 content_type="application/json", content_encoding="utf-8",
                                 declare=[exchange])
    return events


def issued_count(stack: Stack) -> int:
    with MongoClient(stack.servers.mongo_uri) as client:
        return client[stack.database("certificate")].certificates.count_documents({})


def wait(condition, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds}s"
        time.sleep(0.1)


def drain(amqp_uri: str, queue: str) -> list[tuple[dict, dict]]:
    found = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            found.append((json.loads(message.body), message.headers or {}))
    return found


def assert_nothing_lost(stack: Stack, events: list[dict], issued_queue: str) -> None:
    wait(lambda: issued_count(stack) >= DECISIONS, "every decision certified")
    with MongoClient(stack.servers.mongo_uri) as client:
        stored = list(client[stack.database("certificate")].certificates.find(
            {}, {"sequence": 1, "case_id": 1}))
    assert sorted(c["sequence"] for c in stored) == list(range(1, DECISIONS + 1))
    assert sorted(c["case_id"] for c in stored) == sorted(e["data"]["case_id"] for e in events)
    announced = {}
    deadline = time.monotonic() + 60
    while len(announced) < DECISIONS and time.monotonic() < deadline:
        announced.update({body["data"]["certificate_number"]: body["id"]
                          for body, _ in drain(stack.amqp_uri, issued_queue)})
        time.sleep(0.5)
    assert len(announced) == DECISIONS  # repeats share an event id; none is missing
    letters = []
    deadline = time.monotonic() + 30
    while len(letters) < POISON and time.monotonic() < deadline:
        letters += drain(stack.amqp_uri, "certificate.dead-letter")
        time.sleep(0.5)
    assert len(letters) == POISON
    assert {h["x-kompeten-reason"] for _, h in letters} == {"invalid assessment.decided data"}


def kill_the_service(stack, broker, database):
    stack.stop("certificate", sig=signal.SIGKILL)  # mid-batch, no goodbye
    assert issued_count(stack) < DECISIONS
    stack.start("certificate")


def restart_the_broker(stack, broker, database):
    broker.ctl("stop_app")  # every connection drops; durable queues keep their messages
    time.sleep(2)
    broker.ctl("start_app")


def restart_the_database(stack, broker, database):
    database.kill()  # handlers fail on the connection and requeue their events
    time.sleep(2)
    database.start()


@pytest.mark.parametrize("fault", [kill_the_service, restart_the_broker, restart_the_database])
def test_a_fault_mid_batch_loses_and_duplicates_nothing(stack, own_servers, fault):
    broker, database, _ = own_servers
    queue = listen(stack.amqp_uri)
    events = publish_burst(stack.amqp_uri)
    wait(lambda: issued_count(stack) >= DECISIONS // 4, "a quarter certified")
    fault(stack, broker, database)
    assert_nothing_lost(stack, events, queue)
