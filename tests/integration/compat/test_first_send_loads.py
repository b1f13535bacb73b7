"""A first send creates only what it uses: the result types it never reads (status pages and rows,
replies, pushes, an erasure's answer), their parsers, the paging rule and the delivery-report operator are
not loaded by it, and the moved names stay importable from their documented homes as the same objects."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from typing import Any

import pytest

SEND = """
import json, sys
from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator

class Store(dict):  # a task_state_store: values through JSON, as Airflow 3.3 keeps them
    def set(self, key, value):
        self[key] = json.loads(json.dumps(value))

sent = Every8dSendSmsOperator(task_id="first", message="hello", recipients=["0900000123"]).execute(
    {"task_state_store": Store()})["sent"]
loaded = sorted(name for name in sys.modules if name.startswith("airflow_provider_every8d."))
models = sorted(vars(sys.modules["airflow_provider_every8d.protocol.models"]))
print(json.dumps({"sent": sent, "loaded": loaded, "models": models}))
"""

NOT_FOR_A_SEND = ("airflow_provider_every8d.protocol.reports", "airflow_provider_every8d.protocol.erase",
                  "airflow_provider_every8d.protocol.pages", "airflow_provider_every8d.protocol.paging",
                  "airflow_provider_every8d.operators.delivery_report", "airflow_provider_every8d.sending._dry_run")


def test_a_first_send_loads_none_of_what_it_does_not_read(every8d_emulator: Any) -> None:
    done = subprocess.run([sys.executable, "-c", SEND], capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["sent"] == 1 and every8d_emulator.sent_count("0900000123") == 1
    assert "airflow_provider_every8d.protocol.models" in found["loaded"]  # the check sees the send's modules
    assert [name for name in NOT_FOR_A_SEND if name in found["loaded"]] == []
    unread = ("DeliveryReport", "DeliveryRow", "EraseResult", "Reply", "ReplyPage", "StatusPage", "push_time")
    assert [name for name in unread if name in found["models"]] == []


@pytest.mark.parametrize(("home", "name", "source"), [
    ("protocol.models", "DeliveryRow", "protocol.reports"),
    ("protocol.models", "StatusPage", "protocol.reports"),
    ("protocol.models", "Reply", "protocol.reports"),
    ("protocol.models", "ReplyPage", "protocol.reports"),
    ("protocol.models", "DeliveryReport", "protocol.reports"),
    ("protocol.models", "push_time", "protocol.reports"),
    ("protocol.models", "EraseResult", "protocol.erase"),
    ("protocol.parse", "parse_erase", "protocol.erase"),
    ("sending", "dry_run", "sending._dry_run"),
])
def test_a_name_a_send_does_not_load_is_still_importable_from_its_home(home: str, name: str, source: str) -> None:
    module = importlib.import_module(f"airflow_provider_every8d.{home}")
    assert getattr(module, name) is getattr(importlib.import_module(f"airflow_provider_every8d.{source}"), name)

