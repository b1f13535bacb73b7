"""A booked reminder, then its cancellation: ``send_time`` in the future books the send (status 300 until
then, and the points are taken at booking); the erase operator cancels what is still booked and reports
``{"deleted", "refunded"}``.

Here the appointment is cancelled right after the booking, so the reminder is erased at once; in real
life the erase task would sit behind a branch or a sensor that sees the cancellation.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_every8d.operators.every8d import Every8dEraseBookingOperator, Every8dSendSmsOperator

with DAG(
    dag_id="example_every8d_booking",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
    catchup=False,
    tags=["every8d", "example"],
) as dag:

    @task
    def reminder_time() -> str:
        """Tomorrow 09:00 in Taiwan, as an ISO time with its offset (a naive time would be refused)."""
        tomorrow = pendulum.now("Asia/Taipei").add(days=1)
        return tomorrow.replace(hour=9, minute=0, second=0, microsecond=0).isoformat()

    book = Every8dSendSmsOperator(
        task_id="book_reminder",
        message="Reminder: your appointment is tomorrow at 10:00. Reply N to cancel.",
        recipients="0900000011,0900000012",  # a comma-separated string works too
        send_time=reminder_time(),
        retries=2,
        retry_delay=timedelta(minutes=1),
    )

    cancel = Every8dEraseBookingOperator(
        task_id="cancel_reminder",
        batch_id=book.output,  # the send XCom: every batch id it lists is erased
    )

    @task
    def report(erased: dict) -> None:
        print(f"{erased['deleted']} booked messages cancelled, {erased['refunded']} points refunded")

    report(cancel.output)
