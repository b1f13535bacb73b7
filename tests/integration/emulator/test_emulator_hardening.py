"""The emulator under long runs and on shared machines: its request memory is a bounded ring, its password
never appears in a repr nor on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator

SECRET = "s3cret-emulator-pass"


def _credit(url: str, password: str, size: int = 0) -> str:
    body = urllib.parse.urlencode({"UID": "demo", "PWD": password, "padding": "x" * size}).encode()
    with urllib.request.urlopen(f"{url}/API21/HTTP/getCredit.ashx", data=body, timeout=10) as answer:
        return answer.read().decode()


def test_only_the_newest_requests_are_kept() -> None:
    with Every8dEmulator(max_requests=3) as emu:
        for size in range(6):
            _credit(emu.url, "demo-password", size)
        kept = emu.requests
    assert len(kept) == 3
    assert [len(record.fields["padding"]) for record in kept] == [3, 4, 5]


def test_max_requests_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_requests"):
        Every8dEmulator(max_requests=0)


def test_no_repr_shows_the_password() -> None:
    with Every8dEmulator(accounts={"demo": SECRET}) as emu:
        _credit(emu.url, SECRET)
        shown = repr(emu.requests) + repr(emu.account("demo"))
    assert SECRET not in shown and urllib.parse.quote_plus(SECRET) not in shown
    assert "'PWD': '***'" in shown


def _serve(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "airflow_provider_every8d.emulator", "--port", "0", *args],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening on" in line, process.stderr.read() if process.stderr else line
    return process, line.split()[-1]


@pytest.mark.parametrize("source", ["environment", "file"])
def test_the_password_comes_from_the_environment_or_a_file_never_the_command_line(
    tmp_path: Path, source: str
) -> None:
    secret_file = tmp_path / "pwd"
    secret_file.write_text(SECRET + "\n")
    args = ["--password-file", str(secret_file)] if source == "file" else []
    env = {"EVERY8D_EMULATOR_PASSWORD": SECRET} if source == "environment" else {}
    process, url = _serve(args, env)
    try:
        assert _credit(url, SECRET).startswith("1000")
        assert _credit(url, "demo-password").startswith("-")
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert SECRET not in command_line
    finally:
        process.terminate()
        process.wait(10)


def test_a_password_on_the_command_line_is_refused() -> None:
    done = subprocess.run([sys.executable, "-m", "airflow_provider_every8d.emulator", "--password", SECRET],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "EVERY8D_EMULATOR_PASSWORD" in done.stderr and SECRET not in done.stdout


def test_a_push_attempt_repr_does_not_show_the_receiver_token() -> None:
    from datetime import datetime, timezone

    from airflow_provider_every8d.emulator.push import PushAttempt

    attempt = PushAttempt(f"http://127.0.0.1:9/every8d/push/{SECRET}", {"BatchID": "b"}, 1, 200, None,
                          datetime.now(timezone.utc))
    assert SECRET not in repr(attempt) and attempt.url.endswith(SECRET)


def test_the_verbose_log_leaves_out_a_get_request_query(capfd: pytest.CaptureFixture[str]) -> None:
    with Every8dEmulator(accounts={"demo": SECRET}, verbose=True) as emu:
        query = urllib.parse.urlencode({"UID": "demo", "PWD": SECRET})
        with urllib.request.urlopen(f"{emu.url}/API21/HTTP/getCredit.ashx?{query}", timeout=10) as answer:
            assert answer.read().decode().startswith("1000")
    logged = capfd.readouterr().err
    assert "getCredit.ashx?***" in logged and SECRET not in logged
