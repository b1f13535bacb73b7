"""Deploy approval by SMS or in the Airflow UI (Airflow 3.1+): "Deploy v2.3 to prod? 1 Approve, 2 Reject".

``Every8dApprovalOperator`` writes a Human-in-the-loop request (it shows under Required Actions) and texts
it to the on-call numbers with a link to that page. The first answer wins: a reply ``1`` (approve) or
``2`` (reject) from an allowed number, or a click in the UI. Approve runs the deploy; Reject skips it. With
no answer within the hour the default (Reject) applies and nothing is deployed. Against the emulator,
``emulator.reply_after("0900000021", "1", delay=2)`` makes the on-call approve by SMS.

On Airflow 2.11 and 3.0 (no Human-in-the-loop) this file defines no DAG.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.common.compat.sdk import DAG, task

try:
    from airflow_provider_every8d.operators.hitl import Every8dApprovalOperator
except ImportError:  # Airflow before 3.1
    Every8dApprovalOperator = None  # type: ignore[assignment,misc]

ON_CALL = ["0900000021", "0900000022"]  # placeholders: your on-call numbers (or a template)

if Every8dApprovalOperator is not None:
    with DAG(
        dag_id="example_every8d_deploy_approval",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Taipei"),
        catchup=False,
        params={"version": "v2.3"},
        tags=["every8d", "example", "hitl"],
    ) as dag:

        @task
        def build(version: str) -> str:
            return f"release-{version}.tar.gz"

        approval = Every8dApprovalOperator(
            task_id="approve_deploy",
            subject="Deploy {{ params.version }} to prod?",
            body="Build {{ ti.xcom_pull(task_ids='build') }} passed its checks.",  # cut first if too long
            recipients=ON_CALL,  # both are texted; replies from either count (allowed_numbers=... to narrow)
            sms_subject="deploy approval",  # EVERY8D's label for the send, not shown to recipients
            defaults="Reject",  # what applies when nobody answers in time
            response_timeout=timedelta(hours=1),
            poll_interval=30,  # seconds between reads of the replies; the HITL record is read every 5 s
        )

        @task
        def deploy(version: str) -> None:
            print(f"deploying {version}")

        build("{{ params.version }}") >> approval >> deploy("{{ params.version }}")
