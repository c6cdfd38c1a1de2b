"""`@consume("certificate", "certificate.issued")` on a nameko service method.

On top of nameko's reliable, service-pooled event handler it:
- validates the CloudEvents envelope and the data against the event's contract, and calls the
  method with a `CloudEvent` whose `data` is already loaded (dates as dates);
- skips an event id this handler already processed (recorded in the service's own database in
  `processed_events`), so redelivery is harmless; a handler that recognises a repeat by its
  own data (`idempotent=True`: one certificate per decision) is spared that lookup and write,
  two of the few round trips of a hot path;
- dead-letters what it cannot process: an undecodable or invalid message, or one the domain
  refuses, goes to the `kompeten.dead-letter` exchange (queue `<service>.dead-letter`) with the
  reason in the `x-kompeten-reason` header and the original body untouched, ready for replay;
- requeues when the database or the broker is away (a restart) instead of losing the event.

`@consume_batches(...)` hands the method a list of events instead, for a handler that writes
a batch in fewer round trips than one event at a time (certificates: one insert for many).
"""

import json
import logging
import time
from datetime import UTC, datetime
from functools import partial

import eventlet
from amqp.exceptions import ConnectionError as AMQPConnectionError
from kombu import Exchange, Queue
from kombu.exceptions import OperationalError
from kompeten_shared import envelope
from kompeten_shared.envelope import InvalidEvent
from kompeten_shared.errors import DomainError
from kompeten_shared.events import event_type as event_type_spec
from kompeten_shared.events import load_data
from kompeten_shared.vocabulary import FAMILIES
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from .mongo import Contended, MongoConnection
from .observability import CORRELATION_HEADER, CORRELATION_ID, HANDLED, LATENCY

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = Exchange("kompeten.dead-letter", type="topic", durable=True)
PROCESSED = "processed_events"
# The database or the broker went away (a restart), or another writer holds the change: the
# event is requeued, not refused.
TRANSIENT = (ConnectionFailure, ConnectionError, OperationalError, AMQPConnectionError,
             Contended)
RETRY_DELAY = 1.0


def queue_type_arguments(config: dict) -> dict:
    """QUEUE_TYPE=quorum (production, on a cluster) or classic (the default, one node)."""
    queue_type = config.get("QUEUE_TYPE", "classic")
    if queue_type not in ("classic", "quorum"):
        raise ValueError(f"QUEUE_TYPE must be classic or quorum, not {queue_type!r}")
    return {"x-queue-type": "quorum"} if queue_type == "quorum" else {}


def dead_letter_queue(service: str, arguments: dict | None = None) -> Queue:
    return Queue(f"{service}.dead-letter", exchange=DEAD_LETTER_EXCHANGE, routing_key=service,
                 durable=True, queue_arguments=arguments or {})


class DeadLetteringQueueConsumer(QueueConsumer):
    """A message that cannot even be decoded (not JSON, wrong content type) would otherwise
    crash kombu's consume loop and with it the service; dead-letter it instead."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        provider.refuse(message, f"undecodable message: {exc}")


class EventConsumer(EventHandler):
    queue_consumer = DeadLetteringQueueConsumer()
    connection = MongoConnection()

    def __init__(self, source_service: str, event_type: str, routing_key: str | None = None,
                 idempotent: bool = False, **kwargs):
        """`routing_key` binds more narrowly than the type, e.g. `assessment.requested.LSP-RJT`
        for one LSP's requests; the envelope's type must still be `event_type`. A source that
        names a family (`lsp`) accepts its members (`lsp-rjt`)."""
        self.contract_type = event_type
        self.idempotent = idempotent
        # An event type routed more narrowly (offer.made.<employer>) is bound with a wildcard
        # unless one key is asked for.
        narrower = event_type_spec(event_type).routing_key
        routing_key = routing_key or (f"{event_type}.#" if narrower else event_type)
        super().__init__(source_service, routing_key, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False,
                         expected_exceptions=(DomainError,), **kwargs)

    def setup(self):
        super().setup()
        service = self.container.service_name
        self.consumer_name = f"{service}.{self.method_name}"
        self.dead_letter_routing_key = service
        # Anything the broker itself rejects (a length limit, a delivery limit) lands in the
        # same dead-letter queue as what this consumer refuses.
        durability = queue_type_arguments(self.container.config)
        self.queue.queue_arguments = {
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": service, **durability,
        }
        self.dead_letters = Publisher(
            self.container.config[AMQP_URI_CONFIG_KEY],
            declare=[DEAD_LETTER_EXCHANGE, dead_letter_queue(service, durability)],
        )

    # -- the message's way in -------------------------------------------------------------

    def handle_message(self, body, message):
        event = self._checked(body, message)
        if event is None:
            return
        try:
            if not self.idempotent and self._processed(event.id):
                log.info("skipping already processed event %s in %s", event.id,
                         self.consumer_name)
                self._count(event.type, "skipped")
                self._settle(self.queue_consumer.ack_message, message)
                return
        except TRANSIENT as exc:
            self._retry_later(exc, message)
            return
        context_data = self.unpack_message_headers(message)
        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=context_data,
                handle_result=partial(self.handle_result, message, event,
                                      time.perf_counter()),
            )
        except ContainerBeingKilled:
            self._settle(self.queue_consumer.requeue_message, message)

    def handle_result(self, message, event, started, worker_ctx, result=None, exc_info=None):
        LATENCY.labels(self.container.service_name, self.consumer_name, event.type).observe(
            time.perf_counter() - started)
        if exc_info is None:
            if not self.idempotent:
                self._record(event.id, event.type)
            self._count(event.type, "processed")
            self._settle(self.queue_consumer.ack_message, message)
        elif isinstance(exc_info[1], TRANSIENT):
            self._retry_later(exc_info[1], message)
        else:
            self._refuse_failed(message, event, exc_info[1])
        return result, exc_info

    def _refuse_failed(self, message, event, error: BaseException) -> None:
        if isinstance(error, DomainError):
            self.refuse(message, f"{error.code}: {error.message}", error.details, event.id)
        else:
            self.refuse(message, f"handler failed: {type(error).__name__}: {error}", None,
                        event.id)

    def _checked(self, body, message) -> envelope.CloudEvent | None:
        """The event, or None once it is dead-lettered as invalid."""
        try:
            return self._validated(body, message)
        except InvalidEvent as exc:
            self.refuse(message, exc.reason, exc.details)
            return None

    def _validated(self, body, message) -> envelope.CloudEvent:
        event = envelope.parse(body)
        if event.type != self.contract_type:
            raise InvalidEvent(f"event type {event.type!r} arrived on the {self.event_type!r} "
                               "routing key")
        member = self.source_service in FAMILIES and \
            event.producer.startswith(f"{self.source_service}-")
        if event.producer != self.source_service and not member:
            raise InvalidEvent(f"{event.type} must come from {self.source_service}, "
                               f"not {event.source!r}")
        data = load_data(event.type, event.data, event.dataschema)
        trace = (message.headers or {}).get(CORRELATION_HEADER)
        return envelope.CloudEvent(**{**event.__dict__, "data": data, "raw_data": event.data,
                                      "correlation_id": trace})

    def _key(self, event_id: str) -> str:
        return f"{self.consumer_name}:{event_id}"

    def _record(self, event_id: str, type_: str) -> None:
        try:
            self.connection.db[PROCESSED].insert_one({
                "_id": self._key(event_id), "type": type_, "processed_at": datetime.now(UTC)})
        except DuplicateKeyError:
            pass
        except TRANSIENT:
            # The handler's own writes are idempotent; a redelivery would only redo them.
            log.warning("could not record %s as processed", event_id)

    def _processed(self, event_id: str) -> bool:
        return self.connection.db[PROCESSED].find_one({"_id": self._key(event_id)},
                                                      {"_id": 1}) is not None

    def _settle(self, action, message) -> None:
        """Ack or requeue. If the broker connection is gone (a broker restart), it cannot be
        done and need not be: the broker redelivers every unacknowledged message, and the
        handlers skip what they already did. Letting the error escape would kill the
        container, and with it the service."""
        try:
            action(message)
        except Exception as exc:
            log.warning("could not settle a message in %s (%s); the broker will redeliver it",
                        self.consumer_name, type(exc).__name__)

    def _count(self, type_: str, outcome: str) -> None:
        HANDLED.labels(self.container.service_name, self.consumer_name, type_, outcome).inc()

    def _retry_later(self, exc, *messages):
        log.warning("transient failure in %s, requeueing: %s", self.consumer_name, exc)
        eventlet.sleep(RETRY_DELAY)
        for message in messages:
            self._count(self.contract_type, "requeued")
            self._settle(self.queue_consumer.requeue_message, message)

    # -- dead letters -----------------------------------------------------------------------

    def refuse(self, message, reason: str, details=None, event_id: str | None = None):
        """Move the message, untouched, to the dead-letter queue with the reason; then ack it.
        If the dead-letter publish fails the message is requeued, so it is never lost."""
        headers = {
            "x-kompeten-reason": reason[:1000],
            "x-kompeten-consumer": self.consumer_name,
            "x-original-exchange": message.delivery_info.get("exchange", ""),
            "x-original-routing-key": message.delivery_info.get("routing_key", ""),
            "x-dead-lettered-at": datetime.now(UTC).isoformat(),
        }
        if details:
            headers["x-kompeten-details"] = json.dumps(details, default=str)[:4000]
        try:
            self.dead_letters.publish(
                message.body, exchange=DEAD_LETTER_EXCHANGE,
                routing_key=self.dead_letter_routing_key, headers=headers,
                content_type=message.content_type or "application/octet-stream",
                content_encoding=message.content_encoding or "binary",
            )
        except Exception as exc:  # the broker is going away: keep the message where it is
            self._retry_later(exc, message)
            return
        log.warning("dead-lettered %s in %s: %s", event_id or "a message", self.consumer_name,
                    reason)
        self._count(self.contract_type, "dead_lettered")
        self._settle(self.queue_consumer.ack_message, message)


consume = EventConsumer.decorator

BATCH = 50  # events at most in one batch
BATCHES_AT_ONCE = 2  # one writes while the next reads


class BatchQueueConsumer(DeadLetteringQueueConsumer):
    """Its own connection, whose prefetch lets batches fill while others run (nameko's is the
    worker count)."""

    @property
    def prefetch_count(self):
        return BATCH * BATCHES_AT_ONCE


class BatchEventConsumer(EventConsumer):
    """`@consume_batches("assessment", "assessment.decided")`: the method gets a list of events
    (each checked as `consume` checks one). A batch is what arrived while the previous batches
    ran, so a quiet queue still gets each event at once, alone, and a busy one up to BATCH at a
    time. Every event of a batch is acknowledged after the method returns; when it raises, each
    event is handled again alone, so only the one refused is dead-lettered, and all are requeued
    when the database or the broker is away. For handlers that recognise a repeat by their own
    data (no processed-event record is kept) and write each event's results by itself."""

    queue_consumer = BatchQueueConsumer()

    def __init__(self, source_service: str, event_type: str, **kwargs):
        super().__init__(source_service, event_type, idempotent=True, **kwargs)

    def setup(self):
        super().setup()
        self._waiting: list[tuple[envelope.CloudEvent, object]] = []
        self._alone: list[tuple[envelope.CloudEvent, object]] = []
        self._running = 0

    def handle_message(self, body, message):
        event = self._checked(body, message)
        if event is None:
            return
        self._waiting.append((event, message))
        self._start()

    def _start(self):
        while (self._alone or self._waiting) and self._running < BATCHES_AT_ONCE:
            if self._alone:
                batch = [self._alone.pop(0)]
            else:
                batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            context = self.unpack_message_headers(batch[0][1])
            if len(batch) > 1:  # each event's own trace goes with it (CloudEvent)
                context.pop(CORRELATION_ID, None)
            self._running += 1
            try:
                self.container.spawn_worker(
                    self, ([event for event, _ in batch],), {}, context_data=context,
                    handle_result=partial(self._done, batch, time.perf_counter()))
            except ContainerBeingKilled:
                self._running -= 1
                for _, message in batch:
                    self._settle(self.queue_consumer.requeue_message, message)

    def _done(self, batch, started, worker_ctx, result=None, exc_info=None):
        elapsed = time.perf_counter() - started
        for event, _ in batch:
            LATENCY.labels(self.container.service_name, self.consumer_name,
                           event.type).observe(elapsed)
        if exc_info is None:
            for event, message in batch:
                self._count(event.type, "processed")
                self._settle(self.queue_consumer.ack_message, message)
        elif isinstance(exc_info[1], TRANSIENT):
            self._retry_later(exc_info[1], *(message for _, message in batch))
        elif len(batch) > 1:
            log.warning("a batch of %d failed in %s (%s): each again alone", len(batch),
                        self.consumer_name, type(exc_info[1]).__name__)
            self._alone.extend(batch)
        else:
            (event, message), = batch
            self._refuse_failed(message, event, exc_info[1])
        self._running -= 1
        self._start()
        return result, exc_info


consume_batches = BatchEventConsumer.decorator
