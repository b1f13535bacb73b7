"""A throw-away PostgreSQL server for tests, from Debian's ``postgresql`` package (installed when missing).

    server = Postgres()
    try:
        url = server.start()          # postgresql+psycopg2://every8d@127.0.0.1:PORT/postgres
        other = server.create_database("receiver")
        server.halt(); server.resume()  # the same data, the same port: "the database went away for a while"
    finally:
        server.stop()                 # always: stops the server's process group, removes the data

The cluster lives in a temporary directory owned by the ``postgres`` user (PostgreSQL refuses to run as
root), listens on a free loopback port only, trusts loopback connections (no password anywhere) and trades
durability for speed (fsync off). Tests use the ``postgres_url`` fixture (tests/conftest.py imports it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.services import (
    ServiceError,
    ensure_debian_packages,
    free_port,
    kill_group,
    listening,
    log_tail,
    stop_group,
    wait_until,
)

SUPERUSER = "every8d"
START_TIMEOUT = 60.0
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "400",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_min_messages": "warning",
}


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _os_user() -> str:
    """The unprivileged user the server runs as: Debian's ``postgres`` when running as root, else ourselves."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True, timeout=30)
    return "postgres"


class Postgres:
    """One PostgreSQL cluster in a temporary directory, started and stopped as a process group."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="every8d-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.user = ""
        self.bin = Path()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _as_user(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args]
        return ["runuser", "-u", self.user, "--", *command] if os.geteuid() == 0 else command

    def start(self) -> str:
        """Install if needed, ``initdb``, start the server; the URL of its ``postgres`` database."""
        ensure_debian_packages("postgresql", probe=lambda: _bin_dir() is not None)
        self.bin = _bin_dir() or Path()
        self.user = _os_user()
        shutil.chown(self.root, user=self.user)
        done = subprocess.run(
            self._as_user("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                          "--locale=C", "--no-sync"),
            capture_output=True, timeout=START_TIMEOUT, check=False)
        if done.returncode:
            raise ServiceError(f"postgres: initdb failed:\n{done.stderr.decode(errors='replace')[-2000:]}")
        self.resume()
        return self.url()

    def resume(self) -> None:
        """Start the server on the cluster's data and port (again, after :meth:`halt`)."""
        options = [f"--{key}={value}" for key, value in SETTINGS.items()]
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            self._as_user("postgres", "-D", str(self.data), "-p", str(self.port), "-k", str(self.root), *options),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        wait_until(f"postgres on 127.0.0.1:{self.port}", self._ready, timeout=START_TIMEOUT, log=self.log)

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise ServiceError(f"postgres exited with {self.process.returncode}:\n{log_tail(self.log)}")
        if not listening(self.port):
            return False
        probe = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                               capture_output=True, timeout=10, check=False)
        return probe.returncode == 0

    def halt(self) -> None:
        """Stop the server (fast shutdown: clients are disconnected) and keep its data for :meth:`resume`."""
        if self.process is not None:
            stop_group(self.process, sig=signal.SIGINT)
            self.process = None

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            capture_output=True, timeout=60, check=False)
        if done.returncode:
            raise ServiceError(f"postgres: {sql!r} failed: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode()

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server, whatever state it is in, and remove its files."""
        try:
            if self.process is not None:
                stop_group(self.process, sig=signal.SIGINT, timeout=15)
        except Exception:  # never leave it running
            if self.process is not None:
                kill_group(self.process)
        finally:
            self.process = None
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """One PostgreSQL server for the whole session (stopped at its end, on failure too)."""
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: Postgres) -> str:
    """``postgresql+psycopg2://...`` of an empty database made for this session (migrate it yourself)."""
    return postgres_server.create_database("every8d_tests")
