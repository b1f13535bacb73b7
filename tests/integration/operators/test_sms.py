"""Every8dSendSmsOperator over real HTTP: XCom shape, templating, mapping, chunking, booking, MSGID, filter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pendulum
import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import Every8dEraseBookingOperator, Every8dSendSmsOperator
from tests.helpers import SEND_KEYS, numbers, run_dag, task_instance, xcom

START = pendulum.datetime(2025, 1, 1, tz="UTC")


def _endpoints(emu: Every8dEmulator) -> list[str | None]:
    return [r.endpoint for r in emu.requests]


def test_templated_arguments_render_in_a_dag_run(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    from airflow.providers.common.compat.sdk import DAG

    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    with DAG("every8d_sms_templated", schedule=None, start_date=START, catchup=False,
             params={"who": "on-call", "numbers": "0900000001, 0900000002", "when": tomorrow.isoformat(),
                     "conn": "every8d_default", "label": "nightly"}) as dag:
        Every8dSendSmsOperator(task_id="send", message="Hello {{ params.who }}", recipients="{{ params.numbers }}",
                               subject="{{ params.label }}", send_time="{{ params.when }}",
                               every8d_conn_id="{{ params.conn }}")
    dag_run = run_dag(dag)
    result = xcom(dag_run, "send")
    assert set(result) == SEND_KEYS and result["sent"] == 2
    (request,) = every8d_emulator.requests
    assert request.fields["MSG"] == "Hello on-call" and request.fields["SB"] == "nightly"
    assert request.fields["ST"] == tomorrow.astimezone(timezone(timedelta(hours=8))).strftime("%Y%m%d%H%M%S")
    assert {m.status for m in every8d_emulator.messages} == {300}  # booked


def test_recipients_from_an_upstream_task_and_dynamic_mapping(airflow_db, every8d_emulator: Every8dEmulator) -> None:
    from airflow.providers.common.compat.sdk import DAG, task

    with DAG("every8d_sms_mapped", schedule=None, start_date=START, catchup=False) as dag:
        @task
        def teams() -> list[list[str]]:
            return [numbers(3, 0), numbers(2, 100)]

        Every8dSendSmsOperator.partial(task_id="send", message="Standup in 5 minutes").expand(recipients=teams())
    dag_run = run_dag(dag)
    results = [xcom(dag_run, "send", index) for index in (0, 1)]
    assert [r["sent"] for r in results] == [3, 2]
    assert all(set(r) == SEND_KEYS and len(r["batch_ids"]) == 1 for r in results)
    assert task_instance(dag_run, "send", 1).state == "success"
    assert all(every8d_emulator.sent_count(n) == 1 for n in numbers(3, 0) + numbers(2, 100))


@pytest.mark.every8d(credit=20_000)
@pytest.mark.parametrize(("chunk_size", "batches"), [(1000, 5), (700, 8), (2000, 3)])
def test_5000_recipients_are_split_into_batches(every8d_emulator: Every8dEmulator, chunk_size: int,
                                                batches: int) -> None:
    recipients = numbers(5000)
    result = Every8dSendSmsOperator(task_id="send", message="Service notice", recipients=recipients,
                                    chunk_size=chunk_size).execute({})
    assert len(result["batch_ids"]) == batches == len(set(result["batch_ids"]))
    sizes = [len(every8d_emulator.batch(batch_id)) for batch_id in result["batch_ids"]]
    assert sizes == [chunk_size] * (batches - 1) + [5000 - chunk_size * (batches - 1)]
    assert (result["sent"], result["cost"], result["unsent"]) == (5000, 5000.0, 0)
    assert result["credit"] == every8d_emulator.credit() == 15_000.0


def test_a_number_given_twice_is_sent_once(every8d_emulator: Every8dEmulator) -> None:
    result = Every8dSendSmsOperator(task_id="send", message="hi",
                                    recipients=["0900000001", "+886900000001", "0900-000-002"]).execute({})
    assert result["sent"] == 2 and every8d_emulator.sent_count("0900000001") == 1


def test_future_send_time_books_and_erase_refunds(every8d_emulator: Every8dEmulator) -> None:
    when = pendulum.now("Asia/Taipei").add(hours=3)
    result = Every8dSendSmsOperator(task_id="book", message="Reminder", recipients=numbers(5), send_time=when,
                                    chunk_size=2).execute({})
    assert len(result["batch_ids"]) == 3 and result["cost"] == 5.0
    assert {m.status for m in every8d_emulator.messages} == {300}
    erased = Every8dEraseBookingOperator(task_id="erase", batch_id=result).execute({})
    assert erased == {"deleted": 5, "refunded": 5.0}
    assert {m.status for m in every8d_emulator.messages} == {303}
    again = Every8dEraseBookingOperator(task_id="erase", batch_id=",".join(result["batch_ids"])).execute({})
    assert again == {"deleted": 0, "refunded": 0.0}


def test_msg_id_uses_the_msgid_endpoint(every8d_emulator: Every8dEmulator) -> None:
    result = Every8dSendSmsOperator(task_id="send", message="OTP 123456", recipients="0900000009",
                                    msg_id="4711").execute({})
    assert result["sent"] == 1
    (request,) = every8d_emulator.requests
    assert request.endpoint == "sendSMSWithMsgID" and request.fields["MSGID"] == "4711".zfill(20)


def test_everything_filtered_is_a_success_with_sent_0(every8d_emulator: Every8dEmulator) -> None:
    recipients = numbers(3)
    operator = Every8dSendSmsOperator(task_id="send", message="Same text", recipients=recipients, deduplicate=True)
    operator.execute({})
    again = operator.execute({})
    assert (again["sent"], again["cost"], again["batch_ids"]) == (0, 0.0, [])
    assert sorted(again["filtered"]) == recipients
    assert again["credit"] == every8d_emulator.credit() == 997.0  # asked for: the -98 answer has no balance
    assert _endpoints(every8d_emulator)[-1] == "getCredit"
    assert all(every8d_emulator.sent_count(n) == 1 for n in recipients)


def test_partly_filtered_lists_the_dropped_numbers(every8d_emulator: Every8dEmulator) -> None:
    Every8dSendSmsOperator(task_id="a", message="Same", recipients=numbers(2), deduplicate=True).execute({})
    result = Every8dSendSmsOperator(task_id="b", message="Same", recipients=numbers(4), deduplicate=True).execute({})
    assert result["sent"] == 2 and sorted(result["filtered"]) == numbers(2)
