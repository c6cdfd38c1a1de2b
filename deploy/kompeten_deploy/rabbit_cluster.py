"""A three-node RabbitMQ cluster on one machine, to try what a cluster does before running one:
separate node names, AMQP and distribution ports, data and log directories, one Erlang cookie.

    python -m kompeten_deploy.rabbit_cluster start     # three nodes, names and ports printed
    python -m kompeten_deploy.rabbit_cluster status
    python -m kompeten_deploy.rabbit_cluster stop

Node names carry the checkout's id (`kompeten-<id>-cluster1@localhost` ...) and the ports are
free ones chosen at start (recorded in each node's `node.json` for `status` and `stop`), so two
checkouts can run a cluster each at the same time. Nodes 2 and 3 join node 1 (`rabbitmqctl
join_cluster`). Data lives in .kompeten/cluster/ and is wiped by `start`, so every start is a
fresh cluster. The nodes run as the invoking user (see rabbit_node), independent of the single
development node on 5672.
"""

import json
import sys
import time

from .local import STATE
from .rabbit_node import Node

ROOT = STATE / "cluster"
NODES = 3


def nodes() -> list[Node]:
    """The cluster's nodes as last started, or new ones (fresh ports) where none was."""
    return [Node.load(ROOT / f"node{n}") or _new(n) for n in range(1, NODES + 1)]


def _new(number: int) -> Node:
    return Node.new(f"cluster{number}", ROOT / f"node{number}", cookie_home=ROOT)


def start() -> list[Node]:
    stop()
    started = [_new(n) for n in range(1, NODES + 1)]
    for node in started:
        node.spawn()
    for node in started:
        node.wait()
    first, *others = started
    for node in others:
        node.ctl("stop_app")
        node.ctl("join_cluster", first.name)
        node.ctl("start_app")
    return started


def start_single(label: str) -> Node:
    """One node of its own, outside the cluster: a broker a fault test may restart."""
    return Node.new(label, STATE / label, cookie_home=STATE / label).start()


def stop_node(node: Node) -> None:
    node.stop()


def stop() -> None:
    for node in nodes():
        if node.home.exists():
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
