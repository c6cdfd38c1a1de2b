"""Servers of the fault suite's own: a RabbitMQ node and a FerretDB that tests may restart
without disturbing the development servers every other test uses."""

import subprocess
import uuid

import pytest
from kompeten_deploy import identity, rabbit_cluster, servers
from kompeten_deploy.local import free_port


class FerretDB:
    """A FerretDB of the suite's own, restartable on the same port and data."""

    def __init__(self, data):
        self.binary = servers.ferretdb_binary()
        if self.binary is None:
            pytest.fail("the fault suite needs FerretDB: run `make servers`")
        self.data, self.port, self.process = data, free_port(), None
        self.uri = f"mongodb://127.0.0.1:{self.port}/"

    def start(self):
        self.data.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            servers.ferretdb_command(self.binary, self.data, self.port)
            + ["--debug-addr=-", "--log-level=error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.wait_for(lambda: servers.mongo_answers(self.uri), "FerretDB", 30)

    def kill(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="session")
def own_servers(tmp_path_factory):
    broker = rabbit_cluster.start_single("faults")
    database = FerretDB(tmp_path_factory.mktemp("ferretdb"))
    database.start()
    yield broker, database, servers.Servers(broker.amqp_uri, "", database.uri,
                                            identity.ensure(say=lambda line: None))
    database.kill()
    rabbit_cluster.stop_node(broker)


@pytest.fixture
def own_vhost(own_servers):
    """A virtual host of its own on the suite's broker, so no test sees another's queues."""
    broker, _, _ = own_servers
    name = f"fault-{uuid.uuid4().hex[:8]}"
    broker.ctl("add_vhost", name)
    broker.ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    yield f"{broker.amqp_uri}{name}"
    broker.ctl("delete_vhost", name, check=False)
