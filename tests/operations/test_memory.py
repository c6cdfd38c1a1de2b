"""The benchmark's memory figures: resident memory read from /proc, a process with its
children, nothing for a process that has gone."""

import os
import signal
import subprocess
import sys
import time

from kompeten_deploy.memory import PeakMemory, resident_mib


def test_a_process_with_its_children_is_measured_and_a_gone_one_is_nothing():
    code = "import time; x = bytearray(60 * 1024 * 1024); time.sleep(30)"  # ~60 MiB held
    parent = subprocess.Popen([sys.executable, "-c",
                               f"import subprocess, sys; subprocess.run([sys.executable, '-c', "
                               f"{code!r}])"], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while resident_mib(parent.pid) < 60 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert resident_mib(parent.pid) >= 60  # the child's 60 MiB counted with the parent

        class Stack:
            processes = {"certificate": parent}

        with PeakMemory(Stack(), interval=0.1) as watch:
            time.sleep(0.3)
        assert watch.peaks["certificate"] >= 60
    finally:
        os.killpg(parent.pid, signal.SIGKILL)  # the child too
        parent.wait()
    assert resident_mib(parent.pid) == 0.0
