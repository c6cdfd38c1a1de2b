"""A cohort through all four services while things break: the broker restarts during the
assessments, the certificate service is killed with SIGKILL while certificates are issued, the
database restarts while the partner's pool fills, and a poison event arrives at the start.
Afterwards every participant ends where the scenario says, and nothing is certified twice."""

import signal
import threading
import time
import uuid

import pytest
from kompeten_deploy import scenario
from kompeten_deploy.stack import SERVICES, Stack
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS
from pymongo import MongoClient

pytestmark = pytest.mark.faults
COHORT = 40


def later(action, seconds: float = 0.3) -> threading.Thread:
    """Break something shortly after the scenario reaches a stage, while it carries on."""
    thread = threading.Thread(target=lambda: (time.sleep(seconds), action()))
    thread.start()
    return thread


def test_a_cohort_reaches_the_right_end_through_restarts_and_a_killed_service(
        own_servers, own_vhost, tmp_path, bus_on):
    broker, database, found = own_servers
    prefix = f"cohort_{uuid.uuid4().hex[:8]}"
    faults: list[threading.Thread] = []
    done: list[str] = []

    def restart_broker():
        broker.ctl("stop_app")
        time.sleep(2)
        broker.ctl("start_app")
        done.append("broker restarted")

    def kill_certificate(stack):
        stack.stop("certificate", sig=signal.SIGKILL)
        stack.start("certificate")
        done.append("certificate killed and restarted")

    def restart_database():
        database.kill()
        time.sleep(2)
        database.start()
        done.append("database restarted")

    with Stack(found, database_prefix=prefix, log_dir=tmp_path, amqp_uri=own_vhost) as stack:
        poison = envelope.build(service="enrollment", type="training.completed",
                                data={"participant_id": "p"},
                                dataschema=EVENTS["training.completed"].dataschema)
        bus_on(stack.amqp_uri).publish_event(poison)

        def progress(line: str) -> None:
            if line.startswith("3/6"):
                faults.append(later(restart_broker))
            elif line.startswith("4/6"):
                faults.append(later(lambda: kill_certificate(stack)))
            elif line.startswith("  graduates in the partner's pool") and \
                    "database restarted" not in done and len(faults) == 2:
                faults.append(later(restart_database, 0))

        rows = scenario.run({name: stack.url(name) for name in SERVICES},
                            issuer=stack.servers.oidc_issuer, size=COHORT, seed=11,
                            progress=progress)
        for fault in faults:
            fault.join()
        certificate_db = stack.database("certificate")
        letters = bus_on(stack.amqp_uri).dead_letters("assessment")
    assert done == ["broker restarted", "certificate killed and restarted",
                    "database restarted"]
    wrong = [(r.person.name, r.observed(), r.expected) for r in rows
             if r.observed() != r.expected]
    assert wrong == []
    with MongoClient(found.mongo_uri) as client:
        stored = list(client[certificate_db].certificates.find({}, {"source": 1}))
        for name in SERVICES:
            client.drop_database(f"{prefix}_{name}")
    assert len(stored) == len({c["source"] for c in stored})  # none twice
    assert [h["x-kompeten-reason"] for _, h in letters] == ["invalid training.completed data"]
