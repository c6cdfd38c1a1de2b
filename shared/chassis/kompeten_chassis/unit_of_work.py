"""The unit of work a use case runs in (cosmicpython's service layer and unit of work, on a
document store), and the nameko dependency that hands one to every worker.

    uow = UnitsOfWork(prepare=repository.prepare, cases=Repository, registry=Registry)

    def decide(uow, caller, case_id, now):            # a use case, in handlers.py
        with uow:
            case = uow.cases.get(case_id)
            case.decide(...)
            uow.cases.save(case, uow.stage("assessment.decided", ..., subject=...))
        return case                                    # the event is on its way

A MongoDB-wire server commits one document at a time (FerretDB has no multi-document
transactions), so a state change and the events it causes are one document write: the
repository puts the staged events into that document's outbox (outbox.py). Leaving the block
sends every outbox the block's writes filled, whether it ended well or not (what was written
stays written; its events must follow). A worker that dies first leaves them to the relay timer.

Repositories subclass `Repository` (the database, the outboxes its writes filled, the personal
data access log); tests hand a worker a `UnitOfWork` over in-memory fakes instead
(kompeten_chassis.testing).
"""

from datetime import datetime

from kompeten_shared.caller import Caller
from nameko.extensions import DependencyProvider
from nameko.timer import timer
from pymongo.database import Database

from . import outbox, privacy
from .mongo import MongoConnection
from .publishing import EventPublisher, Publish


class Repository:
    """Base of a service's repositories. `outbox_collections` names the collections whose
    documents carry an outbox; a write with staged events goes through `with_outbox` (an update)
    or `new_with_outbox` (a new document), so the unit of work knows what to send."""

    outbox_collections: tuple[str, ...] = ()

    def __init__(self, db: Database):
        self.db = db
        self._filled: list[tuple[str, object]] = []

    def with_outbox(self, collection: str, doc_id, update: dict,
                    staged: dict | list[dict] | None) -> dict:
        """`update` plus pushing the staged event(s) into the document's outbox; to be written
        right after this call."""
        if not staged:
            return update
        entries = self.filling(collection, doc_id, staged)
        return {**update, "$push": {outbox.FIELD: {"$each": entries}}}

    def new_with_outbox(self, collection: str, doc: dict,
                        staged: dict | list[dict] | None) -> dict:
        """A new document holding the staged event(s) in its outbox; to be written right after
        this call."""
        if not staged:
            return doc
        return {**doc, outbox.FIELD: self.filling(collection, doc["_id"], staged)}

    def filling(self, collection: str, doc_id, staged: dict | list[dict]) -> list[dict]:
        """Before a write that puts staged events into the document's outbox (repositories
        that write the document whole call it themselves): the outbox entries to write, marked
        for the relay and remembered to be sent when the unit of work ends."""
        assert collection in self.outbox_collections, f"{collection} has no outbox"
        entries = outbox.entries(staged)
        outbox.mark(self.db, collection, doc_id, entries)
        self._filled.append((collection, doc_id))
        return entries

    def send_outboxes(self, send) -> int:
        sent = 0
        while self._filled:
            collection, doc_id = self._filled.pop(0)
            sent += outbox.relay(self.db, collection, doc_id, send)
        return sent

    def relay_pending(self, send) -> int:
        return outbox.relay_pending(self.db, self.outbox_collections, send)

    # personal data: who read whose, for what (privacy.py) ------------------------------------
    def record_access(self, caller: Caller, participant_ids: list[str], purpose: str,
                      path: str, at: datetime) -> None:
        privacy.record(self.db, caller, participant_ids, purpose, path, at)

    def access_log(self, participant_id: str) -> list[dict]:
        return privacy.log(self.db, participant_id)


class UnitOfWork:
    """The repositories (`uow.<name>`), staging events for a write, and sending them after."""

    def __init__(self, publish: Publish, **repositories):
        self._publish = publish
        self._repositories = repositories
        for name, repository in repositories.items():
            setattr(self, name, repository)

    def stage(self, type_: str, data: dict, subject: str | None = None,
              event_id: str | None = None) -> dict:
        """An event checked against its contract, to be written with the change it records."""
        return self._publish.stage(type_, data, subject, event_id)

    def publish(self, type_: str, data: dict, subject: str | None = None,
                event_id: str | None = None, correlation_id: str | None = None) -> dict:
        """An event that records no change here (a manual repeat of one already recorded);
        `correlation_id`: of the event it answers, where a worker handles several."""
        return self._publish(type_, data, subject, event_id, correlation_id=correlation_id)

    def __enter__(self) -> "UnitOfWork":
        return self

    def __exit__(self, *exc_info) -> None:
        self.commit()

    def commit(self) -> int:
        """Send what this unit's writes put into outboxes."""
        return sum(r.send_outboxes(self._publish.send) for r in self._repositories.values())

    def relay_pending(self) -> int:
        """What crashed workers wrote but did not send (from the relay timer)."""
        return sum(r.relay_pending(self._publish.send) for r in self._repositories.values())


class UnitsOfWork(DependencyProvider):
    """`uow = UnitsOfWork(prepare=..., name=RepositoryClass, ...)`: each worker gets a
    UnitOfWork over fresh repositories of the service's database, publishing with the service's
    EventPublisher; `prepare(db)` (indexes, seed data) runs once at start."""

    connection = MongoConnection()

    def __init__(self, prepare=None, **repositories: type[Repository]):
        self.prepare = prepare
        self.repositories = repositories
        super().__init__()

    def setup(self):
        publishers = [d for d in self.container.dependencies if isinstance(d, EventPublisher)]
        if len(publishers) != 1:
            raise TypeError(f"{self.container.service_name}: a unit of work needs exactly one "
                            f"EventPublisher, found {len(publishers)}")
        self.publisher = publishers[0]

    def start(self):
        if self.prepare is not None:
            self.prepare(self.connection.db)

    def get_dependency(self, worker_ctx) -> UnitOfWork:
        db = self.connection.db
        return UnitOfWork(Publish(self.publisher, worker_ctx),
                          **{name: cls(db) for name, cls in self.repositories.items()})


class Relay:
    """Mixed into a service with a `uow = UnitsOfWork(...)`: the one timer that sends what a
    crashed worker wrote into an outbox but did not send."""

    @timer(interval=outbox.RELAY_SECONDS)
    def relay_outbox(self):
        """Events a crashed worker wrote but did not send."""
        self.uow.relay_pending()
