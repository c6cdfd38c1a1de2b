"""Run the four services as separate `nameko run` processes, the way an operator would.

    with Stack(servers, database_prefix="kompeten_demo") as stack:
        requests.get(stack.url("certificate") + "/certificates/...")
"""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from . import identity
from .local import ROOT, STATE, free_port
from .servers import Servers

log = logging.getLogger(__name__)
SERVICES = ("enrollment", "assessment", "certificate", "placement")
CONSOLE = "console"  # the web console: started on its own, after the services it calls


class Stack:
    def __init__(self, servers: Servers, database_prefix: str, amqp_uri: str | None = None,
                 log_dir: Path | None = None):
        self.servers = servers
        self.amqp_uri = amqp_uri or servers.amqp_uri
        self.database_prefix = database_prefix
        self.ports = {name: free_port() for name in (*SERVICES, CONSOLE)}
        self.log_dir = log_dir or STATE / "logs"
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def keys_dir(self) -> Path:
        """The certificate service's signing keys for this stack, outside its database."""
        return STATE / "keys" / self.database_prefix

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def database(self, service: str) -> str:
        return f"{self.database_prefix}_{service}"

    def environ(self) -> dict[str, str]:
        env = {**os.environ, **self.servers.environ(), "AMQP_URI": self.amqp_uri,
               "CERTIFICATE_PUBLIC_URL": self.url("certificate"), "PYTHONUNBUFFERED": "1",
               "CERTIFICATE_KEYS_DIR": str(self.keys_dir),
               "CERTIFICATE_ISSUERS_DIR": str(ROOT / "deploy" / "issuers"),
               "CONSOLE_ACCOUNTS_SECRET": identity.dev_credentials()[1]["kompeten-accounts"]}
        for name in (*SERVICES, CONSOLE):
            env[f"{name.upper()}_DATABASE"] = self.database(name)
            env[f"{name.upper()}_HTTP"] = f"127.0.0.1:{self.ports[name]}"
            env[f"{name.upper()}_URL"] = self.url(name)
        env["CONSOLE_PUBLIC_URL"] = self.url(CONSOLE)
        return env

    def start(self, *names: str) -> "Stack":
        env = self.environ()
        for name in names or SERVICES:
            self._spawn(name, name, env)
        for name in names or SERVICES:
            self.wait_ready(name)
        return self

    def start_console(self) -> str:
        """The web console over the running services; its URL. The local identity provider
        learns its callback (the port is chosen at start)."""
        identity.allow_console_at(self.url(CONSOLE))
        self._spawn(CONSOLE, CONSOLE, self.environ())
        self.wait_ready(CONSOLE)
        return self.url(CONSOLE)

    def start_replica(self, name: str, number: int = 2) -> str:
        """Another instance of a running service, on its own HTTP port, sharing its queues and
        database. Returns its key for url(), stop() and log_path()."""
        key = f"{name}-{number}"
        self.ports[key] = free_port()
        self._spawn(key, name, {**self.environ(),
                                f"{name.upper()}_HTTP": f"127.0.0.1:{self.ports[key]}"})
        self.wait_ready(key)
        return key

    def _spawn(self, key: str, name: str, env: dict[str, str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        nameko = str(Path(sys.executable).with_name("nameko"))
        self.processes[key] = subprocess.Popen(
            [nameko, "run", "--config", "config.yaml",
             f"kompeten_{name}.service:{name.capitalize()}Service"],
            cwd=ROOT / "services" / name, env=env, stdout=open(self.log_path(key), "wb"),
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{self.database_prefix}-{name}.log"

    def wait_ready(self, name: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited:\n{self.log_tail(name)}")
            try:
                if requests.get(self.url(name) + "/health/ready", timeout=2).ok:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or busy preparing (indexes on a large database)
            time.sleep(0.3)
        raise RuntimeError(f"{name} did not start within {seconds}s:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        text = self.log_path(name).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, *names: str, sig: int = signal.SIGTERM) -> None:
        """SIGTERM lets nameko finish the workers in flight; SIGKILL after 20 seconds."""
        chosen = [n for n in (names or list(self.processes)) if n in self.processes]
        for name in chosen:
            self.processes[name].send_signal(sig)
        for name in chosen:
            process = self.processes.pop(name)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if CONSOLE in chosen:
            self._forget_console()

    def _forget_console(self) -> None:
        """The identity provider forgets the stopped console's callback; best effort, after
        every process has stopped, so a provider that is down never keeps one running."""
        try:
            identity.allow_console_at(self.url(CONSOLE), allowed=False)
        except (identity.IdentityUnavailable, requests.RequestException) as exc:
            log.warning("the identity provider still lists %s: %s", self.url(CONSOLE), exc)

    def __enter__(self) -> "Stack":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info) -> None:
        self.stop()
