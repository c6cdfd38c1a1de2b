"""What every service answers besides its own routes: mix `StandardEndpoints` into the class.

GET /health/live answers while the process serves HTTP; GET /health/ready answers 200 only once
every event consumer is subscribed and the database answers, so a launcher (or Kubernetes) knows
no event published from now on can be missed. GET /openapi.json describes the service's HTTP API.
GET /metrics serves Prometheus metrics (see observability.py).
"""

from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.wrappers import Response

from . import openapi
from .mongo import MongoConnection
from .observability import Metrics, WorkerContext
from .web import PUBLIC, api, error_response


class Readiness(DependencyProvider):
    connection = MongoConnection()

    def get_dependency(self, worker_ctx):
        def problems() -> list[str]:
            found = []
            consumers = [ext for ext in self.container.extensions
                         if isinstance(ext, QueueConsumer)]
            if not all(c._consumers_ready.ready() for c in consumers):
                found.append("event consumers are not subscribed yet")
            try:
                self.connection.client.admin.command("ping")
            except Exception as exc:
                found.append(f"database unavailable: {type(exc).__name__}")
            return found

        return problems


class ApiDocument(DependencyProvider):
    """The OpenAPI document, built once from the service class's routes."""

    def setup(self):
        self.document = openapi.document(self.container.service_cls,
                                         self.container.config.get("OIDC_ISSUER"))

    def get_dependency(self, worker_ctx):
        return self.document


class StandardEndpoints:
    readiness = Readiness()
    api_document = ApiDocument()
    worker_context = WorkerContext()
    metrics = Metrics()

    @api("GET", "/health/live", allow=PUBLIC)
    def live(self, request):
        """Liveness: the process serves HTTP."""
        return {"status": "live"}

    @api("GET", "/health/ready", allow=PUBLIC)
    def ready(self, request):
        """Readiness: consumers subscribed and database reachable (503 with reasons if not)."""
        problems = self.readiness()
        if problems:
            return error_response(503, "not_ready", "; ".join(problems))
        return {"status": "ready"}

    @api("GET", "/openapi.json", allow=PUBLIC)
    def openapi(self, request):
        """This document."""
        return self.api_document

    @api("GET", "/metrics", allow=PUBLIC)
    def prometheus(self, request):
        """Prometheus metrics: events handled by outcome, handler latency, events published,
        queue depths."""
        return Response(self.metrics(), mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                        headers={"Content-Type": CONTENT_TYPE_LATEST})
