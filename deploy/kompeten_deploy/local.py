"""Where the servers this project starts keep what they write, and the ports they take.

- STATE: one checkout's server data, logs and keys (`.kompeten/` at its root, git-ignored, or
  $KOMPETEN_STATE_DIR). Every server the project starts runs as the invoking user and writes
  only here, so a checkout in a folder only its owner may enter works like any other.
- CACHE: what may be shared by every checkout of one user because it never changes once made
  (the FerretDB binary built from source, the Keycloak distribution): $XDG_CACHE_HOME/kompeten.
- CHECKOUT: a short id of this checkout's state folder, in the names of the servers it starts
  (RabbitMQ node names), so two checkouts on one machine never take each other's.
"""

import hashlib
import os
import socket
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("KOMPETEN_STATE_DIR") or ROOT / ".kompeten").absolute()
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").absolute() / "kompeten"
CHECKOUT = hashlib.sha256(str(STATE).encode()).hexdigest()[:8]


def free_port() -> int:
    """A port nothing listens on now: servers and services started here take one each, so
    runs side by side never ask for the same."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Something listens there."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def run_together(threads) -> float:
    """Start the threads at once and wait for all: the seconds they took."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
