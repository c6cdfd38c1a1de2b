"""Make RabbitMQ and a MongoDB-wire server reachable, idempotently, and say where they are.

    python -m kompeten_deploy.servers      # prints export lines for AMQP_URI, MONGO_URI, ...

And the OpenID Connect issuer the services check tokens against (identity.py: Keycloak).

For each server, in this order: the one named by the environment (AMQP_URI / MONGO_URI); one
already listening on the local default port; a local binary we can start (rabbitmq-server;
mongod or ferretdb); an install we can do here (Debian's rabbitmq-server; FerretDB v1.24.2
built from the Go module proxy and run on its SQLite handler); a testcontainers container where
a Docker engine answers. Otherwise it stops with a message that says what to install.

Servers it starts keep running after it exits (later runs find them on their ports). They run
as the invoking user, with their data and logs in .kompeten/ at the repository root
(git-ignored), or in $KOMPETEN_STATE_DIR, whatever the permissions of the folder above; what
never changes once built (the FerretDB binary) is kept once per user in ~/.cache/kompeten.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from kompeten_chassis import config

from . import rabbit_node
from .local import CACHE, ROOT, STATE, port_open  # noqa: F401  (ROOT, STATE: for others)

FERRETDB_VERSION = "v1.24.2"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
MONGO_PORT = 27017
AMQP_PORT = 5672
RABBIT_API_PORT = 15672
_containers = []  # testcontainers live as long as this process


class ServerUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Servers:
    amqp_uri: str
    rabbit_api_uri: str
    mongo_uri: str
    oidc_issuer: str

    def environ(self) -> dict[str, str]:
        return {"AMQP_URI": self.amqp_uri, "RABBIT_API_URI": self.rabbit_api_uri,
                "MONGO_URI": self.mongo_uri, "OIDC_ISSUER": self.oidc_issuer}


def say(message: str) -> None:
    print(f"[servers] {message}", file=sys.stderr, flush=True)


def wait_for(check, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise ServerUnavailable(f"{what} did not come up within {seconds:.0f}s")


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    say("$ " + " ".join(cmd))
    return subprocess.run(cmd, check=True, **kwargs)


def docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def can_apt() -> bool:
    return shutil.which("apt-get") is not None and os.geteuid() == 0


# -- RabbitMQ ---------------------------------------------------------------------------------

def amqp_answers(uri: str) -> bool:
    from kombu import Connection
    try:
        with Connection(uri, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def ensure_rabbitmq() -> tuple[str, str]:
    if os.environ.get("AMQP_URI"):
        uri = os.environ["AMQP_URI"]
        if not amqp_answers(uri):
            raise ServerUnavailable(f"AMQP_URI={_safe(uri)} does not answer")
        return uri, config.rabbit_api_uri()
    uri, api = config.DEFAULT_AMQP_URI, config.DEFAULT_RABBIT_API_URI
    if port_open("127.0.0.1", AMQP_PORT):
        say(f"RabbitMQ already listening on {AMQP_PORT}")
        _ensure_management()
        return uri, api
    if not rabbit_node.installed() and can_apt():
        say("installing Debian's rabbitmq-server")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "rabbitmq-server"], env=env,
            stdout=subprocess.DEVNULL)
        if port_open("127.0.0.1", AMQP_PORT):  # the package started its own
            _ensure_management()
            return uri, api
    if rabbit_node.installed():
        # The management API lets the tests give every test its own virtual host.
        node = rabbit_node.Node.new("dev", STATE / "rabbitmq", STATE / "rabbitmq",
                                    amqp_port=AMQP_PORT, plugins=("rabbitmq_management",))
        say(f"starting RabbitMQ node {node.name} (data in {node.home})")
        try:
            node.spawn(fresh=False)
            node.wait()
        except rabbit_node.NodeFailed as exc:
            raise ServerUnavailable(str(exc)) from None
        wait_for(lambda: amqp_answers(uri), "RabbitMQ", 120)
        wait_for(lambda: port_open("127.0.0.1", RABBIT_API_PORT), "RabbitMQ management", 60)
        say("RabbitMQ started")
        return uri, api
    if docker_answers():
        from testcontainers.rabbitmq import RabbitMqContainer
        container = RabbitMqContainer("rabbitmq:3.13-management").start()
        _containers.append(container)
        host, port = container.get_container_host_ip(), container.get_exposed_port(AMQP_PORT)
        api_port = container.get_exposed_port(RABBIT_API_PORT)
        return (f"pyamqp://guest:guest@{host}:{port}/", f"http://guest:guest@{host}:{api_port}")
    raise ServerUnavailable(
        "no RabbitMQ: set AMQP_URI, or install RabbitMQ (Debian: apt-get install "
        "rabbitmq-server), or run a Docker engine for testcontainers")


def _ensure_management() -> None:
    if port_open("127.0.0.1", RABBIT_API_PORT) or not shutil.which("rabbitmq-plugins"):
        return
    run(["rabbitmq-plugins", "enable", "rabbitmq_management"], stdout=subprocess.DEVNULL)
    wait_for(lambda: port_open("127.0.0.1", RABBIT_API_PORT), "RabbitMQ management", 60)


# -- MongoDB-wire server ----------------------------------------------------------------------

def mongo_answers(uri: str) -> bool:
    from pymongo import MongoClient
    client = MongoClient(uri, serverSelectionTimeoutMS=3000)
    try:
        client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        client.close()


def mongo_write_problem(uri: str) -> str | None:
    """A server can answer pings yet fail writes (FerretDB whose data folder was deleted)."""
    from pymongo import MongoClient
    client = MongoClient(uri, serverSelectionTimeoutMS=3000)
    try:
        client.kompeten_probe.probe.insert_one({"probe": True})
        client.drop_database("kompeten_probe")
        return None
    except Exception as exc:
        return type(exc).__name__
    finally:
        client.close()


def ensure_mongo() -> str:
    if os.environ.get("MONGO_URI"):
        uri = os.environ["MONGO_URI"]
        if not mongo_answers(uri):
            raise ServerUnavailable(f"MONGO_URI={_safe(uri)} does not answer")
        return uri
    uri = config.DEFAULT_MONGO_URI
    if port_open("127.0.0.1", MONGO_PORT):
        if not mongo_answers(uri):
            raise ServerUnavailable(f"something on port {MONGO_PORT} is not a MongoDB server")
        problem = mongo_write_problem(uri)
        if problem:
            raise ServerUnavailable(f"the MongoDB-wire server on port {MONGO_PORT} answers but "
                                    f"cannot write ({problem}); stop it and run again")
        say(f"MongoDB-wire server already listening on {MONGO_PORT}")
        return uri
    if shutil.which("mongod"):
        data = STATE / "mongod"
        data.mkdir(parents=True, exist_ok=True)
        _spawn([shutil.which("mongod"), "--dbpath", str(data), "--bind_ip", "127.0.0.1",
                "--port", str(MONGO_PORT)], "mongod")
    else:
        ferretdb = ferretdb_binary()
        if ferretdb is None and docker_answers():
            from testcontainers.mongodb import MongoDbContainer
            container = MongoDbContainer("mongo:7").start()
            _containers.append(container)
            return container.get_connection_url()
        if ferretdb is None:
            raise ServerUnavailable(
                "no MongoDB-wire server: set MONGO_URI, or install MongoDB, or install Go "
                "(FerretDB is then built from the Go module proxy), or run a Docker engine")
        data = STATE / "ferretdb"
        data.mkdir(parents=True, exist_ok=True)
        _spawn(ferretdb_command(ferretdb, data, MONGO_PORT) + ["--log-level=warn"], "ferretdb")
    wait_for(lambda: mongo_answers(uri), "the MongoDB-wire server", 60)
    say(f"MongoDB-wire server started on {MONGO_PORT}")
    return uri


def _spawn(cmd: list[str], name: str) -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    log = open(STATE / f"{name}.log", "ab")
    say("$ " + " ".join(cmd) + " &")
    process = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                               start_new_session=True, cwd=STATE)
    (STATE / f"{name}.pid").write_text(str(process.pid))


def ferretdb_command(binary: Path, data: Path, port: int) -> list[str]:
    """FerretDB on SQLite in `data`, its own state file there too (by default it writes
    state.json into whatever folder it was started from)."""
    return [str(binary), "--handler=sqlite", f"--sqlite-url=file:{data}/",
            f"--state-dir={data}", f"--listen-addr=127.0.0.1:{port}", "--telemetry=disable"]


def ferretdb_binary() -> Path | None:
    if shutil.which("ferretdb"):
        return Path(shutil.which("ferretdb"))
    target = CACHE / "bin" / f"ferretdb-{FERRETDB_VERSION}-id-index"
    if target.exists():
        return target
    if not shutil.which("go"):
        return None
    say(f"building FerretDB {FERRETDB_VERSION} from the Go module proxy (a few minutes)")
    CACHE.mkdir(parents=True, exist_ok=True)
    info = json.loads(run(["go", "mod", "download", "-json",
                           f"{FERRETDB_MODULE}@{FERRETDB_VERSION}"],
                          capture_output=True, cwd=CACHE).stdout)
    source = CACHE / "src" / f"ferretdb-{FERRETDB_VERSION}"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(info["Dir"], source)
    for path in source.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)
    # FerretDB embeds its version from a generated file that the module archive lacks.
    (source / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
    _use_the_id_index(source / "internal" / "backends" / "sqlite" / "metadata" / "metadata.go")
    target.parent.mkdir(parents=True, exist_ok=True)
    run(["go", "build", "-o", str(target), "./cmd/ferretdb"], cwd=source)
    shutil.rmtree(source, ignore_errors=True)
    return target


def _use_the_id_index(metadata_go: Path) -> None:
    """FerretDB 1.24's SQLite backend creates the _id index on `_ferretdb_sjson->"_id"` but
    queries `_ferretdb_sjson->'$._id'`, an expression SQLite does not match to that index, so
    every lookup by _id scans the whole collection (linear in its size; a benchmark of 10,000
    certificates spent minutes on it). Same value, spelled as the index is: SQLite then uses
    it. Production runs MongoDB, which needs nothing of the kind."""
    text = metadata_go.read_text()
    spelled = 'IDColumn = DefaultColumn + "->\'$._id\'"'
    if spelled not in text:
        raise ServerUnavailable(f"unexpected FerretDB source in {metadata_go}: no {spelled}")
    metadata_go.write_text(text.replace(spelled, 'IDColumn = DefaultColumn + `->"_id"`'))


def _safe(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.password:
        return uri.replace(f":{parsed.password}@", ":***@")
    return uri


@contextmanager
def isolated_vhost(found: Servers, prefix: str):
    """A RabbitMQ virtual host of its own for one run (the demo, a benchmark, a test), deleted
    afterwards, so no run inherits another's queues or backlog. Yields the AMQP URI."""
    import requests

    api = urlparse(found.rabbit_api_uri)
    base = f"{api.scheme}://{api.hostname}:{api.port or RABBIT_API_PORT}/api"
    auth = (api.username or "guest", api.password or "guest")
    amqp = urlparse(found.amqp_uri)
    vhost = f"{prefix}-{uuid.uuid4().hex[:8]}"
    requests.put(f"{base}/vhosts/{vhost}", auth=auth, timeout=30).raise_for_status()
    requests.put(f"{base}/permissions/{vhost}/{amqp.username or 'guest'}", auth=auth,
                 json={"configure": ".*", "write": ".*", "read": ".*"},
                 timeout=30).raise_for_status()
    try:
        yield f"{amqp.scheme}://{amqp.netloc}/{vhost}"
    finally:
        requests.delete(f"{base}/vhosts/{vhost}", auth=auth, timeout=30)


def ensure() -> Servers:
    from . import identity

    amqp_uri, rabbit_api_uri = ensure_rabbitmq()
    mongo_uri = ensure_mongo()
    try:
        issuer = identity.ensure(say)
    except identity.IdentityUnavailable as exc:
        raise ServerUnavailable(str(exc)) from None
    return Servers(amqp_uri=amqp_uri, rabbit_api_uri=rabbit_api_uri, mongo_uri=mongo_uri,
                   oidc_issuer=issuer)


def main() -> int:
    try:
        servers = ensure()
    except (ServerUnavailable, subprocess.CalledProcessError) as exc:
        say(f"error: {exc}")
        return 1
    for key, value in servers.environ().items():
        print(f"export {key}='{value}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
