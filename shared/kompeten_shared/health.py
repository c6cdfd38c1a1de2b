"""Liveness and readiness for every service: mix `HealthChecks` into the service class.

GET /health/live answers while the process serves HTTP; GET /health/ready answers 200 only once
every event consumer is subscribed and the database answers, so a launcher (or Kubernetes) knows
no event published from now on can be missed.
"""

from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer

from .mongo import MongoConnection
from .web import api, error_response


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


class HealthChecks:
    readiness = Readiness()

    @api("GET", "/health/live")
    def live(self, request):
        return {"status": "live"}

    @api("GET", "/health/ready")
    def ready(self, request):
        problems = self.readiness()
        if problems:
            return error_response(503, "not_ready", "; ".join(problems))
        return {"status": "ready"}
