"""A three-node RabbitMQ cluster on one machine, to try what a cluster does before running one:
separate node names, AMQP and distribution ports, data and log directories, one Erlang cookie.

    python -m kompeten_deploy.rabbit_cluster start     # nodes kompeten1..3@localhost
    python -m kompeten_deploy.rabbit_cluster status
    python -m kompeten_deploy.rabbit_cluster stop

| node | AMQP | Erlang distribution |
| --- | --- | --- |
| kompeten1@localhost | 5701 | 25701 |
| kompeten2@localhost | 5702 | 25702 |
| kompeten3@localhost | 5703 | 25703 |

Nodes 2 and 3 join node 1 (`rabbitmqctl join_cluster`). Data lives in .kompeten/cluster/ and is
wiped by `start`, so every start is a fresh cluster. It uses the machine's rabbitmq-server (see
`make servers`), independent of the single development node on 5672.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .servers import STATE

ROOT = STATE / "cluster"
NODES = 3


@dataclass(frozen=True)
class Node:
    number: int

    @property
    def name(self) -> str:
        return f"kompeten{self.number}@localhost"

    @property
    def amqp_port(self) -> int:
        return 5700 + self.number

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@localhost:{self.amqp_port}/"

    @property
    def home(self) -> Path:
        return ROOT / f"node{self.number}"

    def environ(self) -> dict[str, str]:
        return {**os.environ, "RABBITMQ_NODENAME": self.name,
                "RABBITMQ_NODE_PORT": str(self.amqp_port),
                "RABBITMQ_DIST_PORT": str(25700 + self.number),
                "RABBITMQ_MNESIA_BASE": str(self.home / "data"),
                "RABBITMQ_LOG_BASE": str(self.home / "log"),
                "RABBITMQ_PID_FILE": str(self.home / "pid"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "enabled_plugins"),
                "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq")}

    def ctl(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["rabbitmqctl", "-n", self.name, *args], capture_output=True,
                              text=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {self.name}: "
                               f"{done.stderr.strip() or done.stdout.strip()}")
        return done.stdout


def nodes() -> list[Node]:
    return [Node(n) for n in range(1, NODES + 1)]


def start() -> list[Node]:
    if shutil.which("rabbitmq-server") is None:
        raise RuntimeError("rabbitmq-server is not installed: run `make servers` first")
    stop()
    for node in nodes():
        spawn(node)
    for node in nodes():
        _await(node)
    first, *others = nodes()
    for node in others:
        node.ctl("stop_app")
        node.ctl("join_cluster", first.name)
        node.ctl("start_app")
    return nodes()


def spawn(node: Node) -> None:
    """Start one node from empty data (it still has to boot: see start_single)."""
    node.ctl("stop", check=False)
    shutil.rmtree(node.home, ignore_errors=True)
    node.home.mkdir(parents=True)
    (node.home / "enabled_plugins").write_text("[].\n")
    if _is_root():  # the Debian package runs the broker as its own user
        shutil.chown(node.home, "rabbitmq", "rabbitmq")
    log = open(node.home / "server.out", "wb")
    subprocess.Popen(["rabbitmq-server"], env=node.environ(), stdout=log,
                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def start_single(number: int) -> Node:
    """One node of its own, outside the cluster: a broker a fault test may restart."""
    node = Node(number)
    spawn(node)
    _await(node)
    return node


def _await(node: Node, seconds: float = 120) -> None:
    """Until the Erlang node answers (await_startup fails at once before that), then booted."""
    deadline = time.monotonic() + seconds
    while node.ctl("ping", check=False).find("Ping succeeded") < 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{node.name} did not start: see {node.home / 'server.out'}")
        time.sleep(1)
    node.ctl("await_startup", "--timeout", str(int(seconds)))


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def stop_node(node: Node) -> None:
    node.ctl("stop", check=False)


def stop() -> None:
    for node in nodes():
        stop_node(node)


def running(node: Node) -> list[str]:
    status = node.ctl("cluster_status", "--formatter", "json", check=False)
    if not status.strip():
        return []
    return json.loads(status).get("running_nodes", [])


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "start":
        started = time.monotonic()
        start()
        print(f"cluster of {NODES} started in {time.monotonic() - started:.0f}s:")
    elif command == "stop":
        stop()
        print("cluster stopped")
        return 0
    for node in nodes():
        print(f"  {node.name}  {node.amqp_uri}  running: {', '.join(running(node)) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
