import uuid

import pytest
from kompeten_deploy.servers import isolated_vhost
from kompeten_deploy.stack import SERVICES, Stack


@pytest.fixture(scope="module")
def stack(request, servers, mongo, tmp_path_factory):
    """The four services as separate processes on their own vhost and databases, for one test
    module (named after it), dropped afterwards."""
    label = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    prefix = f"{label}_{uuid.uuid4().hex[:8]}"
    with isolated_vhost(servers, label) as amqp_uri:
        running = Stack(servers, database_prefix=prefix, amqp_uri=amqp_uri,
                        log_dir=tmp_path_factory.mktemp("logs"))
        with running:
            yield running
    for name in SERVICES:
        mongo.drop_database(running.database(name))
