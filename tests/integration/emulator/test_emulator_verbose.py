"""The emulator's verbose log (``-v``) shows each accepted message as the phone would get it."""

from __future__ import annotations

import json
import re

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook


def test_verbose_log_shows_each_message_as_texted(capfd: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with Every8dEmulator(verbose=True) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", emulator.connection_json())
        hook = Every8dHook()
        result = hook.send_sms("Order A-1024 has shipped.", ["0900000001", "0900000002"])
        hook.close()
    texted = [line for line in capfd.readouterr().err.splitlines() if " texted " in line]
    assert len(texted) == 2, texted
    for line, number in zip(texted, ("+886900000001", "+886900000002"), strict=True):
        assert re.fullmatch(rf"every8d-emulator texted \{number} \(sms, batch {result.batch_id}, "
                            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\): 'Order A-1024 has shipped.'", line), line


def test_quiet_by_default(capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with Every8dEmulator() as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", json.dumps(json.loads(emulator.connection_json())))
        Every8dHook().send_sms("hello", "0900000001")
    assert " texted " not in capfd.readouterr().err
