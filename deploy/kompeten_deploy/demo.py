"""`make demo`: servers, four services as processes, the sewing-course scenario, a table.

Exits 1 if any participant did not end where the scenario says it should.
"""

import sys
import time

from pymongo import MongoClient

from . import scenario, servers
from .local import CHECKOUT
from .stack import SERVICES, Stack

# The demo's own databases, one set per checkout, so two checkouts' demos on one server never
# empty each other's.
PREFIX = f"kompeten_demo_{CHECKOUT}"


def main() -> int:
    started = time.monotonic()
    print("Kompeten demo: a 30-day sewing course for 16 job seekers, from enrolment to work\n")
    found = servers.ensure()
    client = MongoClient(found.mongo_uri)
    for name in SERVICES:  # every demo run starts from empty databases
        client.drop_database(f"{PREFIX}_{name}")
    client.close()
    print("starting the four services as separate processes ...")
    with servers.isolated_vhost(found, "kompeten-demo") as amqp_uri, \
            Stack(found, database_prefix=PREFIX, amqp_uri=amqp_uri) as stack:
        for name in SERVICES:
            print(f"  {name:<12} {stack.url(name)}  (log: {stack.log_path(name)})")
        rows = scenario.run({name: stack.url(name) for name in SERVICES},
                            issuer=stack.servers.oidc_issuer,
                            progress=lambda line: print(line, flush=True))
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


if __name__ == "__main__":
    sys.exit(main())
