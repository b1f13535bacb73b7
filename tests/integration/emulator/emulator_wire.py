"""Talking to the emulator over real HTTP with urllib only (never the provider's client)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from airflow_provider_every8d.emulator import Every8dEmulator

DEMO = {"UID": "demo", "PWD": "demo-password"}


def call(
    emu: Every8dEmulator,
    endpoint: str,
    fields: dict[str, Any] | None = None,
    *,
    auth: bool = True,
    method: str = "POST",
    prefix: str = "",
    timeout: float = 5.0,
) -> tuple[int, str]:
    """POST a form (or GET a query string) to ``<url><prefix>/API21/HTTP/<endpoint>.ashx``."""
    data = {**(DEMO if auth else {}), **(fields or {})}
    encoded = urllib.parse.urlencode(data)
    url = f"{emu.url}{prefix}/API21/HTTP/{endpoint}.ashx"
    if method == "GET":
        request = urllib.request.Request(url + "?" + encoded, method="GET")
    else:
        request = urllib.request.Request(
            url,
            data=encoded.encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
    return _open(request, timeout)


def call_raw(emu: Every8dEmulator, endpoint: str, fields: dict[str, Any] | None = None) -> tuple[int, bytes]:
    data = urllib.parse.urlencode({**DEMO, **(fields or {})}).encode()
    request = urllib.request.Request(f"{emu.url}/API21/HTTP/{endpoint}.ashx", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def call_json(emu: Every8dEmulator, body: Any, endpoint: str = "SendParamSMS") -> tuple[int, dict[str, Any]]:
    """POST a JSON body (1.5)."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        f"{emu.url}/API21/HTTP/{endpoint}.ashx",
        data=raw,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    status, text = _open(request, 5.0)
    return status, json.loads(text)


def _open(request: urllib.request.Request, timeout: float) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def send(emu: Every8dEmulator, dest: str, msg: str = "hello", endpoint: str = "sendSMS", **fields: Any) -> list[str]:
    """A send that must succeed; returns the answer's comma-separated fields."""
    status, body = call(emu, endpoint, {"MSG": msg, "DEST": dest, **fields})
    assert status == 200, body
    assert not body.startswith("-"), body
    return body.split(",")


def status_rows(emu: Every8dEmulator, batch_id: str, page: int | str = "", mms: bool = False) -> list[list[str]]:
    """2.2/2.3 answer split into lines of TAB cells (first line: [total])."""
    endpoint = "MMS/getDeliveryStatus" if mms else "getDeliveryStatus"
    status, body = call(emu, endpoint, {"BID": batch_id, "PNO": page, "RESPFORMAT": "0"})
    assert status == 200, body
    return [line.split("\t") for line in body.split("\r\n")]
