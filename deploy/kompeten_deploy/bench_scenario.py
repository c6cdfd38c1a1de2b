"""`make bench-scenario`: a field scenario at full size through the four services on the real
servers (issue 15: Disnakertrans Kaltim's 1,000 + 500 job seekers and 400 apprentices), each
programme's and stage's rate printed next to the raw broker measured in the same run, and
written to .kompeten/bench/scenario-<name>.json. Everyone must end where the file says.

    python -m kompeten_deploy.bench_scenario [SCENARIO] [SCALE]
"""

import json
import sys
import time
import uuid

from . import scenario, scenarios, servers
from .bench import _drop
from .bench_certificates import decision, raw_broker_rate
from .identity import People
from .stack import SERVICES, Stack

DEFAULT = "disnakertrans-kaltim"


def stage_rates(marks: list[tuple[str, str, float]], people: dict[str, int],
                ended: float) -> dict:
    """Per programme, each stage's seconds and people per second, from the progress lines'
    times: a stage runs from its line to the next one (the programme's end for the last).
    A stage with nothing to do (no partner, the results table) is left out."""
    rates: dict[str, dict] = {}
    for (key, stage, at), following in zip(marks, marks[1:] + [(None, None, ended)],
                                           strict=True):
        took = following[2] - at
        if took >= 0.05:
            rates.setdefault(key, {})[stage] = {
                "seconds": round(took, 2), "people_per_second": round(people[key] / took, 2)}
    return rates


def main(name: str = DEFAULT, scale: float = 1.0) -> int:
    loaded = scenarios.load(name)
    found = servers.ensure()
    work = servers.STATE / "bench"
    work.mkdir(parents=True, exist_ok=True)
    marks: list[tuple[str, str, float]] = []
    starts: dict[str, float] = {}
    current = [loaded.programmes[0]["key"]]

    def progress(line: str) -> None:
        now = time.perf_counter()
        if line.startswith("== "):
            current[0] = line[3:].split(":")[0]
            starts[current[0]] = now
        elif line[:3] in ("1/6", "2/6", "3/6", "4/6", "5/6", "6/6"):
            marks.append((current[0], line[4:].split(":")[0].split(",")[0].strip(), now))
        print(f"  [{time.strftime('%H:%M:%S')}] {line}", flush=True)

    with servers.isolated_vhost(found, "kompeten-bench-scenario") as amqp_uri:
        broker = raw_broker_rate(amqp_uri, [json.dumps(decision()) for _ in range(2000)])
        # first, so a run stopped part-way still has its baseline beside the stage times
        print(f"baseline: raw kombu publish+consume, same broker: {broker:.0f} messages/s",
              flush=True)
        prefix = f"benchsc_{uuid.uuid4().hex[:8]}"
        with Stack(found, database_prefix=prefix, amqp_uri=amqp_uri, log_dir=work) as stack:
            started = time.perf_counter()
            rows = scenario.run({n: stack.url(n) for n in SERVICES},
                                issuer=found.oidc_issuer, accounts=People(found.oidc_issuer),
                                scenario=loaded, scale=scale, progress=progress)
            ended = time.perf_counter()
        _drop(found, [f"{prefix}_{n}" for n in SERVICES])
    wrong = [r for r in rows if r.observed() != r.expected]
    if wrong:
        raise RuntimeError(f"{len(wrong)} people did not end where the scenario says")
    people = {p["key"]: sum(r.programme == p["key"] for r in rows) for p in loaded.programmes}
    seconds = ended - started
    figures = {
        "scenario": name, "scale": scale, "people": len(rows),
        "baseline_broker_messages_per_second": round(broker, 1),
        "seconds": round(seconds, 1), "people_per_second": round(len(rows) / seconds, 2),
        "ratio_to_broker": round(len(rows) / seconds / broker, 5),
        "programmes": {key: {"people": n, **scenario.totals(rows, key)}
                       for key, n in people.items()},
        "stages_people_per_second": stage_rates(marks, people, ended),
    }
    print(f"{name} at scale {scale}: {len(rows)} people in {seconds:.0f} s = "
          f"{figures['people_per_second']} people/s (ratio {figures['ratio_to_broker']})")
    for key, stages in figures["stages_people_per_second"].items():
        totals = figures["programmes"][key]
        print(f"  {key}: {totals['people']} people, {totals['completed']} completed, "
              f"{totals['certified']} certified, {totals['placed']} placed")
        for stage, took in stages.items():
            rate = took["people_per_second"]
            print(f"    {stage}: {took['seconds']} s, {rate} people/s "
                  f"(ratio {rate / broker:.5f})")
    out = work / f"scenario-{name}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2], *(float(a) for a in sys.argv[2:3])))
