"""`make demo [SCENARIO=<name>]`: servers, four services and the console as processes, a field
scenario of deploy/scenarios (the Probolinggo sewing course unless named), a table. At a
terminal it then keeps the console open for people to sign in (the URL and the development
users are printed) until Ctrl-C; elsewhere (CI, scripts) it stops.

A scenario file with a mistake stops it before anything starts (exit 2, each problem named).
Exits 1 if any participant did not end where the scenario says, or a programme's totals are not
the ones its file states.
"""

import sys
import time

from pymongo import MongoClient

from . import identity, scenario, scenarios, servers
from .local import CHECKOUT
from .stack import CONSOLE, SERVICES, Stack

# The demo's own databases, one set per checkout, so two checkouts' demos on one server never
# empty each other's.
PREFIX = f"kompeten_demo_{CHECKOUT}"


def main(name: str = scenarios.DEFAULT) -> int:
    started = time.monotonic()
    try:
        chosen = scenarios.load(name)
    except scenarios.ScenarioError as error:
        print(f"The scenario cannot run: {error}", file=sys.stderr)
        return 2
    print(f"Kompeten demo, scenario {chosen.name}: {chosen.title}\n")
    print(chosen.story)
    found = servers.ensure()
    client = MongoClient(found.mongo_uri)
    for service in (*SERVICES, CONSOLE):  # every demo run starts from empty databases
        client.drop_database(f"{PREFIX}_{service}")
    client.close()
    print("starting the four services as separate processes ...")
    with servers.isolated_vhost(found, "kompeten-demo") as amqp_uri, \
            Stack(found, database_prefix=PREFIX, amqp_uri=amqp_uri) as stack:
        for service in SERVICES:
            print(f"  {service:<12} {stack.url(service)}  (log: {stack.log_path(service)})")
        console = stack.start_console()
        print(f"  {CONSOLE:<12} {console}  (log: {stack.log_path(CONSOLE)})")
        rows = scenario.run({service: stack.url(service) for service in SERVICES},
                            issuer=stack.servers.oidc_issuer, scenario=chosen,
                            progress=lambda line: print(line, flush=True))
        if sys.stdin.isatty():
            stay_open(console, chosen, rows)
        print("\nstopping the services ...")
    print()
    print(scenario.table(rows))
    wrong = [r for r in rows if r.observed() != r.expected]
    print()
    for programme in chosen.programmes:
        got = scenario.totals(rows, programme["key"])
        if got != programme["expect"]:
            wrong.append(programme["key"])
        print(f"{programme['key']}: {programme['cohort']['size']} participants, "
              f"{got['completed']} completed, {got['certified']} certified, {got['placed']} "
              f"placed; the scenario expects {programme['expect']}")
    print(f"in {time.monotonic() - started:.1f}s")
    for row in wrong:
        if isinstance(row, str):
            print(f"UNEXPECTED: the totals of {row}", file=sys.stderr)
        else:
            print(f"UNEXPECTED: {row.person.name}: expected {row.expected}, got "
                  f"{row.observed()}", file=sys.stderr)
    return 1 if wrong else 0


def stay_open(console: str, chosen: scenarios.Scenario, rows: list) -> None:
    """The console stays reachable for people to look around, until Ctrl-C."""
    password = identity.dev_credentials()[0]
    holder = next((r for r in rows if r.certificate != "-"), None)
    print(f"\nThe console is open: {console}  (password for every account: {password})")
    for user in scenario.officers(chosen):
        tenancy = ", ".join(f"{k} {v}" for k, v in user.items()
                            if k not in ("username", "name", "roles"))
        print(f"  {user['username']:<30} {', '.join(user['roles']):<22} {tenancy}")
    if holder is not None:
        print(f"  {scenario.participant_account(holder.person.participant_id):<26} "
              f"participant            {holder.person.name}, certificate {holder.certificate}")
    print("Ctrl-C stops the services.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
