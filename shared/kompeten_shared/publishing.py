"""`publish = EventPublisher()` in a nameko service gives workers `publish(type, data, subject)`.

The data is checked against the event's contract, wrapped in the CloudEvents envelope and
published with publisher confirms on the service's topic exchange `<service>.events`, with the
event type as routing key (nameko's EventDispatcher does the AMQP part).
"""

from nameko.events import EventDispatcher
from nameko.messaging import Publisher
from nameko.standalone.events import get_event_exchange

from . import envelope
from .events import dump_data, event_type


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
        dispatch = super().get_dependency(worker_ctx)
        service = self.container.service_name

        def publish(type_: str, data: dict, subject: str | None = None,
                    event_id: str | None = None, routing_key: str | None = None) -> dict:
            """`routing_key` narrows delivery below the type, e.g. by LSP code; it must start
            with the type so a binding to the type's pattern still sees it."""
            spec = event_type(type_)
            if spec.producer not in (service, self.family):
                raise ValueError(f"{service} may not publish {type_}; {spec.producer} owns it")
            if routing_key is not None and not routing_key.startswith(f"{type_}."):
                raise ValueError(f"routing key {routing_key!r} must start with {type_}.")
            event = envelope.build(service=service, type=type_, data=dump_data(type_, data),
                                   dataschema=spec.dataschema, subject=subject, id=event_id)
            dispatch(routing_key or type_, event)
            return event

        return publish
