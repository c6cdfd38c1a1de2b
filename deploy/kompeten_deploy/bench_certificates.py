"""`make bench-certificates`: certificate issuance from a burst of decisions, and verification
over HTTP, on the real servers, each next to a baseline measured in the same run.

- Issuance: DECISIONS assessment.decided events (K) published at once; the clock runs until the
  last certificate.issued comes back. Baseline: the same number of messages of the same size
  published and consumed with raw kombu on the same broker, nothing else done.
- Identification: a holder.identified (enrollment's salted NIK hash) for every certificate
  published at once; each credential is signed again with it. The clock runs until the last
  one published holds its identity, then every certificate is checked. Same broker baseline.
- Verification: GET /certificates/<number> (JSON, a random issued number per request) from
  CLIENTS threads. Baseline: GET /health/live on the same service, the cheapest request its
  web server answers.

The ratios are the figures to compare across machines; raw rates vary with the machine's load.
Also checked: one certificate per decision, numbers 1..N without a gap.

    python -m kompeten_deploy.bench_certificates [DECISIONS] [VERIFICATIONS]
"""

import json
import random
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import requests
from kombu import Connection, Exchange, Queue
from kompeten_shared import envelope, holder
from kompeten_shared.events import EVENTS, dump_data
from pymongo import MongoClient

from . import servers
from .local import run_together
from .stack import Stack

CLIENTS = 8


def decision() -> dict:
    units = [{"code": f"C.14GAR02.{n:03d}.1", "title": f"Unit {n}", "result": "K"}
             for n in range(1, 6)]
    data = {"case_id": str(uuid.uuid4()), "decision_number": 1,
            "participant_id": str(uuid.uuid4()), "programme_id": "bench",
            "scheme_code": "GAR-OMP", "scheme_title": "Operator Menjahit Pakaian",
            "lsp": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
            "asesor_reg": "MET.000.004213 2023", "units": units, "overall": "K",
            "decided_at": datetime.now(UTC), "decided_by": "PLENO-GNI-01",
            "holder_name": "Peserta Benchmark", "validity_years": 3}
    return envelope.build(service="assessment", type="assessment.decided",
                          data=dump_data("assessment.decided", data),
                          dataschema=EVENTS["assessment.decided"].dataschema)


def raw_broker_rate(amqp_uri: str, bodies: list[str]) -> float:
    """Messages per second through the broker alone: publish all, consume and ack all."""
    exchange = Exchange("bench.raw", type="topic", durable=True)
    queue = Queue(f"bench.raw.{uuid.uuid4().hex[:6]}", exchange, routing_key="#", durable=True)
    received = 0
    with Connection(amqp_uri) as conn:
        queue(conn).declare()
        started = time.perf_counter()
        producer = conn.Producer()
        for body in bodies:
            producer.publish(body, exchange=exchange, routing_key="assessment.decided",
                             content_type="application/json", content_encoding="utf-8",
                             delivery_mode=2)

        def on_message(body, message):
            nonlocal received
            received += 1
            message.ack()

        with conn.Consumer(queue, callbacks=[on_message], accept=["json"], prefetch_count=10):
            while received < len(bodies):
                conn.drain_events(timeout=30)
        elapsed = time.perf_counter() - started
        queue(conn).delete()
    return len(bodies) / elapsed


def publish_all(conn, exchange_name: str, events: list[dict]) -> None:
    """Every event at once, persistent, on the producer's exchange, as a service publishes."""
    exchange = Exchange(exchange_name, type="topic", durable=True)
    producer = conn.Producer()
    for event in events:
        producer.publish(json.dumps(event), exchange=exchange, routing_key=event["type"],
                         content_type="application/json", content_encoding="utf-8",
                         delivery_mode=2, declare=[exchange])


def issue_burst(stack: Stack, events: list[dict]) -> tuple[float, list[tuple[str, str]]]:
    """Seconds from the first decision published to the last certificate.issued received,
    and the (number, participant) of each."""
    exchange = Exchange("certificate.events", type="topic", durable=True)
    issued = Queue(f"bench.issued.{uuid.uuid4().hex[:6]}", exchange,
                   routing_key="certificate.issued", exclusive=True)
    numbers = []
    with Connection(stack.amqp_uri) as conn:
        issued(conn).declare()
        started = time.perf_counter()
        publish_all(conn, "assessment.events", events)

        def on_message(body, message):
            numbers.append((body["data"]["certificate_number"], body["data"]["participant_id"]))
            message.ack()

        with conn.Consumer(issued, callbacks=[on_message], accept=["json"], prefetch_count=100):
            while len(numbers) < len(events):
                conn.drain_events(timeout=120)
        return time.perf_counter() - started, numbers


def identify_burst(stack: Stack, issued: list[tuple[str, str]], stored) -> float:
    """Seconds from the first holder.identified published until the last one's credential
    holds the identity (handled in parallel, the last published is among the last done)."""
    events = [envelope.build(service="enrollment", type="holder.identified", data=dump_data(
        "holder.identified", {"certificate_number": number, "participant_id": participant,
                              "identity_hash": holder.identity_hash("3204015708950001",
                                                                    number[-16:])}),
        dataschema=EVENTS["holder.identified"].dataschema) for number, participant in issued]
    with Connection(stack.amqp_uri) as conn:
        started = time.perf_counter()
        publish_all(conn, "enrollment.events", events)
    last = issued[-1][0]
    deadline = time.monotonic() + 600
    while not (stored.find_one({"_id": last}, {"identity_hash": 1}) or {}).get("identity_hash"):
        if time.monotonic() > deadline:
            raise RuntimeError("the identities did not arrive within 10 minutes")
        time.sleep(0.2)
    return time.perf_counter() - started


def http_rate(url_for, requests_total: int) -> float:
    """Requests per second from CLIENTS threads, each with its own keep-alive session."""
    per_client = requests_total // CLIENTS
    failures = []

    def client():
        with requests.Session() as session:
            for _ in range(per_client):
                response = session.get(url_for(), timeout=30)
                if response.status_code != 200:
                    failures.append(response.status_code)

    elapsed = run_together([threading.Thread(target=client) for _ in range(CLIENTS)])
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return per_client * CLIENTS / elapsed


def main(decisions: int = 10_000, verifications: int = 4_000) -> int:
    found = servers.ensure()
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    work = servers.STATE / "bench"
    work.mkdir(parents=True, exist_ok=True)
    events = [decision() for _ in range(decisions)]
    with servers.isolated_vhost(found, "kompeten-bench") as amqp_uri:
        stack = Stack(found, database_prefix=prefix, log_dir=work, amqp_uri=amqp_uri)
        try:
            stack.start("certificate")
            seconds, issued = issue_burst(stack, events)
            numbers = [number for number, _ in issued]
            client = MongoClient(found.mongo_uri)
            stored = client[stack.database("certificate")].certificates
            identify_seconds = identify_burst(stack, issued, stored)
            base = stack.url("certificate")
            verify_rate = http_rate(
                lambda: f"{base}/certificates/{random.choice(numbers)}", verifications)
            health_rate = http_rate(lambda: f"{base}/health/live", verifications)
            count = stored.count_documents({})
            identified = stored.count_documents({"identity_hash": {"$ne": None}})
            sequences = sorted(d["sequence"] for d in stored.find({}, {"sequence": 1}))
        finally:
            stack.stop()
            client = MongoClient(found.mongo_uri)
            client.drop_database(stack.database("certificate"))
            client.close()
        broker_rate = raw_broker_rate(amqp_uri, [json.dumps(e) for e in events])
    if count != decisions or sequences != list(range(1, decisions + 1)):
        print(f"{count} certificates for {decisions} decisions; numbers not 1..N",
              file=sys.stderr)
        return 1
    if identified != decisions:
        print(f"{identified} of {decisions} certificates identified", file=sys.stderr)
        return 1
    issue_rate = decisions / seconds
    identify_rate = decisions / identify_seconds
    figures = {
        "decisions": decisions, "issue_seconds": round(seconds, 2),
        "certificates_per_second": round(issue_rate, 1),
        "raw_broker_messages_per_second": round(broker_rate, 1),
        "issue_ratio_to_broker": round(issue_rate / broker_rate, 4),
        "identifications_per_second": round(identify_rate, 1),
        "identify_ratio_to_broker": round(identify_rate / broker_rate, 4),
        "clients": CLIENTS, "verifications": verifications,
        "verifications_per_second": round(verify_rate, 1),
        "health_requests_per_second": round(health_rate, 1),
        "verify_ratio_to_health": round(verify_rate / health_rate, 4),
    }
    print(f"issuance: {decisions} decisions -> {decisions} certificates in {seconds:.1f} s "
          f"= {issue_rate:.0f} certificates/s")
    print(f"baseline (raw kombu publish+consume, same broker, same messages): "
          f"{broker_rate:.0f} messages/s")
    print(f"ratio issuance/broker: {issue_rate / broker_rate:.4f}")
    print(f"identification: {decisions} holder.identified -> credentials signed again in "
          f"{identify_seconds:.1f} s = {identify_rate:.0f}/s "
          f"(ratio to broker {identify_rate / broker_rate:.4f})")
    print(f"verification over HTTP ({CLIENTS} clients): {verify_rate:.0f} verifications/s")
    print(f"baseline (GET /health/live, same service): {health_rate:.0f} requests/s")
    print(f"ratio verification/health: {verify_rate / health_rate:.3f}")
    (work / "certificates.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
