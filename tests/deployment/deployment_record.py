"""Reading the emulator's record (who got what) and making batches on it over plain HTTP (never the
provider's client), for the deployment tests."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections import Counter
from typing import Any

from airflow_provider_every8d.emulator import Every8dEmulator

PUSH_UID = "pushacct"
"""The account whose delivery reports the push DAGs declare (example_every8d_push.py, ``EVERY8D_PUSH_UID``)."""
PUSH_TOKEN = "deployment-push-token-0123456789"


def received(emulator: Every8dEmulator, text: str) -> Counter[str]:
    """How many messages with exactly ``text`` each number got (E.164), over every batch."""
    with emulator.store.lock:
        return Counter(m.mobile for m in emulator.store.messages if m.text == text)


def batches_of(emulator: Every8dEmulator, text: str) -> set[str]:
    """The accepted batches whose messages carry ``text``."""
    with emulator.store.lock:
        return {b.batch_id for b in emulator.store.batches.values() if b.messages and b.messages[0].text == text}


def e164(number: str) -> str:
    return "+886" + number[1:]


def send_batch(emulator: Every8dEmulator, numbers: list[str], text: str, uid: str = "demo",
               password: str = "demo-password") -> str:
    """POST 1.1 sendSMS straight to the emulator; the new batch id (the answer's last field)."""
    data = urllib.parse.urlencode({"UID": uid, "PWD": password, "SB": "", "MSG": text,
                                   "DEST": ",".join(numbers), "ST": ""}).encode()
    request = urllib.request.Request(f"{emulator.url}/API21/HTTP/sendSMS.ashx", data=data, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = response.read().decode()
    batch_id = answer.strip().split(",")[-1]
    if answer.startswith("-") or not batch_id:
        raise AssertionError(f"emulator refused the batch: {answer!r}")
    return batch_id


def json_value(value: Any) -> Any:
    """An XCom value as PostgreSQL hands it back (JSON column: already decoded, or text)."""
    return json.loads(value) if isinstance(value, str | bytes) else value
