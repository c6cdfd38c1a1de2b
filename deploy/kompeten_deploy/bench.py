"""`make bench`: the platform's speed on the real servers, each figure next to the raw broker
measured in the same run, printed and written to .kompeten/bench/bench.json.

1. baseline: raw kombu publish+consume of decision-sized messages (messages/s);
2. pipeline: a cohort of CANDIDATES through all four services, enrolled to placed (the demo's
   scenario, scaled), with the throughput of each stage (candidates/s);
   and the peak resident memory of each service meanwhile (MiB; each should stay under 200);
   then the same cohort into databases that already hold BALLAST participants, enrolments,
   cases, certificates, offers and placements (ballast.py), its rate over the empty run's
   (flat with data: at least 0.8);
3. latency: decisions published at a steady rate (30/s, then 200/s); p50, p95, p99 from
   publishing a decision to receiving its certificate.issued;
4. scale-out: a burst of decisions through one certificate instance, then through two sharing
   the queue (fresh databases each), checked for duplicates and gaps.

    python -m kompeten_deploy.bench [CANDIDATES] [BURST] [BALLAST]
"""

import json
import statistics
import sys
import threading
import time
import uuid

from kombu import Connection, Exchange, Queue
from kompeten_chassis.auth import TokenVerifier
from pymongo import MongoClient

from . import ballast, scenario, servers
from .bench_certificates import decision, issue_burst, raw_broker_rate
from .identity import People
from .memory import LIMIT_MIB, PeakMemory
from .stack import SERVICES, Stack

STAGES = ("1/6", "2/6", "3/6", "4/6", "5/6", "6/6")
# decisions per second: well under one instance's capacity, and the target rate (issue 17)
LATENCY_RATES = (30, 200)
LATENCY_SECONDS = 15
BALLAST = 50_000  # records of each kind already stored for the flat-with-data run


def pipeline(found, amqp_uri: str, work, candidates: int, prefix: str | None = None,
             keep: bool = False) -> dict:
    """The scenario with `candidates` people, into the databases named by `prefix` (new ones
    by default; dropped afterwards unless `keep`); a stage's time runs from its progress line
    to the next one."""
    prefix = prefix or f"bench_{uuid.uuid4().hex[:8]}"
    marks: list[tuple[str, float]] = []

    def progress(line: str) -> None:
        if line[:3] in STAGES:
            marks.append((line, time.perf_counter()))

    people = People(found.oidc_issuer)
    with Stack(found, database_prefix=prefix, amqp_uri=amqp_uri, log_dir=work) as stack, \
            PeakMemory(stack) as memory:
        started = time.perf_counter()
        rows = scenario.run({name: stack.url(name) for name in SERVICES},
                            issuer=stack.servers.oidc_issuer, size=candidates,
                            seed=7, progress=progress, accounts=people)
        total = time.perf_counter() - started
    if not keep:
        _drop(found, [f"{prefix}_{name}" for name in SERVICES])
    wrong = [r for r in rows if r.observed() != r.expected]
    if wrong:
        raise RuntimeError(f"{len(wrong)} candidates did not end where the scenario says")
    stages = {}
    for (line, at), (_, until) in zip(marks, marks[1:], strict=False):
        stages[line[4:].split(":")[0].split(",")[0].strip()] = round(candidates / (until - at), 2)
    placed = sum(r.placement == "placed" for r in rows)
    return {"candidates": candidates, "placed": placed, "seconds": round(total, 2),
            "candidates_per_second": round(candidates / total, 2),
            "stages_candidates_per_second": stages, "authenticated_requests": people.used,
            "peak_resident_mib": {name: round(mib, 1) for name, mib in memory.peaks.items()}}


def token_verification(issuer: str, rounds: int = 2000) -> float:
    """Seconds one service spends on the full check of a real Keycloak access token seen for
    the first time (signature, issuer, audience, lifetime; the key set fetched once, as in a
    running service). Repeats of a token are remembered, so this is an upper bound."""
    token = People(issuer).token(scenario.OPERATOR)
    verifier = TokenVerifier(issuer, "kompeten-enrollment")
    verifier.verify(token)
    started = time.perf_counter()
    for _ in range(rounds):
        verifier._verified.clear()  # as if every request brought a new token
        verifier.verify(token)
    return (time.perf_counter() - started) / rounds


def latency(stack: Stack, seconds: int, rate: int) -> dict:
    """Decisions at a steady rate; milliseconds from publish to certificate.issued."""
    sent: dict[str, float] = {}
    waits: list[float] = []
    exchange = Exchange("certificate.events", type="topic", durable=True)
    issued = Queue(f"bench.latency.{uuid.uuid4().hex[:6]}", exchange,
                   routing_key="certificate.issued", exclusive=True)
    total = seconds * rate
    with Connection(stack.amqp_uri) as listen:
        issued(listen).declare()

        def publish():
            with Connection(stack.amqp_uri) as conn:
                decisions = Exchange("assessment.events", type="topic", durable=True)
                producer = conn.Producer()
                start = time.perf_counter()
                for n in range(total):
                    time.sleep(max(0.0, start + n / rate - time.perf_counter()))
                    event = decision()
                    sent[event["data"]["case_id"]] = time.perf_counter()
                    producer.publish(json.dumps(event), exchange=decisions,
                                     routing_key=event["type"], content_type="application/json",
                                     content_encoding="utf-8", delivery_mode=2)

        def on_message(body, message):
            waits.append(time.perf_counter() - sent[body["data"]["case_id"]])
            message.ack()

        publisher = threading.Thread(target=publish)
        publisher.start()
        with listen.Consumer(issued, callbacks=[on_message], accept=["json"]):
            while len(waits) < total:
                listen.drain_events(timeout=60)
        publisher.join()
    cuts = statistics.quantiles([w * 1000 for w in waits], n=100)
    return {"decisions": total, "rate_per_second": rate,
            "p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1),
            "p99_ms": round(cuts[98], 1)}


def burst(found, amqp_uri: str, work, decisions: int, instances: int) -> float:
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    stack = Stack(found, database_prefix=prefix, amqp_uri=amqp_uri, log_dir=work)
    try:
        stack.start("certificate")
        for number in range(2, instances + 1):
            stack.start_replica("certificate", number)
        seconds, issued = issue_burst(stack, [decision() for _ in range(decisions)])
        numbers = [number for number, _ in issued]
        client = MongoClient(found.mongo_uri)
        stored = client[stack.database("certificate")].certificates
        sequences = sorted(d["sequence"] for d in stored.find({}, {"sequence": 1}))
        client.close()
    finally:
        stack.stop()
        _drop(found, [stack.database("certificate")])
    if sequences != list(range(1, decisions + 1)) or len(set(numbers)) != decisions:
        raise RuntimeError(f"{instances} instance(s): duplicates or gaps in the numbers")
    return decisions / seconds


def _drop(found, databases: list[str]) -> None:
    client = MongoClient(found.mongo_uri)
    for name in databases:
        client.drop_database(name)
    client.close()


def flat_with_data(found, amqp_uri: str, work, candidates: int, size: int) -> tuple:
    """The chain into empty databases, then again into databases holding `size` records of
    each kind (copies of the first run's); both runs' figures."""
    empty, loaded = (f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2))
    try:
        first = pipeline(found, amqp_uri, work, candidates, prefix=empty, keep=True)
        print(f"pipeline into empty databases: {first['candidates_per_second']} candidates/s")
        print(f"filling {loaded} with {size:,} records of each kind")
        ballast.fill(found.mongo_uri, {name: f"{empty}_{name}" for name in SERVICES},
                     {name: f"{loaded}_{name}" for name in SERVICES}, size)
    finally:
        _drop(found, [f"{empty}_{name}" for name in SERVICES])
    try:
        second = pipeline(found, amqp_uri, work, candidates, prefix=loaded)
    except (RuntimeError, TimeoutError) as exc:  # a figure too: where it did not keep up
        second = {"did_not_finish": str(exc)}
    finally:
        _drop(found, [f"{loaded}_{name}" for name in SERVICES])
    return first, second


def main(candidates: int = 200, decisions: int = 2000, size: int = BALLAST) -> int:
    found = servers.ensure()
    work = servers.STATE / "bench"
    work.mkdir(parents=True, exist_ok=True)
    with servers.isolated_vhost(found, "kompeten-bench") as amqp_uri:
        broker = raw_broker_rate(amqp_uri, [json.dumps(decision()) for _ in range(decisions)])
        flow, loaded = flat_with_data(found, amqp_uri, work, candidates, size)
        stack = Stack(found, database_prefix=f"bench_{uuid.uuid4().hex[:8]}",
                      amqp_uri=amqp_uri, log_dir=work)
        try:
            stack.start("certificate")
            delays = [latency(stack, LATENCY_SECONDS, rate) for rate in LATENCY_RATES]
        finally:
            stack.stop()
            _drop(found, [stack.database("certificate")])
        one = burst(found, amqp_uri, work, decisions, 1)
        two = burst(found, amqp_uri, work, decisions, 2)
    verify_seconds = token_verification(found.oidc_issuer)
    # at most this share of the chain's time went to verifying tokens
    token_share = flow["authenticated_requests"] * verify_seconds / flow["seconds"]
    figures = {
        "token_verification": {"microseconds_each": round(verify_seconds * 1e6, 1),
                               "authenticated_requests": flow["authenticated_requests"],
                               "share_of_pipeline_time": round(token_share, 5)},
        "baseline_broker_messages_per_second": round(broker, 1),
        "pipeline": {**flow, "ratio_to_broker": round(flow["candidates_per_second"] / broker, 5)},
        "pipeline_with_ballast": {**loaded, "ballast_per_kind": size, "ratio_to_empty": round(
            loaded["candidates_per_second"] / flow["candidates_per_second"], 3)
            if "candidates_per_second" in loaded else None},
        "decision_to_certificate_latency": delays,
        "certificates_per_second": {"one_instance": round(one, 1), "two_instances": round(two, 1),
                                    "ratio_one_to_broker": round(one / broker, 4),
                                    "ratio_two_to_broker": round(two / broker, 4),
                                    "two_over_one": round(two / one, 3)},
    }
    print(f"baseline: raw kombu publish+consume, same broker: {broker:.0f} messages/s")
    print(f"pipeline: {candidates} candidates enrolled to placed in {flow['seconds']} s = "
          f"{flow['candidates_per_second']} candidates/s "
          f"(ratio {figures['pipeline']['ratio_to_broker']})")
    for stage, rate in flow["stages_candidates_per_second"].items():
        print(f"  stage {stage}: {rate} candidates/s (ratio {rate / broker:.5f})")
    if "did_not_finish" in loaded:
        print(f"pipeline into databases holding {size:,} records of each kind did NOT finish: "
              f"{loaded['did_not_finish']}")
    else:
        print(f"pipeline into databases holding {size:,} records of each kind: "
              f"{loaded['candidates_per_second']} candidates/s, "
              f"{figures['pipeline_with_ballast']['ratio_to_empty']} of the empty run's")
    for stage, rate in loaded.get("stages_candidates_per_second", {}).items():
        empty_rate = flow["stages_candidates_per_second"].get(stage)
        print(f"  stage {stage}: {rate} candidates/s"
              + (f" ({rate / empty_rate:.2f} of empty)" if empty_rate else ""))
    peaks = flow["peak_resident_mib"]
    print("memory, peak resident during the pipeline (MiB, limit "
          f"{LIMIT_MIB}): " + ", ".join(f"{name} {mib:.0f}" for name, mib in peaks.items())
          + "".join(f"; {name} is OVER the limit" for name, mib in peaks.items()
                    if mib > LIMIT_MIB))
    print(f"token verification: {verify_seconds * 1e6:.0f} us for a full check; the "
          f"pipeline's {flow['authenticated_requests']} authenticated requests spent at most "
          f"{token_share:.3%} of its time on it")
    for delay in delays:
        print(f"latency decision -> certificate.issued at {delay['rate_per_second']}/s: p50 "
              f"{delay['p50_ms']} ms, p95 {delay['p95_ms']} ms, p99 {delay['p99_ms']} ms")
    print(f"certificates, {decisions} at once: one instance {one:.0f}/s (ratio "
          f"{one / broker:.4f}), two instances {two:.0f}/s (ratio {two / broker:.4f}), "
          f"two/one {two / one:.2f}; no duplicates, no gaps")
    (work / "bench.json").write_text(json.dumps(figures, indent=2))
    print(f"written to {work / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:4])))
