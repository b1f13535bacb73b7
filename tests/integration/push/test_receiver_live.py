"""The receiver in Airflow's API app served by uvicorn on 127.0.0.1, over real HTTP with raw request
targets (no client normalises them): path variants that test clients rewrite, and the access log."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.harness.receiver import TOKEN, events, report, served_on_localhost


@pytest.fixture
def served(api_app: Any, push_token: str) -> Iterator[int]:
    with served_on_localhost(api_app) as port:
        yield port


def _get(port: int, target: str) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target, headers={"Host": "attacker.example"})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def _wait_for_event(records: Sequence[Mapping[str, Any]], event: str) -> None:
    """Wait (at most 5 s) until ``records`` holds ``event``. Airflow's access-log middleware logs "request
    finished" on uvicorn's thread after the last body chunk went out, so the client can have read the
    response before the line is written."""
    deadline = time.monotonic() + 5
    while not any(record.get("event") == event for record in records) and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize("prefix", [f"//every8d/push/{TOKEN}", f"/every8d/%70ush/{TOKEN}", f"/EVERY8D//PUSH/{TOKEN}/"])
def test_raw_variants_of_the_path_reach_the_receiver(served: int, uid: str, prefix: str) -> None:
    from structlog.testing import capture_logs

    with capture_logs() as access:
        status, body, _ = _get(served, f"{prefix}?{urlencode(report(uid, RM='+886900000777'))}")
        _wait_for_event(access, "request finished")
    assert (status, body) == (200, b"OK")
    assert len(events(uid)) == 1
    finished = [(e["path"], e["query"]) for e in access if e.get("event") == "request finished"]
    assert finished == [("/every8d/push/***", "")]
    assert TOKEN not in repr(access) and "900000777" not in repr(access)


@pytest.mark.parametrize("target", ["/every8d", "//every8d/push/wrong-token-0123456789abcdef/", "/every8d/push/x/"])
def test_raw_variants_without_the_token_get_the_404_and_no_location(served: int, uid: str, target: str) -> None:
    status, body, headers = _get(served, f"{target}?{urlencode(report(uid))}")
    assert (status, body) == (404, b'{"detail":"Not Found"}')
    assert "location" not in {name.lower() for name in headers}
    assert events(uid) == []
