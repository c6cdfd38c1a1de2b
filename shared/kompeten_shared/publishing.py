"""`publish = EventPublisher()` in a nameko service gives workers `publish(type, data, subject)`.

The data is checked against the event's contract, wrapped in the CloudEvents envelope and
published with publisher confirms on the service's topic exchange `<service>.events`, with the
event type as routing key (nameko's EventDispatcher does the AMQP part).
"""

from nameko.events import EventDispatcher

from . import envelope
from .events import dump_data, event_type


class EventPublisher(EventDispatcher):
    def get_dependency(self, worker_ctx):
        dispatch = super().get_dependency(worker_ctx)
        service = self.container.service_name

        def publish(type_: str, data: dict, subject: str | None = None,
                    event_id: str | None = None) -> dict:
            spec = event_type(type_)
            if spec.producer != service:
                raise ValueError(f"{service} may not publish {type_}; {spec.producer} owns it")
            event = envelope.build(service=service, type=type_, data=dump_data(type_, data),
                                   dataschema=spec.dataschema, subject=subject, id=event_id)
            dispatch(type_, event)
            return event

        return publish
