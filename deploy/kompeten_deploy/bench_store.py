"""`make bench-store`: the MongoDB-wire server under the services' own kinds of operation,
FerretDB on SQLite (the embedded default) beside FerretDB on PostgreSQL, in one run.

PostgreSQL is Debian's (postgresql, installed on demand as root), started here in a
temporary data directory on a free port, run as the `postgres` user when this is root; the
FerretDB binary is the project's (servers.py), started a second time with its PostgreSQL
handler. Per backend and collection size: insert_one from one writer and from four, find_one
and update_one by _id, find on an indexed secondary field, and the lost updates of 8 writers
each doing 100 `$inc` on one document (FerretDB's updates are not atomic). Figures are
operations per second and, for PostgreSQL, the ratio to SQLite measured in the same run.

    python -m kompeten_deploy.bench_store [SIZES...]     (default 1000 20000)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from pymongo import MongoClient

from . import servers
from .local import free_port, run_together

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
SIZES = (1_000, 20_000)
ROUNDS = 300  # operations timed per figure


def postgres_binaries() -> Path:
    if not (POSTGRES_BIN / "postgres").exists():
        if os.geteuid() != 0:
            raise SystemExit("PostgreSQL 15 is not installed: as root, `apt-get install "
                             "postgresql`, or run this as root")
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return POSTGRES_BIN


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgresql():
    """A throwaway PostgreSQL server: its URL for FerretDB."""
    binaries = postgres_binaries()
    data = Path(tempfile.mkdtemp(prefix="kompeten-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run(_as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "ferretdb",
                                 "--auth=trust", "-E", "UTF8"]), check=True,
                   stdout=subprocess.DEVNULL)
    server = subprocess.Popen(_as_postgres([str(binaries / "postgres"), "-D", str(data), "-p",
                                            str(port), "-k", str(data), "-h", "127.0.0.1"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"postgres://ferretdb@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while subprocess.run(_as_postgres([str(binaries / "pg_isready"), "-h", "127.0.0.1",
                                           "-p", str(port)]),
                             stdout=subprocess.DEVNULL).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def ferretdb(handler_args: list[str]):
    """A FerretDB on a free port with these handler arguments: its MongoDB URI."""
    port = free_port()
    state = Path(tempfile.mkdtemp(prefix="kompeten-ferretdb-"))
    process = subprocess.Popen(
        [str(servers.ferretdb_binary()), *handler_args, f"--state-dir={state}",
         f"--listen-addr=127.0.0.1:{port}", "--telemetry=disable", "--log-level=error",
         "--debug-addr=-"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uri = f"mongodb://127.0.0.1:{port}/"
    try:
        client = MongoClient(uri, serverSelectionTimeoutMS=30_000)
        client.admin.command("ping")
        client.close()
        yield uri
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(state, ignore_errors=True)


def rate(operation, rounds: int = ROUNDS) -> float:
    started = time.perf_counter()
    for n in range(rounds):
        operation(n)
    return rounds / (time.perf_counter() - started)


def parallel_rate(uri: str, make_operation, writers: int, rounds: int = ROUNDS) -> float:
    """Operations per second of `writers` threads, each with its own client."""
    clients = [MongoClient(uri) for _ in range(writers)]
    operations = [make_operation(client, w) for w, client in enumerate(clients)]
    seconds = run_together([threading.Thread(target=lambda op=op: [op(n) for n in range(rounds)])
                            for op in operations])
    for client in clients:
        client.close()
    return writers * rounds / seconds


def measure(uri: str, size: int) -> dict:
    client = MongoClient(uri)
    db = client[f"bench_store_{size}"]
    docs = db.docs
    docs.create_index("participant_id")
    for first in range(0, size, 1000):
        docs.insert_many([{"_id": f"d{n}", "participant_id": f"p{n}", "status": "enrolled",
                           "body": "x" * 400} for n in range(first, min(size, first + 1000))])
    figures = {
        "insert_one_1_writer": rate(lambda n: db.inserts.insert_one({"_id": f"a{n}", "v": n})),
        "insert_one_4_writers": parallel_rate(uri, lambda c, w: lambda n: c[db.name].inserts
                                              .insert_one({"_id": f"w{w}-{n}", "v": n}), 4),
        "find_by_id": rate(lambda n: docs.find_one({"_id": f"d{n * 7 % size}"})),
        "update_by_id": rate(lambda n: docs.update_one({"_id": f"d{n * 7 % size}"},
                                                       {"$set": {"status": "completed"}})),
        "find_by_indexed_field": rate(lambda n: docs.find_one(
            {"participant_id": f"p{n * 7 % size}"}), rounds=max(10, ROUNDS * 1000 // size)),
    }
    db.counter.insert_one({"_id": "c", "n": 0})
    parallel_rate(uri, lambda c, w: lambda n: c[db.name].counter.find_one_and_update(
        {"_id": "c"}, {"$inc": {"n": 1}}), 8, rounds=100)
    figures["inc_kept_of_800"] = db.counter.find_one({"_id": "c"})["n"]
    client.drop_database(db.name)
    client.close()
    return {k: round(v, 1) for k, v in figures.items()}


def main(*sizes: int) -> int:
    sizes = sizes or SIZES
    found = {}
    data = Path(tempfile.mkdtemp(prefix="kompeten-sqlite-"))
    try:
        with ferretdb(["--handler=sqlite", f"--sqlite-url=file:{data}/"]) as uri:
            found["sqlite"] = {size: measure(uri, size) for size in sizes}
    finally:
        shutil.rmtree(data, ignore_errors=True)
    with postgresql() as url, ferretdb(["--handler=postgresql",
                                        f"--postgresql-url={url}"]) as uri:
        found["postgresql"] = {size: measure(uri, size) for size in sizes}
    print("FerretDB 1.24 on SQLite (baseline) and on PostgreSQL 15, same machine, same run; "
          "operations/s (PostgreSQL's ratio to SQLite)")
    for size in sizes:
        print(f"  {size:,} documents in the collection:")
        for name, value in found["sqlite"][size].items():
            other = found["postgresql"][size][name]
            ratio = f" ({other / value:.2f}x)" if value and not name.startswith("inc_") else ""
            print(f"    {name:24} sqlite {value:>9,.1f}   postgresql {other:>9,.1f}{ratio}")
    out = servers.STATE / "bench" / "store.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({k: {str(s): v for s, v in by.items()}
                               for k, by in found.items()}, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
