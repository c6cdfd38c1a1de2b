"""A RabbitMQ node that this project starts: run as the invoking user, data under STATE.

Debian's /usr/sbin/rabbitmq-server and rabbitmqctl are wrappers that switch to the `rabbitmq`
user when called by root; that user cannot enter a checkout in a private folder (a home
directory of mode 700), and nobody else may call them at all. So nodes are started from the
broker's own scripts (/usr/lib/rabbitmq/bin on Debian) as whoever runs the project, with HOME
pointing at a folder of the checkout's that holds the Erlang cookie, so `ctl` reaches them.
Each node has a name and ports of its own (see local.CHECKOUT), so checkouts side by side on
one machine never meet.
"""

import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .local import CHECKOUT, free_port

DEBIAN_SCRIPTS = Path("/usr/lib/rabbitmq/bin")


class NodeFailed(RuntimeError):
    pass


def script(name: str) -> str | None:
    """The broker's own script, not a wrapper that switches user."""
    own = DEBIAN_SCRIPTS / name
    return str(own) if own.exists() else shutil.which(name)


def installed() -> bool:
    return script("rabbitmq-server") is not None


def node_name(label: str) -> str:
    return f"kompeten-{CHECKOUT}-{label}@localhost"


@dataclass(frozen=True)
class Node:
    name: str  # e.g. kompeten-1a2b3c4d-cluster1@localhost
    home: Path  # data, logs, pid and the ports file of this node
    cookie_home: Path  # HOME for the node and for rabbitmqctl: its .erlang.cookie
    amqp_port: int
    dist_port: int
    plugins: tuple[str, ...] = ()

    @classmethod
    def new(cls, label: str, home: Path, cookie_home: Path, amqp_port: int | None = None,
            plugins: tuple[str, ...] = ()) -> "Node":
        return cls(node_name(label), home, cookie_home, amqp_port or free_port(), free_port(),
                   plugins)

    @classmethod
    def load(cls, home: Path) -> "Node | None":
        """The node last started in `home`, as its ports file recorded it."""
        try:
            saved = json.loads((home / "node.json").read_text())
        except (OSError, ValueError):
            return None
        return cls(saved["name"], home, Path(saved["cookie_home"]), saved["amqp_port"],
                   saved["dist_port"], tuple(saved["plugins"]))

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@localhost:{self.amqp_port}/"

    def erlang_environ(self) -> dict[str, str]:
        """For the node and for rabbitmqctl: the cookie, and a crash dump kept with the node
        (Erlang writes it into the working directory otherwise)."""
        return {**os.environ, "HOME": str(self.cookie_home),
                "ERL_CRASH_DUMP": str(self.home / "erl_crash.dump")}

    def environ(self) -> dict[str, str]:
        return {**self.erlang_environ(),
                "RABBITMQ_NODENAME": self.name,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.amqp_port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(self.home / "data"),
                "RABBITMQ_LOG_BASE": str(self.home / "log"),
                "RABBITMQ_PID_FILE": str(self.home / "pid"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "enabled_plugins"),
                "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq")}

    def ctl(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([script("rabbitmqctl"), "-n", self.name, *args],
                              capture_output=True, text=True, timeout=120,
                              env=self.erlang_environ())
        if check and done.returncode != 0:
            raise NodeFailed(f"rabbitmqctl {' '.join(args)} on {self.name}: "
                             f"{done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def spawn(self, fresh: bool = True) -> None:
        """Start, from empty data unless fresh is False (it still has to boot: see wait)."""
        if not installed():
            raise NodeFailed("rabbitmq-server is not installed: run `make servers` (as root it "
                             "installs Debian's rabbitmq-server) or install RabbitMQ yourself")
        self.stop()
        if fresh:
            shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True, exist_ok=True)
        ensure_cookie(self.cookie_home)
        (self.home / "enabled_plugins").write_text(f"[{','.join(self.plugins)}].\n")
        (self.home / "node.json").write_text(json.dumps({
            "name": self.name, "cookie_home": str(self.cookie_home),
            "amqp_port": self.amqp_port, "dist_port": self.dist_port,
            "plugins": list(self.plugins)}))
        log = open(self.home / "server.out", "wb")
        subprocess.Popen([script("rabbitmq-server")], env=self.environ(), stdout=log,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)

    def wait(self, seconds: float = 120) -> None:
        """Until the Erlang node answers (await_startup fails at once before that), then
        booted. A node that dies says why, with what to change where that is known."""
        deadline = time.monotonic() + seconds
        while "Ping succeeded" not in self.ctl("ping", check=False):
            if time.monotonic() > deadline:
                raise NodeFailed(self.failure(f"did not start within {seconds:.0f}s"))
            time.sleep(1)
        self.ctl("await_startup", "--timeout", str(int(seconds)))

    def failure(self, what: str) -> str:
        out = self.home / "server.out"
        tail = out.read_text(errors="replace")[-2000:] if out.exists() else ""
        hint = ""
        if "eacces" in tail.lower() or "permission denied" in tail.lower():
            hint = (f"\nthe user {_user()} cannot write under {self.home}: set "
                    "KOMPETEN_STATE_DIR to a folder that user owns")
        return f"RabbitMQ node {self.name} {what}; see {out}{hint}\n{tail}"

    def start(self) -> "Node":
        self.spawn()
        self.wait()
        return self

    def stop(self) -> None:
        if (self.cookie_home / ".erlang.cookie").exists():  # else none was started from here
            self.ctl("stop", check=False)


def ensure_cookie(home: Path) -> None:
    """One Erlang cookie per checkout, readable only by its owner, as Erlang demands."""
    cookie = home / ".erlang.cookie"
    if cookie.exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    cookie.write_text(secrets.token_hex(16).upper())
    cookie.chmod(0o400)


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())
