"""Configuration from environment variables, with defaults that work on a developer's machine.

nameko services read the same variables through ${VAR:default} in their config.yaml; this module
serves everything else (the demo, tests, partner consumers).
"""

import os

DEFAULT_AMQP_URI = "pyamqp://guest:guest@localhost:5672/"
DEFAULT_MONGO_URI = "mongodb://localhost:27017/"
DEFAULT_RABBIT_API_URI = "http://guest:guest@localhost:15672"


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI


def mongo_uri() -> str:
    return os.environ.get("MONGO_URI") or DEFAULT_MONGO_URI


def rabbit_api_uri() -> str:
    return os.environ.get("RABBIT_API_URI") or DEFAULT_RABBIT_API_URI


def database_name(service: str) -> str:
    """Each service owns one database; ENROLLMENT_DATABASE etc. override the default name."""
    return os.environ.get(f"{service.upper()}_DATABASE") or f"kompeten_{service}"
