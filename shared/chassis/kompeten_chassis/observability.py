"""Metrics, and logs that say which event and which chain they belong to.

Prometheus metrics (prometheus_client), served by every service at GET /metrics:
- kompeten_events_handled_total{service, consumer, type, outcome}: processed, skipped
  (a repeat), dead_lettered, requeued;
- kompeten_event_handler_seconds{service, consumer, type}: handler latency;
- kompeten_events_published_total{service, type};
- kompeten_queue_depth{service, queue}: messages waiting in each queue the service consumes and
  in its dead-letter queue, read from the broker at scrape time.

Logs: `ContextFilter` adds `service`, `entrypoint`, `event_id` and `correlation_id` to every
record a worker writes, for a JSON formatter (python-json-logger) to print. The correlation id
is set by the first worker of a chain (an HTTP request, a timer) and travels in the headers of
every event it causes, through every service. Log ids and codes, never personal data: the
records carry no event data.
"""

import contextvars
import logging

from kombu import Connection
from kompeten_shared.envelope import CloudEvent
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry()
HANDLED = Counter("kompeten_events_handled", "Events handled by a consumer, by outcome",
                  ["service", "consumer", "type", "outcome"], registry=REGISTRY)
LATENCY = Histogram("kompeten_event_handler_seconds", "Event handler latency",
                    ["service", "consumer", "type"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
PUBLISHED = Counter("kompeten_events_published", "Events published", ["service", "type"],
                    registry=REGISTRY)
QUEUE_DEPTH = Gauge("kompeten_queue_depth", "Messages waiting in a queue the service reads",
                    ["service", "queue"], registry=REGISTRY)

CONTEXT: contextvars.ContextVar[dict | None] = contextvars.ContextVar("kompeten_log_context",
                                                                      default=None)
CORRELATION_ID = "correlation_id"
CORRELATION_HEADER = f"nameko.{CORRELATION_ID}"  # how nameko carries it in a message


class ContextFilter(logging.Filter):
    """Adds the current worker's service, entrypoint, event id and correlation id."""

    FIELDS = ("service", "entrypoint", "event_id", "correlation_id")

    def filter(self, record: logging.LogRecord) -> bool:
        context = CONTEXT.get() or {}
        for field in self.FIELDS:
            if not hasattr(record, field):
                setattr(record, field, context.get(field))
        return True


def _event_ids(args: tuple) -> str | list[str] | None:
    """The id of the event a worker handles, or the ids of a batch of several."""
    for arg in args:
        if isinstance(arg, CloudEvent):
            return arg.id
        if isinstance(arg, list) and arg and all(isinstance(a, CloudEvent) for a in arg):
            return arg[0].id if len(arg) == 1 else [a.id for a in arg]
    return None


class WorkerContext(DependencyProvider):
    """Sets the log context in each worker (its own greenlet, so its own context), and starts a
    correlation id where none came with the request or event; nameko copies it into the
    headers of every event the worker publishes."""

    def worker_setup(self, worker_ctx):
        worker_ctx.data.setdefault(CORRELATION_ID, worker_ctx.call_id)
        CONTEXT.set({"service": worker_ctx.service_name,
                     "entrypoint": worker_ctx.entrypoint.method_name,
                     "event_id": _event_ids(worker_ctx.args),
                     "correlation_id": worker_ctx.data[CORRELATION_ID]})

    def worker_teardown(self, worker_ctx):
        CONTEXT.set(None)


class Metrics(DependencyProvider):
    """GET /metrics: the counters, with each consumed queue's depth read at scrape time."""

    def get_dependency(self, worker_ctx):
        return self.render

    def render(self) -> bytes:
        service = self.container.service_name
        queues = sorted({ext.queue.name for ext in self.container.entrypoints
                         if getattr(ext, "queue", None) is not None}
                        | {f"{service}.dead-letter"})
        try:
            with Connection(self.container.config[AMQP_URI_CONFIG_KEY]) as connection:
                channel = connection.default_channel
                for queue in queues:
                    try:
                        _, depth, _ = channel.queue_declare(queue, passive=True)
                    except Exception:  # not declared yet: nothing waits in it
                        channel = connection.channel()
                        depth = 0
                    QUEUE_DEPTH.labels(service, queue).set(depth)
        except OSError:
            pass  # the broker is away: readiness says so; the counters still serve
        return generate_latest(REGISTRY)
