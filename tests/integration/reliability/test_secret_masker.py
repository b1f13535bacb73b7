"""Airflow's secret masker learns the password from the hook itself, and the async (triggerer) path keeps
the password and the numbers out of its logs too.

Airflow's own ``get_connection`` registers a connection's password with the masker, but a connection can
come from elsewhere (a hook subclass overriding ``get_connection``, a secrets backend wrapper, an older
runtime): the hook feeds the masker itself, on the sync and on the async path. Each test uses a password
never seen before, so the masker cannot know it from an earlier test.
"""

from __future__ import annotations

import asyncio
import logging
import runpy
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.hooks.every8d import Every8dHook
from tests.helpers import REPO_ROOT

EXAMPLES = REPO_ROOT / "example_dags"


def _redact(text: str) -> str:
    try:
        from airflow.sdk._shared.secrets_masker import redact
    except ImportError:  # Airflow 2
        from airflow.utils.log.secrets_masker import redact  # type: ignore[no-redef]
    return str(redact(text))


def _unregistered_connection(emulator: Every8dEmulator, password: str) -> Any:
    """What ``get_connection`` returns, built without Airflow's Connection class (whose constructor masks the
    password on Airflow 2): nothing has told the masker about this password."""
    return SimpleNamespace(conn_id="every8d_default", conn_type="every8d", host=emulator.url, port=None,
                           login="demo", password=password, extra="{}", extra_dejson={})


def _fresh_password() -> str:
    """Upper-case letters only: Airflow 2 also masks one-character secrets that earlier tests registered
    (a connection with password ``"b"``), which would cut into a hex password."""
    return "UNREGISTERED-" + "".join(chr(ord("A") + b % 26) for b in uuid.uuid4().bytes * 2)


def test_the_sync_hook_feeds_the_masker(monkeypatch) -> None:
    password = _fresh_password()
    with Every8dEmulator(accounts={"demo": password}, delivery_seconds=0) as emulator:
        connection = _unregistered_connection(emulator, password)
        monkeypatch.setattr(Every8dHook, "get_connection", classmethod(lambda cls, conn_id: connection))
        assert password in _redact(f"before: {password}")
        hook = Every8dHook()
        assert hook.get_credit() == 1000.0
        hook.close()
    assert password not in _redact(f"after: {password}")


def test_the_async_hook_feeds_the_masker(monkeypatch) -> None:
    import airflow.providers.common.compat.connection as compat_connection

    password = _fresh_password()
    with Every8dEmulator(accounts={"demo": password}, delivery_seconds=0) as emulator:
        connection = _unregistered_connection(emulator, password)

        async def unregistered(conn_id: str, hook: Any = None) -> Any:
            return connection

        monkeypatch.setattr(compat_connection, "get_async_connection", unregistered)
        assert password in _redact(f"before: {password}")

        async def credit() -> float:
            client = await Every8dHook().aget_client()
            try:
                from airflow_provider_every8d.protocol import build

                return float(await client.call(build.credit_request()))
            finally:
                await client.aclose()

        assert asyncio.run(credit()) == 1000.0
    assert password not in _redact(f"after: {password}")


def test_a_deadline_alert_sent_from_the_triggerer_leaks_nothing(monkeypatch, capfd, caplog) -> None:
    """The deadline example's AsyncCallback runs the notifier in the triggerer (httpx)."""
    names = runpy.run_path(str(EXAMPLES / "example_every8d_deadline.py"))
    if not names.get("DeadlineAlert"):
        pytest.skip("this Airflow has no Deadline Alerts (3.1+)")
    from airflow.triggers.callback import CallbackTrigger

    caplog.set_level(logging.INFO)
    password = _fresh_password()
    dag = names["dag"]
    (alert,) = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    context = {"dag_run": {"dag_id": dag.dag_id, "run_id": "scheduled__2025-01-02T00:00:00+00:00"},
               "deadline": {"id": "1", "deadline_time": "2025-01-02T00:30:00+00:00"}}
    with Every8dEmulator(accounts={"demo": password}, delivery_seconds=0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", emulator.connection_json())
        trigger = CallbackTrigger(alert.callback.path, {**alert.callback.kwargs, "context": context})

        async def events() -> list[Any]:
            return [event.payload async for event in trigger.run()]

        *_, last = asyncio.run(events())
        assert str(last["state"]).endswith("success"), last
        (message,) = emulator.messages
        requests = emulator.requests
    output = "".join(capfd.readouterr()) + caplog.text
    assert password not in output and password not in repr(last)
    assert all(password not in f"{r.path} {r.query} {dict(r.headers)}" for r in requests)
    assert "0" + message.mobile[-9:] not in output and message.mobile not in output
    assert message.text not in output
