"""`make demo`: servers, four services and the console as processes, the sewing-course
scenario, a table. At a terminal it then keeps the console open for people to sign in (the URL
and the development users are printed) until Ctrl-C; elsewhere (CI, scripts) it stops.

Exits 1 if any participant did not end where the scenario says it should.
"""

import json
import sys
import time

from pymongo import MongoClient

from . import identity, scenario, servers
from .local import CHECKOUT
from .stack import CONSOLE, SERVICES, Stack

# The demo's own databases, one set per checkout, so two checkouts' demos on one server never
# empty each other's.
PREFIX = f"kompeten_demo_{CHECKOUT}"


def main() -> int:
    started = time.monotonic()
    print("Kompeten demo: a 30-day sewing course for 16 job seekers, from enrolment to work\n")
    found = servers.ensure()
    client = MongoClient(found.mongo_uri)
    for name in (*SERVICES, CONSOLE):  # every demo run starts from empty databases
        client.drop_database(f"{PREFIX}_{name}")
    client.close()
    print("starting the four services as separate processes ...")
    with servers.isolated_vhost(found, "kompeten-demo") as amqp_uri, \
            Stack(found, database_prefix=PREFIX, amqp_uri=amqp_uri) as stack:
        for name in SERVICES:
            print(f"  {name:<12} {stack.url(name)}  (log: {stack.log_path(name)})")
        console = stack.start_console()
        print(f"  {CONSOLE:<12} {console}  (log: {stack.log_path(CONSOLE)})")
        rows = scenario.run({name: stack.url(name) for name in SERVICES},
                            issuer=stack.servers.oidc_issuer,
                            progress=lambda line: print(line, flush=True))
        if sys.stdin.isatty():
            stay_open(console, rows)
        print("\nstopping the services ...")
    print()
    print(scenario.table(rows))
    wrong = [r for r in rows if r.observed() != r.expected]
    placed = sum(r.placement == "placed" for r in rows)
    certified = sum(r.certificate != "-" for r in rows)
    print(f"\n{len(rows)} participants, {certified} certified, {placed} placed, "
          f"in {time.monotonic() - started:.1f}s")
    for row in wrong:
        print(f"UNEXPECTED: {row.person.name}: expected {row.expected}, got {row.observed()}",
              file=sys.stderr)
    return 1 if wrong else 0


def stay_open(console: str, rows: list) -> None:
    """The console stays reachable for people to look around, until Ctrl-C."""
    password = identity.dev_credentials()[0]
    users = json.loads(identity.DEV_FILE.read_text())["users"]
    holder = next((r for r in rows if r.certificate != "-"), None)
    print(f"\nThe console is open: {console}  (password for every development user: "
          f"{password})")
    for user in users:
        tenancy = ", ".join(f"{k} {v[0]}" for k, v in user.get("attributes", {}).items())
        print(f"  {user['username']:<26} {', '.join(user['realmRoles']):<22} {tenancy}")
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
    sys.exit(main())
