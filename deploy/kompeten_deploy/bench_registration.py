"""`make bench-registration`: registering and enrolling people into an empty enrollment
database, then into one that already holds a province's records, on the real servers.

Each round registers PEOPLE people (POST /participants) and enrols each in a programme
(POST /programmes/{id}/enrolments) over HTTP, as an operator does, one after the other. Round
one runs into an empty database; then PREFILL participants, each with a completed and an
active enrolment and a seat in other programmes, are written straight into the database (as a
year of a province would leave them), and round two runs the same into it. The figure to read
is the ratio of the two rates (1.0: flat as the data grows), each round's baseline being the
other, measured in the same run.

    python -m kompeten_deploy.bench_registration [PEOPLE] [PREFILL]
"""

import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from pymongo import MongoClient

from . import scenario, servers
from .identity import People
from .stack import Stack

WORDING = "Saya setuju data saya diproses untuk tujuan ini."


def programme(api: scenario.Api, capacity: int) -> str:
    start = date.today() + timedelta(days=30)
    return api.call("POST", "/programmes", {
        "title": "Pelatihan Menjahit Pakaian (benchmark)", "organiser": "Disnaker Kab. Bandung",
        "scheme_code": "GAR-OMP", "venue": "BLK Bandung", "region_code": "3204",
        "start_date": start.isoformat(), "end_date": (start + timedelta(days=20)).isoformat(),
        "capacity": capacity}, as_=scenario.OPERATOR)["id"]


def people(rng: random.Random, count: int) -> list[dict]:
    found = []
    for serial in rng.sample(range(1, 10_000), count):
        birth = date(rng.randint(1986, 2006), rng.randint(1, 12), rng.randint(1, 28))
        found.append({
            "nik": scenario.make_nik(rng, "3204", "F", birth, serial), "sex": "F",
            "name": "Peserta Benchmark", "birth_date": birth.isoformat(), "phone": "081234567890",
            "consents": [{"purpose": "certification", "granted": True, "source": "benchmark",
                          "wording": WORDING}]})
    return found


def round_(api: scenario.Api, rng: random.Random, count: int) -> float:
    """People registered and enrolled per second."""
    programme_id = programme(api, count)
    cohort = people(rng, count)
    started = time.perf_counter()
    for person in cohort:
        pid = api.call("POST", "/participants", person, as_=scenario.OPERATOR)["participant_id"]
        api.call("POST", f"/programmes/{programme_id}/enrolments", {"participant_id": pid},
                 as_=scenario.OPERATOR)
    return count / (time.perf_counter() - started)


def prefill(db, count: int) -> None:
    """A year of a province: participants, each completed in one programme and enrolled in
    another (with its seat), written as the service writes them, in bulk."""
    now = datetime.now(UTC)
    for offset in range(0, count, 5_000):
        ids = [f"prefill-{uuid.uuid4().hex}" for _ in range(min(5_000, count - offset))]
        db.participants.insert_many([
            {"_id": pid, "nik_digest": uuid.uuid4().hex, "nik_masked": "3204********0000",
             "name": "Peserta Lama", "sex": "F", "birth_date": "1990-01-01",
             "region_code": "3204", "agency": "bench", "consents": {}} for pid in ids])
        enrolments, seats, lists = [], [], []
        for n, pid in enumerate(ids):
            done, now_in = f"old-{offset + n}", f"running-{(offset + n) // 50}"
            for k, (programme_id, status) in enumerate(((done, "completed"),
                                                        (now_in, "enrolled")), 1):
                enrolments.append({"_id": f"{programme_id}:{pid}", "programme_id": programme_id,
                                   "participant_id": pid, "status": status, "priority": "0",
                                   "applied_at": now, "attended": []})
                lists.append({"_id": f"{pid}:{k}", "programme_id": programme_id})
            seats.append({"_id": f"{now_in}:{pid}", "programme_id": now_in,
                          "participant_id": pid, "seat": n % 50 + 1})
        db.enrolments.insert_many(enrolments)
        db.seats.insert_many(seats)
        db.applied_to.insert_many(lists)  # each person's programmes, as the service keeps them


def main(count: int = 200, filled: int = 20_000) -> int:
    found = servers.ensure()
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    work = servers.STATE / "bench"
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(17)
    with servers.isolated_vhost(found, "kompeten-bench") as amqp_uri:
        stack = Stack(found, database_prefix=prefix, log_dir=work, amqp_uri=amqp_uri)
        client = MongoClient(found.mongo_uri)
        try:
            stack.start("enrollment")
            api = scenario.Api(stack.url("enrollment"), People(found.oidc_issuer))
            empty = round_(api, rng, count)
            prefill(client[stack.database("enrollment")], filled)
            full = round_(api, rng, count)
        finally:
            stack.stop()
            client.drop_database(stack.database("enrollment"))
            client.close()
    figures = {"people": count, "prefilled_participants": filled,
               "empty_per_second": round(empty, 2), "filled_per_second": round(full, 2),
               "filled_over_empty": round(full / empty, 3)}
    print(f"registration and enrolment, {count} people one after the other over HTTP:")
    print(f"  into an empty database: {empty:.1f} people/s (the baseline)")
    print(f"  into one holding {filled:,} participants, {2 * filled:,} enrolments, "
          f"{filled:,} seats: {full:.1f} people/s")
    print(f"  ratio filled/empty: {full / empty:.3f} (1.0 is flat)")
    (work / "registration.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
