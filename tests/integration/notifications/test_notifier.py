"""Every8dNotifier over real HTTP against the emulator: what the on-call receives, and how it fails."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from airflow import __version__ as AIRFLOW_VERSION
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_every8d.notifications.every8d import Every8dNotifier, send_every8d_notification
from airflow_provider_every8d.protocol.errors import Every8dApiError, Every8dTransportError, Every8dValidationError

AIRFLOW_3 = int(AIRFLOW_VERSION.split(".")[0]) >= 3
ON_CALL = "0900000001"
RUN_ID = "manual__2025-01-02T03:04:05+00:00"


@pytest.fixture
def logs(caplog, capfd):
    """Everything logged during the test: Airflow 2 logs through logging, Airflow 3 through structlog."""
    caplog.set_level(logging.DEBUG)
    return lambda: caplog.text + capfd.readouterr().out


def failure_context(**ti_fields: Any) -> dict[str, Any]:
    """What a task's on_failure_callback gets, reduced to what the notifier and templates read."""
    dag = DAG("etl_daily", schedule=None, start_date=datetime(2025, 1, 1))
    ti = SimpleNamespace(dag_id="etl_daily", task_id="load_orders", run_id=RUN_ID, try_number=2, state="failed",
                         map_index=-1, end_date=datetime(2025, 1, 2, 3, 4, 30, tzinfo=timezone.utc), log_url="http://localhost:8080/dags/etl_daily/runs/x/tasks/load_orders")
    for name, value in ti_fields.items():
        setattr(ti, name, value)
    return {"dag": dag, "ti": ti, "task_instance": ti, "run_id": RUN_ID, "ds": "2025-01-02"}


def test_alias() -> None:
    assert send_every8d_notification is Every8dNotifier


def test_default_message_names_dag_task_try_and_time_in_one_sms(every8d_emulator) -> None:
    Every8dNotifier(recipients=ON_CALL)(failure_context())
    (message,) = every8d_emulator.messages
    assert message.mobile == "+886900000001"
    assert message.text == "Airflow: etl_daily.load_orders failed (try 2) at 2025-01-02 03:04 UTC"
    assert len(message.text) <= 70
    assert message.cost == 1


def test_default_message_includes_the_log_url_when_it_fits(every8d_emulator) -> None:
    context = failure_context()
    Every8dNotifier(recipients=ON_CALL, max_length=333)(context)
    (message,) = every8d_emulator.messages
    expected = "Airflow: etl_daily.load_orders failed (try 2) at 2025-01-02 03:04 UTC " + context["ti"].log_url
    assert message.text == expected


def test_templated_fields_render_from_the_context(every8d_emulator) -> None:
    notifier = Every8dNotifier(
        recipients="{{ params_phone }}",
        message="{{ dag.dag_id }}/{{ ti.task_id }} failed on {{ ds }}",
        subject="alert {{ ti.try_number }}",
    )
    notifier({**failure_context(), "params_phone": "0900000002,0900000003"})
    assert sorted(m.mobile for m in every8d_emulator.messages) == ["+886900000002", "+886900000003"]
    assert {(m.text, m.subject) for m in every8d_emulator.messages} == {("etl_daily/load_orders failed on 2025-01-02",
                                                                          "alert 2")}


def test_a_message_template_that_fails_to_render_falls_back_to_the_default_text(every8d_emulator, logs) -> None:
    """``{{ ds }}`` is undefined in a manual run on Airflow 3: the alert must still go out."""
    context = {key: value for key, value in failure_context().items() if key != "ds"}
    Every8dNotifier(recipients=ON_CALL, message="{{ dag.dag_id }} failed on {{ ds.upper() }}")(context)
    (message,) = every8d_emulator.messages
    assert message.text == "Airflow: etl_daily.load_orders failed (try 2) at 2025-01-02 03:04 UTC"
    assert "failed to render" in logs()


def test_a_rendered_message_over_max_length_is_cut_not_lost(every8d_emulator, logs) -> None:
    Every8dNotifier(recipients=ON_CALL, message="{{ 'x' * 100 }}")(failure_context())
    (message,) = every8d_emulator.messages
    assert message.text == "x" * 69 + "…"
    assert "over max_length=70" in logs()


async def test_async_notify_sends_over_httpx(every8d_emulator) -> None:
    notifier = Every8dNotifier(recipients=[ON_CALL, "0900000002"], message="late: nightly report")
    await notifier.async_notify(failure_context())
    assert sorted(m.mobile for m in every8d_emulator.messages) == ["+886900000001", "+886900000002"]
    (request,) = every8d_emulator.requests
    assert request.endpoint == "sendSMS" and request.fields["MSG"] == "late: nightly report"


def test_logs_mask_numbers_and_keep_the_text_out_of_info(every8d_emulator, caplog, logs) -> None:
    caplog.set_level(logging.INFO)
    Every8dNotifier(recipients=ON_CALL, message="secret runbook step")(failure_context())
    info = logs()
    assert "0900***001" in info
    assert ON_CALL not in info and "secret runbook step" not in info


def test_server_fault_is_logged_and_raised(every8d_emulator, logs) -> None:
    every8d_emulator.faults.add("http_500", "sendSMS")
    notifier = Every8dNotifier(recipients=ON_CALL, message="disk full")
    if AIRFLOW_3:
        with pytest.raises(Every8dTransportError, match="500"):
            notifier(failure_context())
    else:  # Airflow 2.11's BaseNotifier.__call__ logs the traceback and does not re-raise
        notifier(failure_context())
        with pytest.raises(Every8dTransportError, match="500"):
            notifier.notify(failure_context())
    assert "Failed to send notification" in logs()
    assert every8d_emulator.messages == []


async def test_wrong_password_is_logged_and_raised_async(every8d_emulator, monkeypatch, logs) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", every8d_emulator.connection_json().replace(
        "demo-password", "wrong-password"))
    notifier = Every8dNotifier(recipients=ON_CALL, message="disk full")
    with pytest.raises(Every8dApiError) as raised:
        await notifier.async_notify(failure_context())
    output = logs()
    assert "wrong-password" not in str(raised.value) and "wrong-password" not in output
    assert "Failed to send notification (async)" in output
    assert every8d_emulator.messages == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"recipients": "0912"}, "recipients[0]"),
        ({"recipients": []}, "recipients"),
        ({"recipients": 900000001}, "recipients"),
        ({"recipients": ON_CALL, "message": ""}, "message"),
        ({"recipients": ON_CALL, "message": "x" * 71}, "message"),
        ({"recipients": ON_CALL, "message": "x" * 71, "max_length": 2001}, "max_length"),
        ({"recipients": ON_CALL, "max_length": 0}, "max_length"),
        ({"recipients": ON_CALL, "subject": 5}, "subject"),
        ({"recipients": ON_CALL, "every8d_conn_id": ""}, "every8d_conn_id"),
    ],
)
def test_bad_arguments_fail_when_the_notifier_is_created(every8d_emulator, arguments, field) -> None:
    with pytest.raises(Every8dValidationError) as raised:
        Every8dNotifier(**arguments)
    assert raised.value.field == field
    assert every8d_emulator.requests == []


def test_a_long_message_is_accepted_with_a_higher_max_length(every8d_emulator) -> None:
    Every8dNotifier(recipients=ON_CALL, message="x" * 200, max_length=333)(failure_context())
    (message,) = every8d_emulator.messages
    assert (len(message.text), message.cost) == (200, 3)


def test_a_template_that_renders_a_bad_number_fails_before_sending(every8d_emulator) -> None:
    notifier = Every8dNotifier(recipients="{{ 'not-a-phone' }}", message="x")
    with pytest.raises(Every8dValidationError, match=r"recipients\[0\]"):
        notifier.render_template_fields(failure_context())
        notifier.notify(failure_context())
    assert every8d_emulator.requests == []
