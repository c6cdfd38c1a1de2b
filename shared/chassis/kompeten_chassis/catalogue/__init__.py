"""The machine-readable event catalogue: an AsyncAPI 3.0 document generated from events.EVENTS.

    python -m kompeten_chassis.catalogue write   # regenerate kompeten_shared/asyncapi.yaml
    python -m kompeten_chassis.catalogue check   # exit 1 if the checked-in file is stale
    python -m kompeten_chassis.catalogue schema certificate.issued   # one JSON Schema

Data schemas are converted by apispec's marshmallow plugin (OpenAPI 3.1 schemas are JSON Schema
2020-12), so the marshmallow classes stay the single source of truth.
"""

import copy
import json
import re
import sys
from functools import cache
from pathlib import Path

import kompeten_shared
import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from kompeten_shared.envelope import CONTENT_TYPE, SPECVERSION
from kompeten_shared.events import EVENTS, event_type

# The document ships with the contract package; it is generated here, where apispec is.
PATH = Path(kompeten_shared.__file__).with_name("asyncapi.yaml")
# 2.0.0: assessment.decided and assessment.decision_submitted v2 spell `asesor_reg` (was
# `assessor_reg`), the one spelling of the glossary. 2.1.0: training.completed names the
# agency that ran the programme (`agency`, optional). 2.2.0: training.completed names the
# certificates the programme leads to (`certificates`, optional). 3.0.0: graduate.placed v2
# states its `basis` and may carry no certificate_number (an apprentice from an intake).
# 3.1.0: holder.identified (enrollment attests a certificate's holder by a salted NIK hash).
CATALOGUE_VERSION = "3.1.0"
DEAD_LETTER_EXCHANGE = "kompeten.dead-letter"

ENVELOPE = {
    "type": "object",
    "description": "CloudEvents 1.0, structured JSON mode.",
    "required": ["specversion", "id", "source", "type", "time", "datacontenttype",
                 "dataschema", "data"],
    "properties": {
        "specversion": {"const": SPECVERSION},
        "id": {"type": "string", "minLength": 1,
               "description": "Unique per event; consumers deduplicate on it."},
        "source": {"type": "string", "description": "/kompeten/<producing service>"},
        "type": {"type": "string", "description": "The event type, also the routing key."},
        "time": {"type": "string", "format": "date-time"},
        "subject": {"type": ["string", "null"],
                    "description": "The aggregate the event is about, usually a participant id."},
        "datacontenttype": {"const": CONTENT_TYPE},
        "dataschema": {"type": "string", "description": "urn:kompeten:schema:<type>:<version>"},
        "data": {"type": "object"},
    },
}


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


@cache
def _data_schemas() -> dict:
    spec = APISpec("kompeten", CATALOGUE_VERSION, "3.1.0",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)])
    for schema in dict.fromkeys(spec_type.schema for spec_type in EVENTS.values()):
        spec.components.schema(_schema_name(schema), schema=schema)  # types may share one
    return spec.to_dict()["components"]["schemas"]


def build() -> dict:
    schemas = {"CloudEventEnvelope": ENVELOPE, **copy.deepcopy(_data_schemas())}
    channels, operations, messages = {}, {}, {}
    for name, spec_type in EVENTS.items():
        data_ref = f"#/components/schemas/{_schema_name(spec_type.schema)}"
        messages[name] = {
            "name": name,
            "title": name,
            "summary": spec_type.summary,
            "contentType": CONTENT_TYPE,
            "payload": {"allOf": [
                {"$ref": "#/components/schemas/CloudEventEnvelope"},
                {"type": "object", "properties": {
                    "type": {"const": name},
                    "source": {"const": f"/kompeten/{spec_type.producer}"},
                    "dataschema": {"const": spec_type.dataschema},
                    "data": {"$ref": data_ref},
                }},
            ]},
        }
        address = spec_type.routing_key or name
        channels[name] = {
            "address": address,
            "description": f"Routing key {address} on the topic exchange "
                           f"{spec_type.producer}.events.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {"amqp": {
                "is": "routingKey",
                "exchange": {"name": f"{spec_type.producer}.events", "type": "topic",
                             "durable": True, "autoDelete": False, "vhost": "/"},
                "bindingVersion": "0.3.0",
            }},
        }
        if spec_type.routing_key:
            channels[name]["parameters"] = {
                param: {"description": f"the {param} of the event's data"}
                for param in re.findall(r"{(\w+)}", spec_type.routing_key)}
        operations[f"{spec_type.producer}.publishes.{name}"] = {
            "action": "send",
            "summary": f"The {spec_type.producer} service publishes {name}.",
            "channel": {"$ref": f"#/channels/{name}"},
            "messages": [{"$ref": f"#/channels/{name}/messages/{name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Kompeten events",
            "version": CATALOGUE_VERSION,
            "description": (
                "Events exchanged by Kompeten's services and partners. Each message is a "
                "CloudEvents 1.0 JSON envelope published on the producing service's topic "
                "exchange (<service>.events) with the event type as routing key. Consumers "
                "deduplicate by event id. A consumer that refuses a message dead-letters it to "
                f"the {DEAD_LETTER_EXCHANGE} exchange with the reason in the x-kompeten-reason "
                "header. Fields marked x-personal-data hold personal data under UU PDP "
                "(Law 27/2022); no event carries a NIK."
            ),
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"local": {"host": "localhost:5672", "protocol": "amqp",
                              "protocolVersion": "0.9.1"}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> str:
    header = "# Generated by `python -m kompeten_chassis.catalogue write`; do not edit by hand.\n"
    return header + yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=100)


def json_schema(name: str) -> dict:
    """A self-contained JSON Schema (2020-12) for one event type's data, for any language."""
    schemas = _data_schemas()
    root = _schema_name(event_type(name).schema)
    defs, pending = {}, [root]
    while pending:
        current = pending.pop()
        if current in defs:
            continue
        defs[current] = copy.deepcopy(schemas[current])
        pending.extend(_refs(defs[current]))
    document = _rewrite_refs(defs.pop(root))
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["$id"] = event_type(name).dataschema
    if defs:
        document["$defs"] = {key: _rewrite_refs(value) for key, value in defs.items()}
    return document


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _rewrite_refs(node):
    if isinstance(node, dict):
        return {key: (value.replace("#/components/schemas/", "#/$defs/") if key == "$ref"
                      else _rewrite_refs(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(value) for value in node]
    return node


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "write":
        PATH.write_text(render())
        print(f"wrote {PATH}")
        return 0
    if command == "check":
        if not PATH.exists() or PATH.read_text() != render():
            print(f"{PATH} is stale: run `python -m kompeten_chassis.catalogue write`",
                  file=sys.stderr)
            return 1
        print(f"{PATH} is up to date")
        return 0
    if command == "schema" and len(argv) == 2:
        print(json.dumps(json_schema(argv[1]), indent=2))
        return 0
    print("usage: python -m kompeten_chassis.catalogue write|check|schema <event type>",
          file=sys.stderr)
    return 2
