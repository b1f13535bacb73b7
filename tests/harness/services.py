"""What the service harnesses (PostgreSQL, Redis) share: Debian packages installed on demand, free loopback
ports, bounded waits, processes started in their own process group and stopped by it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")
APT_DEADLINE = 600.0


class ServiceError(AssertionError):
    """A service did not come up (or go down) in time; the message names it and carries its log's tail."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    """Whether ``url`` answers 200 now (a health endpoint)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def log_tail(log: Path, size: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-size:]
    except OSError:
        return "(no log)"


def wait_until(what: str, probe: Callable[[], _T | None], *, timeout: float, log: Path) -> _T:
    """Poll ``probe`` until it answers something truthy; after ``timeout`` seconds fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.2)
    raise ServiceError(f"gave up after {timeout:.0f}s waiting for {what}; log {log}:\n{log_tail(log)}")


def ensure_debian_packages(*packages: str, probe: Callable[[], bool]) -> None:
    """Install the Debian ``packages`` when ``probe`` says they are missing (tests run as root on CI, a fresh
    machine: ``make test`` must bring what it needs)."""
    if probe():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ServiceError(f"{' '.join(packages)} missing and cannot be installed here (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    deadline = time.monotonic() + APT_DEADLINE
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        while True:  # another apt-get may hold the dpkg lock for a while
            left = deadline - time.monotonic()
            done = subprocess.run(command, env=env, capture_output=True, timeout=max(left, 1.0), check=False)
            if done.returncode == 0:
                break
            if b"lock" not in done.stderr or time.monotonic() > deadline:
                raise ServiceError(f"{' '.join(command)} failed:\n{done.stderr.decode(errors='replace')[-2000:]}")
            time.sleep(3)
    if not probe():
        raise ServiceError(f"installed {' '.join(packages)} but still cannot find them")


def stop_group(process: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Stop ``process`` and everything in its process group; SIGKILL after ``timeout`` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
