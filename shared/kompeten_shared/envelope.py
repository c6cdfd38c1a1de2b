"""The CloudEvents 1.0 envelope (structured JSON mode), built and parsed only here.

Every Kompeten event on the bus is one JSON object:

    {"specversion": "1.0", "id": "...", "source": "/kompeten/certificate",
     "type": "certificate.issued", "time": "2026-11-24T10:00:00Z",
     "subject": "<participant id>", "datacontenttype": "application/json",
     "dataschema": "urn:kompeten:schema:certificate.issued:1", "data": {...}}
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
SOURCE_PREFIX = "/kompeten/"


class InvalidEvent(Exception):
    """An event that breaks the contract. `reason` goes into the dead-letter headers."""

    def __init__(self, reason: str, details: Any = None):
        super().__init__(reason)
        self.reason = reason
        self.details = details


class EnvelopeSchema(Schema):
    class Meta:
        # CloudEvents allows extension attributes; we neither need nor reject them.
        unknown = EXCLUDE

    specversion = fields.String(required=True, validate=validate.Equal(SPECVERSION))
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.Length(min=1, max=500))
    type = fields.String(required=True, validate=validate.Length(min=1, max=200))
    time = fields.AwareDateTime(required=True, format="iso")
    subject = fields.String(load_default=None, allow_none=True)
    datacontenttype = fields.String(required=True, validate=validate.Equal(CONTENT_TYPE))
    dataschema = fields.String(required=True)
    data = fields.Dict(required=True)
    # Extension attribute: the producing program's own access token (OAuth client
    # credentials), where a consumer ties an event to an OpenID Connect client (an external
    # LSP's decisions). Short-lived; never personal data.
    clienttoken = fields.String(load_default=None, validate=validate.Length(max=8000))


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str
    type: str
    time: datetime
    subject: str | None
    dataschema: str
    data: dict
    raw_data: dict | None = None  # the data as it came over the wire, for signatures
    clienttoken: str | None = None
    # Not part of the envelope: the trace it arrived in (a message header), carried on to
    # the events it causes when one worker handles several (a batch).
    correlation_id: str | None = None

    @property
    def producer(self) -> str:
        """The producing service's name, taken from the source attribute."""
        return self.source.removeprefix(SOURCE_PREFIX)

    def wire(self) -> dict:
        """The JSON envelope with the data as it came over the wire, to pass the event on."""
        wire = {"specversion": SPECVERSION, "id": self.id, "source": self.source,
                "type": self.type,
                "time": self.time.isoformat().replace("+00:00", "Z"), "subject": self.subject,
                "datacontenttype": CONTENT_TYPE, "dataschema": self.dataschema,
                "data": self.raw_data if self.raw_data is not None else self.data}
        return {**wire, "clienttoken": self.clienttoken} if self.clienttoken else wire


_envelope = EnvelopeSchema()


def source_of(service: str) -> str:
    return f"{SOURCE_PREFIX}{service}"


def build(*, service: str, type: str, data: dict, dataschema: str,
          subject: str | None = None, id: str | None = None,
          time: datetime | None = None, clienttoken: str | None = None) -> dict:
    """The JSON-ready envelope around already serialised `data`."""
    extension = {"clienttoken": clienttoken} if clienttoken else {}
    return {**extension,
        "specversion": SPECVERSION,
        "id": id or str(uuid.uuid4()),
        "source": source_of(service),
        "type": type,
        "time": (time or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "subject": subject,
        "datacontenttype": CONTENT_TYPE,
        "dataschema": dataschema,
        "data": data,
    }


def parse(body: Any) -> CloudEvent:
    """Validate the envelope (not yet the data) or raise InvalidEvent naming what is wrong."""
    if not isinstance(body, dict):
        raise InvalidEvent(f"envelope must be a JSON object, got {type(body).__name__}")
    try:
        loaded = _envelope.load(body)
    except ValidationError as exc:
        raise InvalidEvent("invalid CloudEvents envelope", exc.messages) from exc
    return CloudEvent(
        id=loaded["id"], source=loaded["source"], type=loaded["type"], time=loaded["time"],
        subject=loaded["subject"], dataschema=loaded["dataschema"], data=loaded["data"],
        clienttoken=loaded["clienttoken"],
    )
