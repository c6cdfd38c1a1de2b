"""For use-case tests without servers: a worker gets a UnitOfWork over in-memory repositories
and an event recorder, through nameko's `worker_factory`.

    service = worker_factory(AssessmentService,
                             uow=fake_unit_of_work("assessment", cases=InMemoryCases()))
    service.decide(None, case_id, body={}, caller=plenary)
    assert service.uow.events.types() == ["assessment.decided"]

The recorder checks every event against its contract exactly as the real publisher does, so a
use case that would break the contract fails here first.
"""

from kompeten_shared import envelope
from kompeten_shared.events import dump_data, event_type

from .unit_of_work import UnitOfWork


class RecordedEvents:
    """Stands in for the worker's Publish: events are built and checked, then kept in `sent`."""

    def __init__(self, service: str):
        self.service = service
        self.sent: list[dict] = []

    def stage(self, type_: str, data: dict, subject: str | None = None,
              event_id: str | None = None, clienttoken: str | None = None) -> dict:
        spec = event_type(type_)
        assert spec.producer == self.service, f"{self.service} may not publish {type_}"
        return {"event": envelope.build(service=self.service, type=type_,
                                        data=dump_data(type_, data), dataschema=spec.dataschema,
                                        subject=subject, id=event_id, clienttoken=clienttoken),
                "routing_key": spec.routing_key.format(**data) if spec.routing_key else type_}

    def send(self, staged: dict) -> None:
        self.sent.append(staged["event"])

    def __call__(self, type_: str, data: dict, subject: str | None = None,
                 event_id: str | None = None, clienttoken: str | None = None,
                 correlation_id: str | None = None) -> dict:
        staged = self.stage(type_, data, subject, event_id, clienttoken)
        self.send(staged)
        return staged["event"]

    def types(self) -> list[str]:
        return [event["type"] for event in self.sent]


class InMemoryRepository:
    """Base of the in-memory fakes: staged events wait in `outbox` until the unit of work
    commits, as they wait in a document's outbox for real."""

    def __init__(self):
        self.outbox: list[dict] = []
        self.accesses: list[dict] = []

    def keep(self, staged: dict | list[dict] | None) -> None:
        if staged:
            self.outbox.extend(staged if isinstance(staged, list) else [staged])

    def send_outboxes(self, send) -> int:
        sent, self.outbox = self.outbox, []
        for staged in sent:
            send(staged)
        return len(sent)

    def relay_pending(self, send) -> int:
        return 0

    def record_access(self, caller, participant_ids, purpose, path, at) -> None:
        self.accesses += [{"participant_id": p, "by": caller.actor, "purpose": purpose}
                          for p in participant_ids]

    def access_log(self, participant_id: str) -> list[dict]:
        return [a for a in self.accesses if a["participant_id"] == participant_id]


def fake_unit_of_work(service: str, **repositories) -> UnitOfWork:
    """A UnitOfWork over in-memory repositories; its events are in `.events`."""
    events = RecordedEvents(service)
    uow = UnitOfWork(events, **repositories)
    uow.events = events
    return uow
