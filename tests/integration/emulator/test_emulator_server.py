"""The server around the endpoints: paths, methods, keep-alive, recording, Python API, CLI, fixture."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.emulator.pytest_plugin import every8d_emulator  # noqa: F401 - the fixture
from tests.helpers import REPO_ROOT
from tests.integration.emulator.emulator_wire import DEMO, call, send


@pytest.mark.parametrize("prefix", ["", "/prepaid", "/a/b/customer"])
def test_any_path_prefix(prefix: str) -> None:
    with Every8dEmulator() as emu:
        assert call(emu, "getCredit", prefix=prefix) == (200, "1000.00")


@pytest.mark.parametrize("endpoint", ["GETCREDIT", "getcredit", "GetCredit"])
def test_endpoint_names_are_case_insensitive(endpoint: str) -> None:
    with Every8dEmulator() as emu:
        assert call(emu, endpoint) == (200, "1000.00")
        assert emu.requests[-1].endpoint == "getCredit"


def test_get_query_string_works_like_the_spec_examples() -> None:
    with Every8dEmulator() as emu:
        assert call(emu, "getCredit", method="GET") == (200, "1000.00")
        assert call(emu, "sendSMS", {"MSG": "中文 & +", "DEST": "0900000678"}, method="GET")[0] == 200
        assert emu.messages[0].text == "中文 & +"


@pytest.mark.parametrize("path", ["/", "/API21/HTTP/nope.ashx", "/API21/HTTP/getCredit", "/favicon.ico"])
def test_unknown_path_is_404(path: str) -> None:
    with Every8dEmulator() as emu:
        connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
        connection.request("GET", path)
        assert connection.getresponse().status == 404


def test_keep_alive_and_content_length() -> None:
    with Every8dEmulator() as emu:
        connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
        ports = set()
        for _ in range(3):
            connection.request(
                "POST",
                "/API21/HTTP/getCredit.ashx",
                body="UID=demo&PWD=demo-password",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            assert response.version == 11
            assert response.getheader("Content-Length") == "7"
            assert response.getheader("Content-Type") == "text/plain; charset=utf-8"
            assert response.read() == b"1000.00"
            ports.add(connection.sock.getsockname()[1])
        assert len(ports) == 1
        assert len({r.client for r in emu.requests}) == 1


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00garbage", b"UID=%ZZ&PWD=%%%", b"=&=&&==", b"UID=demo&PWD=demo-password&DEST=" + b"9" * 5000],
)
def test_garbage_bodies_never_crash(body: bytes) -> None:
    with Every8dEmulator() as emu:
        for endpoint in emu.routes:
            request = urllib.request.Request(f"{emu.url}/API21/HTTP/{endpoint}.ashx", data=body, method="POST")
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200
                text = response.read().decode()
                refused = text.startswith(("-", '{"Result": false'))
                assert refused or re.fullmatch(r"[\d.]*", text), (endpoint, text)
        assert call(emu, "getCredit") == (200, "1000.00")


def test_broken_framing_answers_minus_99() -> None:
    with Every8dEmulator() as emu, socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
        sock.sendall(b"POST /API21/HTTP/getCredit.ashx HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith("-99,主機端發生不明錯誤".encode())


@pytest.mark.parametrize("verbose", [False, True])
def test_quiet_unless_verbose(capfd: pytest.CaptureFixture[str], verbose: bool) -> None:
    with Every8dEmulator(verbose=verbose) as emu:
        call(emu, "getCredit")
    assert ("getCredit" in capfd.readouterr().err) == verbose


def test_requests_are_recorded_with_fields_and_headers() -> None:
    with Every8dEmulator() as emu:
        send(emu, "0900000678", SB="s")
        (record,) = emu.requests
        assert (record.method, record.endpoint, record.query, record.fault) == ("POST", "sendSMS", "", None)
        assert record.fields["UID"] == "demo" and record.fields["SB"] == "s"
        assert record.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        assert record.client[0] == "127.0.0.1"


def test_accounts_with_options_and_reset() -> None:
    accounts: dict[str, Any] = {"demo": "demo-password", "old": {"password": "pw", "credit": 5, "status_columns": 5}}
    with Every8dEmulator(accounts=accounts) as emu:
        assert emu.credit("old") == 5.0 and emu.account("old").status_columns == 5
        send(emu, "0900000678")
        emu.faults.add("http_500", "getDeliveryStatus")
        emu.advance(100)
        emu.reset()
        assert (emu.messages, emu.requests, emu.credit(), emu.faults.rules) == ([], [], 1000.0, [])
        assert emu.clock.offset == 0


def test_sent_count_and_inject_reply_normalise_numbers() -> None:
    with Every8dEmulator() as emu:
        batch_id = send(emu, "0900000678,+886900000678")[4]
        assert emu.sent_count("886900000678") == 2
        assert emu.inject_reply(batch_id, "0900-000-678", "hi").mobile == "+886900000678"
        with pytest.raises(KeyError):
            emu.batch("nope")


def test_connection_json_for_airflow() -> None:
    with Every8dEmulator() as emu:
        assert json.loads(emu.connection_json()) == {
            "conn_type": "every8d",
            "host": emu.url,
            "login": "demo",
            "password": "demo-password",
        }
        assert list(emu.connection_env(conn_id="sms")) == ["AIRFLOW_CONN_SMS"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emu.url) and emu.port > 0


def test_pytest_fixture_sets_the_connection(every8d_emulator: Every8dEmulator) -> None:  # noqa: F811
    connection = json.loads(os.environ["AIRFLOW_CONN_EVERY8D_DEFAULT"])
    assert connection["host"] == every8d_emulator.url
    assert call(every8d_emulator, "getCredit") == (200, "1000.00")


def test_stop_ends_open_keep_alive_connections() -> None:
    emu = Every8dEmulator().start()
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    connection.request("POST", "/API21/HTTP/getCredit.ashx", body="UID=demo&PWD=demo-password")
    connection.getresponse().read()
    emu.stop()
    with pytest.raises((OSError, http.client.HTTPException)):
        connection.request("POST", "/API21/HTTP/getCredit.ashx", body="UID=demo&PWD=demo-password")
        connection.getresponse().read()


def test_cli_serves_until_terminated() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_provider_every8d.emulator",
            "--port",
            "0",
            "--credit",
            "42",
            "--status-columns",
            "5",
            "--delivery-seconds",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split()[-1]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), line
        data = "&".join(f"{k}={v}" for k, v in DEMO.items()).encode()
        with urllib.request.urlopen(f"{url}/API21/HTTP/getCredit.ashx", data=data, timeout=5) as response:
            assert response.read() == b"42.00"
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
    assert process.stderr is not None and process.stderr.read() == ""


def test_cli_help() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "airflow_provider_every8d.emulator", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=10,
    )
    assert result.returncode == 0 and "--delivery-seconds" in result.stdout
