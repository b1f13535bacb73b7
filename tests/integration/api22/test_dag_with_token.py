"""A whole DAG on an API 2.2 connection with auth=token, over real HTTP against the emulator in 2.2 mode:
send, deferrable wait, report, notifier; after the token request no request carries the PWD. And a
token that expires in the middle of a deferred wait is renewed once and the wait completes."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_every8d.notifications.every8d import Every8dNotifier
from airflow_provider_every8d.operators.delivery_report import Every8dDeliveryReportOperator
from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator
from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor
from tests.integration.api22.api22_support import carries_password

RECIPIENTS = ["0900000001", "0900000002", "0900000003"]


@pytest.mark.every8d(api_version="2.2", delivery_seconds=0.5)
def test_a_whole_dag_with_a_bearer_token_sends_no_password_after_the_token_request(every8d_airflow,
                                                                                    tmp_path: Path) -> None:
    emu = every8d_airflow.emulator
    assert json.loads(emu.connection_json())["extra"] == {"api_version": "2.2", "auth": "token"}
    report = tmp_path / "report.csv"
    with DAG("api22_token_dag", schedule=None, start_date=datetime(2025, 1, 1), catchup=False) as dag:
        send = Every8dSendSmsOperator(task_id="send", message="Your order shipped", recipients=RECIPIENTS)
        wait = Every8dDeliveryStatusSensor(task_id="wait", batch_id="{{ ti.xcom_pull(task_ids='send')['batch_ids'] }}",
                                           deferrable=True, poke_interval=0.2)
        write = Every8dDeliveryReportOperator(
            task_id="report", batch_ids="{{ ti.xcom_pull(task_ids='send')['batch_ids'] }}", path=str(report),
            on_success_callback=Every8dNotifier(recipients="0900000009", message="report written"))
        send >> wait >> write

    run = every8d_airflow.run(dag)
    assert run.task_states == {"send": "success", "wait": "success", "report": "success"}, run.task_states
    assert run.xcom("wait")["delivered"] == 3
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert sorted(row["mobile"] for row in rows) == ["+886900000001", "+886900000002", "+886900000003"]
    assert all(row["mr"] and float(row["real_cost"]) == 1.0 for row in rows)  # JSON report: mr, real_cost
    assert emu.sent_count("0900000009") == 1  # the notifier's SMS

    requests = emu.requests
    first = next(i for i, r in enumerate(requests) if r.endpoint == "ConnectionHandler")
    assert all(r.endpoint == "ConnectionHandler" and carries_password(r) for r in requests[: first + 1])
    after = requests[first + 1:]
    endpoints = {r.endpoint for r in after}
    assert {"sendSMS", "getDeliveryStatus"} <= endpoints
    offenders = [r.endpoint for r in after if carries_password(r) and int(r.fields.get("VerifyType", 0)) != 1]
    assert offenders == []
    assert all(r.headers.get("Authorization", "").startswith("Bearer ") for r in after
               if r.endpoint != "ConnectionHandler")


@pytest.mark.every8d(api_version="2.2", delivery_seconds=1.0)
def test_a_token_expiring_mid_wait_is_renewed_once_and_the_wait_completes(every8d_emulator, monkeypatch) -> None:
    from airflow_provider_every8d.hooks.every8d import Every8dHook
    from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

    emu = every8d_emulator
    batch = Every8dHook().send_sms("hi", RECIPIENTS).batch_id

    async def wait() -> dict:
        trigger = Every8dDeliveryStatusTrigger([batch], poll_interval=0.1)
        events = trigger.run()
        first_poll = asyncio.ensure_future(events.__anext__())
        while not any(r.endpoint == "getDeliveryStatus" for r in emu.requests):
            await asyncio.sleep(0.02)
        emu.tokens.expire_all()  # the platform drops the token while the trigger waits
        event = await first_poll
        return event.payload

    payload = asyncio.run(wait())
    assert payload["status"] == "success" and payload["summary"]["delivered"] == 3
    gets = [r for r in emu.requests if r.endpoint == "ConnectionHandler" and int(r.fields["VerifyType"]) == 1]
    assert len(gets) == 2  # the first token, and one renewal after the refusal
    polls = [r for r in emu.requests if r.endpoint == "getDeliveryStatus"]
    assert len({r.headers["Authorization"] for r in polls}) == 2
