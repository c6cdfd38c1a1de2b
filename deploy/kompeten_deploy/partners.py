"""Broker permissions for partners: each partner gets its own RabbitMQ user that can read only
its own queues, bound to the events it is entitled to, and can publish nothing.

    python -m kompeten_deploy.partners partners.json > definitions.json   # RabbitMQ definitions
    python -m kompeten_deploy.partners partners.json --import              # load into RabbitMQ

partners.json lists the partners:

    [{"name": "maju-jahit", "password": "...", "employer_id": "e-17",
      "events": ["offer.made", "graduate.placed", "certificate.issued"]}]

For each partner the definitions hold (RabbitMQ's definitions format, importable with
`rabbitmqctl import_definitions` or the management API):
- user `partner-<name>` (password stored as RabbitMQ's salted SHA-256 hash), no tags;
- permissions on the virtual host: configure none, write none, read `^partner\\.<name>\\.`:
  it can consume and acknowledge on its own queues, and cannot declare, bind, publish, or read
  another partner's queue;
- a durable queue `partner.<name>.<event type>` per event, bound to the producer's exchange
  with the event's routing key narrowed to the partner where the event is routed by employer
  (`offer.made.<employer_id>`), else the type (`certificate.issued`: no personal data);
- the dead-letter queue `partner.<name>.dead-letter` for what the partner's consumer rejects.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys
from urllib.parse import quote, urlparse

from kompeten_shared.events import event_type
from kompeten_shared.partner import dead_letter_queue_name, queue_name

DEAD_LETTER_EXCHANGE = "kompeten.partner-dead-letter"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")


class InvalidPartner(ValueError):
    pass


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = salt or os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def routing_key(type_: str, partner: dict) -> str:
    spec = event_type(type_)
    if spec.routing_key is None:
        return type_
    if "{employer_id}" in spec.routing_key and partner.get("employer_id"):
        return spec.routing_key.format(employer_id=partner["employer_id"])
    raise InvalidPartner(f"partner {partner['name']}: {type_} is routed by "
                         f"{spec.routing_key}; the partner needs the matching id")


def definitions(partners: list[dict], vhost: str) -> dict:
    users, permissions, queues, bindings, exchanges = [], [], [], [], {}
    for n, partner in enumerate(partners, 1):
        name = partner.get("name", "")
        if not NAME.match(name):
            raise InvalidPartner(f"partner {n}: name {name!r} must be lowercase letters, digits "
                                 "and dashes")
        if len(partner.get("password") or "") < 12:
            raise InvalidPartner(f"partner {name}: password needs 12 characters or more")
        users.append({"name": f"partner-{name}", "password_hash": password_hash(
            partner["password"]), "hashing_algorithm": "rabbit_password_hashing_sha256",
            "tags": []})
        permissions.append({"user": f"partner-{name}", "vhost": vhost, "configure": "^$",
                            "write": "^$", "read": f"^partner\\.{re.escape(name)}\\."})
        queues.append({"name": dead_letter_queue_name(name), "vhost": vhost, "durable": True,
                       "auto_delete": False, "arguments": {}})
        bindings.append({"source": DEAD_LETTER_EXCHANGE, "vhost": vhost,
                         "destination": dead_letter_queue_name(name),
                         "destination_type": "queue", "routing_key": f"partner.{name}",
                         "arguments": {}})
        for type_ in partner.get("events", []):
            producer = event_type(type_).producer
            exchanges[f"{producer}.events"] = "topic"
            queues.append({"name": queue_name(name, type_), "vhost": vhost, "durable": True,
                           "auto_delete": False, "arguments": {
                               "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                               "x-dead-letter-routing-key": f"partner.{name}"}})
            bindings.append({"source": f"{producer}.events", "vhost": vhost,
                             "destination": queue_name(name, type_),
                             "destination_type": "queue",
                             "routing_key": routing_key(type_, partner), "arguments": {}})
    exchanges[DEAD_LETTER_EXCHANGE] = "topic"
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": permissions,
            "exchanges": [{"name": exchange, "vhost": vhost, "type": kind, "durable": True,
                           "auto_delete": False, "internal": False, "arguments": {}}
                          for exchange, kind in sorted(exchanges.items())],
            "queues": queues, "bindings": bindings}


def import_definitions(rabbit_api_uri: str, document: dict) -> None:
    import requests

    api = urlparse(rabbit_api_uri)
    base = f"{api.scheme}://{api.hostname}:{api.port}/api"
    response = requests.post(f"{base}/definitions", json=document, timeout=30,
                             auth=(api.username or "guest", api.password or "guest"))
    response.raise_for_status()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("partners", help="JSON file listing the partners")
    parser.add_argument("--vhost", default=os.environ.get("RABBIT_VHOST", "/"))
    parser.add_argument("--import", dest="load", action="store_true",
                        help="load into the RabbitMQ at RABBIT_API_URI instead of printing")
    args = parser.parse_args(argv)
    try:
        with open(args.partners) as source:
            document = definitions(json.load(source), args.vhost)
    except (OSError, ValueError) as exc:
        print(f"{args.partners}: {exc}", file=sys.stderr)
        return 2
    if args.load:
        import_definitions(os.environ.get("RABBIT_API_URI", "http://guest:guest@localhost:15672"),
                           document)
        print(f"imported {len(document['users'])} partner(s) into vhost {quote(args.vhost)}")
    else:
        json.dump(document, sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
