"""The partner SDK: consume Kompeten events in your own process, in a few lines.

    from kompeten_shared.partner import Partner

    partner = Partner("maju-jahit", amqp_uri=os.environ["AMQP_URI"], state_dir="state")

    @partner.on("offer.made")
    def invite(event):            # event.data is validated against the published contract
        ...

    partner.run()

What you get for free:
- only your own queues: the operator provisions `partner.<name>.<event type>` with the
  bindings you are entitled to (`kompeten_deploy.partners`), and your broker user can read those
  and nothing else; the SDK declares nothing, it consumes;
- validation: the CloudEvents envelope and the event's JSON Schema contract (the same marshmallow
  schemas Kompeten's services use);
- idempotency: each event id is handled once, recorded in a SQLite file in `state_dir`;
- dead-lettering: an invalid event or one whose handler raises is rejected; the broker moves it,
  untouched, to `partner.<name>.dead-letter`, and the reason is kept in the state file (see
  `dead_letters()`) and logged without its data.

It needs no database server, no nameko and no eventlet: kombu and the standard library.
"""

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kombu import Connection, Queue

from . import envelope
from .envelope import CloudEvent, InvalidEvent
from .events import event_type, load_data

log = logging.getLogger(__name__)
PREFETCH = 20


def queue_name(partner: str, type_: str) -> str:
    return f"partner.{partner}.{type_}"


def dead_letter_queue_name(partner: str) -> str:
    return f"partner.{partner}.dead-letter"


class Store:
    """Which events were handled, and why some were refused: one SQLite file per partner."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("CREATE TABLE IF NOT EXISTS processed "
                        "(event_id TEXT PRIMARY KEY, type TEXT, at TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS dead_letters "
                        "(event_id TEXT, type TEXT, reason TEXT, at TEXT)")

    def processed(self, event_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM processed WHERE event_id = ?",
                               (event_id,)).fetchone() is not None

    def mark_processed(self, event_id: str, type_: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO processed VALUES (?, ?, ?)",
                        (event_id, type_, datetime.now(UTC).isoformat()))

    def dead_letter(self, event_id: str | None, type_: str | None, reason: str) -> None:
        self.db.execute("INSERT INTO dead_letters VALUES (?, ?, ?, ?)",
                        (event_id, type_, reason[:1000], datetime.now(UTC).isoformat()))

    def dead_letters(self) -> list[dict]:
        rows = self.db.execute("SELECT event_id, type, reason, at FROM dead_letters "
                               "ORDER BY rowid")
        return [dict(zip(("event_id", "type", "reason", "at"), row, strict=True))
                for row in rows]


class Partner:
    def __init__(self, name: str, amqp_uri: str, state_dir: str | Path):
        self.name = name
        self.amqp_uri = amqp_uri
        self.store = Store(Path(state_dir) / f"{name}.sqlite")
        self.handlers: dict[str, Callable[[CloudEvent], None]] = {}

    def on(self, type_: str):
        """Register the handler of one event type (its queue must be provisioned)."""
        event_type(type_)  # an unknown type fails here, at import, not at the first message

        def register(handler):
            self.handlers[type_] = handler
            return handler

        return register

    def dead_letters(self) -> list[dict]:
        return self.store.dead_letters()

    def run(self, should_stop: Callable[[], bool] = lambda: False,
            poll_seconds: float = 1.0) -> None:
        """Consume until should_stop() says so (checked every poll_seconds), or forever."""
        queues = [Queue(queue_name(self.name, t), no_declare=True) for t in self.handlers]
        with Connection(self.amqp_uri, heartbeat=30) as connection:
            with connection.Consumer(queues, callbacks=[self.handle],
                                     accept=["json", "application/json"],
                                     prefetch_count=PREFETCH,
                                     on_decode_error=self._undecodable):
                log.info("%s consuming %s", self.name, ", ".join(q.name for q in queues))
                while not should_stop():
                    try:
                        connection.drain_events(timeout=poll_seconds)
                    except TimeoutError:
                        continue

    def handle(self, body, message) -> None:
        type_ = event_id = None
        try:
            event = envelope.parse(body)
            type_, event_id = event.type, event.id
            expected = message.delivery_info.get("routing_key", "")
            if type_ not in self.handlers or not expected.startswith(type_):
                raise InvalidEvent(f"{type_!r} arrived on routing key {expected!r}")
            producer = event_type(type_).producer
            if event.producer != producer and not event.producer.startswith(f"{producer}-"):
                raise InvalidEvent(f"{type_} must come from {producer}, not {event.source!r}")
            data = load_data(type_, event.data, event.dataschema)
        except InvalidEvent as exc:
            self._refuse(message, event_id, type_, exc.reason)
            return
        if self.store.processed(event_id):
            message.ack()
            return
        try:
            self.handlers[type_](CloudEvent(**{**event.__dict__, "data": data,
                                              "raw_data": event.data}))
        except Exception as exc:  # the partner's own code: never lose the message
            self._refuse(message, event_id, type_,
                         f"handler failed: {type(exc).__name__}: {exc}")
            return
        self.store.mark_processed(event_id, type_)
        message.ack()

    def _undecodable(self, message, exc) -> None:
        self._refuse(message, None, None, f"undecodable message: {exc}")

    def _refuse(self, message, event_id, type_, reason: str) -> None:
        self.store.dead_letter(event_id, type_, reason)
        log.warning("%s dead-lettered %s (%s): %s", self.name, event_id or "a message",
                    type_ or "unknown type", reason)
        message.reject(requeue=False)
