"""The processes ``bench_real_triggerer.py`` starts and watches: the emulator in a child process, the deployment
with one triggerer, and a sampler of the triggerer's process tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import ROOT

sys.path.insert(0, str(ROOT))
from tests.harness.deployment import AIRFLOW, Deployment


class EmulatorProcess:
    """``_real_triggerer_emulator.py`` in a child process: the emulator's threads never share this process's
    interpreter (and GIL) with the samplers here, and its CPU is its own. ``timed`` is its request log."""

    def __init__(self, delivery_seconds: float) -> None:
        self.delivery_seconds = delivery_seconds
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.env: dict[str, str] = {}
        self._timed: list[tuple[float, str | None, str | None]] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_real_triggerer_emulator.py")), str(self.delivery_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        started = self._answer()
        self.url, self.env = started["url"], started["env"]

    def _answer(self, command: str | None = None) -> Any:
        assert self.process is not None and self.process.stdin is not None and self.process.stdout is not None
        if command is not None:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator process ended (exit {self.process.poll()})")
        return json.loads(line)

    def connection_env(self) -> dict[str, str]:
        return dict(self.env)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._answer(f"advance {seconds}")

    @property
    def timed(self) -> list[tuple[float, str | None, str | None]]:
        """Every request so far: (monotonic time, endpoint, BID)."""
        with self._lock:
            self._timed += [tuple(entry) for entry in self._answer(f"log {len(self._timed)}")]  # type: ignore[misc]
            return list(self._timed)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()  # the child's loop ends with its stdin
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None


class _NoRedis:
    """No Celery here: the deployment's Redis is not started."""

    url = "redis://127.0.0.1:9/0"

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class OneTriggerer(Deployment):
    """The deployment test's components, but one API server, one triggerer and no worker (LocalExecutor)."""

    COMPONENTS = ("api-server-1", "scheduler", "dag-processor", "triggerer-1")

    def __init__(self, home: Path, dags: list[Path], env: dict[str, str]) -> None:
        super().__init__(home, dags, env)
        self.redis = _NoRedis()  # type: ignore[assignment]

    def commands(self) -> dict[str, list[str]]:
        every = super().commands()
        return {name: every[name] for name in self.COMPONENTS}


class TreeSampler(threading.Thread):
    """Every 0.5 s: (monotonic time, RSS bytes summed, CPU seconds summed) of a process and its children."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.pid = 0
        self.samples: list[tuple[float, int, float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stopped.wait(0.5):
            try:
                root = psutil.Process(self.pid)
                tree = [root, *root.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree)
                cpu = sum(sum(p.cpu_times()[:2]) for p in tree)
            except (psutil.Error, ValueError):
                continue
            self.samples.append((time.monotonic(), rss, cpu, len(tree)))

    def between(self, start: float, end: float) -> list[tuple[float, int, float, int]]:
        return [s for s in self.samples if start <= s[0] <= end]


def default_capacity() -> str:
    """``airflow config get-value triggerer capacity`` with nothing set: the shipped default."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
           "AIRFLOW_HOME": tempfile.mkdtemp(prefix="every8d-capacity-")}
    return subprocess.run([AIRFLOW, "config", "get-value", "triggerer", "capacity"], capture_output=True, text=True,
                          env=env, timeout=120, check=True).stdout.strip()
