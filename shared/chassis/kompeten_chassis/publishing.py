"""`publish = EventPublisher()` in a nameko service gives workers `publish(type, data, subject)`.

The data is checked against the event's contract, wrapped in the CloudEvents envelope and
published with publisher confirms on the service's topic exchange `<service>.events`, with the
event type as routing key (nameko's EventDispatcher does the AMQP part).
"""

from kompeten_shared import envelope
from kompeten_shared.events import dump_data, event_type
from nameko.events import EventDispatcher
from nameko.messaging import Publisher
from nameko.standalone.events import get_event_exchange

from .observability import CORRELATION_HEADER, PUBLISHED


class EventPublisher(EventDispatcher):
    """`EventPublisher(family="lsp")` publishes on the family's exchange (`lsp.events`) instead
    of the service's own: how every external LSP service (`lsp-<code>`) reaches Kompeten through
    one documented exchange. The envelope's source still names the service itself."""

    def __init__(self, family: str | None = None, **kwargs):
        self.family = family
        super().__init__(**kwargs)

    def setup(self):
        self.exchange = get_event_exchange(self.family or self.container.service_name,
                                           self.container.config)
        self.declare.append(self.exchange)
        Publisher.setup(self)

    def get_dependency(self, worker_ctx):
        return Publish(self, worker_ctx)


class Publish:
    """What a worker gets: `publish(type, data, subject, event_id)` builds, checks and sends an
    event; `stage(...)` only builds it, for an outbox (see outbox.py), and `send(staged)` sends
    one staged earlier."""

    def __init__(self, provider: EventPublisher, worker_ctx):
        self.provider, self.worker_ctx = provider, worker_ctx
        self.service = provider.container.service_name

    def __call__(self, type_: str, data: dict, subject: str | None = None,
                 event_id: str | None = None, clienttoken: str | None = None,
                 correlation_id: str | None = None) -> dict:
        staged = self.stage(type_, data, subject, event_id, clienttoken)
        self.send(staged, correlation_id)
        return staged["event"]

    def stage(self, type_: str, data: dict, subject: str | None = None,
              event_id: str | None = None, clienttoken: str | None = None) -> dict:
        """Published with the type as routing key, or the narrower key the event type declares
        (`assessment.requested.{lsp_code}`, `offer.made.{employer_id}`), filled from the data,
        so a partner's queue can be bound to its own events only."""
        spec = event_type(type_)
        if spec.producer not in (self.service, self.provider.family):
            raise ValueError(f"{self.service} may not publish {type_}; "
                             f"{spec.producer} owns it")
        event = envelope.build(service=self.service, type=type_,
                               data=dump_data(type_, data), dataschema=spec.dataschema,
                               subject=subject, id=event_id, clienttoken=clienttoken)
        return {"event": event,
                "routing_key": spec.routing_key.format(**data) if spec.routing_key else type_}

    def send(self, staged: dict, correlation_id: str | None = None) -> None:
        # Headers read at publish time: they carry the worker's correlation id onward, or the
        # one of the event this one answers within a batch. The publisher waits for the
        # broker's confirm.
        provider = self.provider
        headers = provider.get_message_headers(self.worker_ctx)
        if correlation_id:
            headers[CORRELATION_HEADER] = correlation_id
        provider.publisher.publish(staged["event"], exchange=provider.exchange,
                                   routing_key=staged["routing_key"], extra_headers=headers)
        PUBLISHED.labels(self.service, staged["event"]["type"]).inc()
