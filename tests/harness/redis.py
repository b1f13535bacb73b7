"""A throw-away Redis server (the Celery broker of the deployment tests), from Debian's ``redis-server``
package (installed when missing). No persistence, loopback only, a free port; stopped as a process group."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.harness.services import (
    ServiceError,
    ensure_debian_packages,
    free_port,
    listening,
    log_tail,
    stop_group,
    wait_until,
)

START_TIMEOUT = 30.0


class Redis:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="every8d-redis-"))
        self.log = self.root / "redis.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        ensure_debian_packages("redis-server", probe=lambda: shutil.which("redis-server") is not None)
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        wait_until(f"redis on 127.0.0.1:{self.port}", self._ready, timeout=START_TIMEOUT, log=self.log)
        return self.url

    def _ready(self) -> bool:
        """Our server answers on the port: a free port can be taken by another process between
        ``free_port()`` and redis binding it, so something listening is not enough (``INFO server``
        names the process id)."""
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(f"redis exited with {self.process.returncode}:\n{log_tail(self.log)}")
        if self.process is None or not listening(self.port):
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
                conn.sendall(b"INFO server\r\n")
                answer = b""
                while b"process_id:" not in answer or not answer.endswith(b"\r\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
        except OSError:
            return False
        return f"process_id:{self.process.pid}\r\n".encode() in answer

    def stop(self) -> None:
        try:
            if self.process is not None:
                stop_group(self.process, timeout=10)
        finally:
            self.process = None
            shutil.rmtree(self.root, ignore_errors=True)
