"""Peak resident memory of a stack's service processes while a benchmark runs: VmRSS read from
/proc once a second (Linux), each service's process with its children."""

import threading
from pathlib import Path

LIMIT_MIB = 200  # what one service may hold under the chain benchmark (issue 17)


def resident_mib(pid: int) -> float:
    """VmRSS of the process and its descendants, in MiB; 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    kib = next((int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmRSS:")), 0)
    return kib / 1024 + sum(resident_mib(int(child)) for child in children)


class PeakMemory(threading.Thread):
    """`with PeakMemory(stack) as watch: ...` then `watch.peaks`: {service: MiB}."""

    def __init__(self, stack, interval: float = 1.0):
        super().__init__(daemon=True)
        self.stack, self.interval = stack, interval
        self.peaks: dict[str, float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def sample(self) -> None:
        for name, process in list(self.stack.processes.items()):
            self.peaks[name] = max(self.peaks.get(name, 0.0), resident_mib(process.pid))

    def __enter__(self) -> "PeakMemory":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self.join()
        self.sample()
