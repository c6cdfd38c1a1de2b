"""The local defaults for the servers, and the variables that override them.

nameko services read AMQP_URI, MONGO_URI and <SERVICE>_DATABASE through ${VAR:default} in their
config.yaml; the provisioning script and the tests use the defaults below.
"""

import os

DEFAULT_AMQP_URI = "pyamqp://guest:guest@localhost:5672/"
DEFAULT_MONGO_URI = "mongodb://localhost:27017/"
DEFAULT_RABBIT_API_URI = "http://guest:guest@localhost:15672"


def rabbit_api_uri() -> str:
    return os.environ.get("RABBIT_API_URI") or DEFAULT_RABBIT_API_URI

