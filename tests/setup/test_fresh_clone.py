"""The README's two commands where a new user would run them: in a copy of this checkout inside
a folder only its owner may enter (mode 700, as a home directory or `mktemp -d` is), with no
server named by the environment. While the copy's tests start a RabbitMQ cluster of their own,
this checkout starts one too: node names, ports and data folders must not meet. Afterwards the
copy's working tree holds nothing new outside the folders git ignores (.kompeten/, .venv/)."""

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from kompeten_deploy import rabbit_cluster
from kompeten_deploy.local import ROOT

pytestmark = pytest.mark.setup
SERVER_VARIABLES = ("AMQP_URI", "MONGO_URI", "RABBIT_API_URI", "KOMPETEN_STATE_DIR",
                    "VIRTUAL_ENV", "PYTHONPATH")


def copy_of_checkout(dest: Path) -> None:
    """This checkout's files as `git clone` would give them, uncommitted changes included, so
    a developer tests what they have."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    for command in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=test", "-c", "user.email=test@localhost",
                     "commit", "-q", "-m", "copy"]):
        subprocess.run(command, cwd=dest, check=True)


@pytest.fixture
def clone():
    private = Path(tempfile.mkdtemp(prefix="kompeten-clone-"))
    assert private.stat().st_mode & 0o777 == 0o700
    repo = private / "kompeten"
    copy_of_checkout(repo)
    yield repo
    checkout = hashlib.sha256(str(repo / ".kompeten").encode()).hexdigest()[:8]
    from kompeten_deploy import servers
    from pymongo import MongoClient

    client = MongoClient(servers.ensure().mongo_uri)
    for name in client.list_database_names():
        if name.startswith(f"kompeten_demo_{checkout}"):
            client.drop_database(name)
    client.close()
    shutil.rmtree(private, ignore_errors=True)


def run_make(repo: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    return subprocess.Popen(["make", *args], cwd=repo, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finished(process: subprocess.Popen, timeout: float = 1200) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output[-6000:]
    return output


def test_the_two_commands_work_in_a_private_folder_beside_this_checkout(clone):
    demo = finished(run_make(clone, "demo"))
    assert "menjahit-maron: 16 participants, 15 completed, 15 certified, 12 placed" in demo

    tests = run_make(clone, "test",
                     "TESTS=tests/cluster tests/faults/test_faults.py -k kill_the_service")
    clone_node = clone / ".kompeten" / "cluster" / "node3" / "node.json"
    deadline = time.monotonic() + 600
    while not clone_node.exists() and tests.poll() is None and time.monotonic() < deadline:
        time.sleep(1)
    ours = rabbit_cluster.start()  # while the copy's cluster boots or runs
    try:
        assert sorted(rabbit_cluster.running(ours[1])) == sorted(n.name for n in ours)
        output = finished(tests)
    finally:
        rabbit_cluster.stop()
    assert " passed" in output and " failed" not in output and " skipped" not in output

    left = subprocess.run(["git", "status", "--porcelain", "--ignored=no"], cwd=clone,
                          capture_output=True, text=True, check=True).stdout
    assert left == "", f"the commands left files in the working tree:\n{left}"
