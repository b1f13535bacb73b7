"""The default alert text: what stays, what goes, and that it always fits (pure, no Airflow)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_every8d.notifications.alert_text import AlertFacts, compose, facts_from_context

URL = "http://localhost:8080/dags/etl/runs/manual__2025-01-01/tasks/load?try_number=2"
WHEN = datetime(2025, 1, 2, 11, 4, 59, tzinfo=timezone(timedelta(hours=8)))  # 03:04 UTC
FACTS = AlertFacts("etl", "load", "manual__2025-01-01T00:00:00+00:00", 2, "failed", URL, WHEN)


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (333, f"Airflow: etl.load failed (try 2) at 2025-01-02 03:04 UTC {URL}"),
        (70, "Airflow: etl.load failed (try 2) at 2025-01-02 03:04 UTC"),
        (50, "etl.load failed (try 2) at 2025-01-02 03:04 UTC"),
        (40, "etl.load failed (try 2) at 03:04 UTC"),
        (30, "etl.load failed (try 2)"),
        (20, "etl.… failed (try 2)"),
    ],
)
def test_parts_are_dropped_in_order_of_importance(limit: int, expected: str) -> None:
    assert compose(FACTS, limit) == expected


def test_the_run_id_is_not_spent_on() -> None:
    assert compose(replace(FACTS, log_url=None), 2000) == "Airflow: etl.load failed (try 2) at 2025-01-02 03:04 UTC"


def test_long_ids_keep_both_starts() -> None:
    facts = AlertFacts("customer_orders_daily_aggregation_pipeline_v2", "load_into_the_warehouse_partitioned",
                       "scheduled__2025-01-01T00:00:00+00:00", 1)
    text = compose(facts, 70)
    assert len(text) <= 70
    assert text.startswith("customer_orders") and ".load_into" in text and text.endswith("failed (try 1)")


def test_url_is_never_cut() -> None:
    for limit in range(20, 200):
        text = compose(FACTS, limit)
        assert URL in text or "http" not in text


@given(dag=st.text(min_size=1, max_size=300), task=st.text(max_size=300), run=st.text(max_size=300),
       limit=st.integers(1, 400))
def test_always_fits(dag: str, task: str, run: str, limit: int) -> None:
    assert 0 < len(compose(AlertFacts(dag, task or None, run or None, 3), limit)) <= limit


def test_facts_from_a_task_callback_context() -> None:
    ti = SimpleNamespace(dag_id="etl", task_id="load", run_id="r1", try_number=3, state="up_for_retry",
                         log_url="https://airflow.example/log", end_date=WHEN)
    assert facts_from_context({"ti": ti}) == AlertFacts("etl", "load", "r1", 3, "up for retry",
                                                        "https://airflow.example/log", WHEN)


def test_without_an_end_date_the_time_is_now() -> None:
    ti = SimpleNamespace(dag_id="etl", task_id="load", try_number=1, state="failed")
    assert facts_from_context({"ti": ti}, now=WHEN).when == WHEN


def test_facts_from_a_deadline_context() -> None:
    context = {"dag_run": {"dag_id": "etl", "run_id": "scheduled__x"},
               "deadline": {"id": "1", "deadline_time": "2025-01-02T00:30:00+00:00"}}
    facts = facts_from_context(context)
    assert (facts.dag_id, facts.task_id, facts.run_id, facts.event) == ("etl", None, "scheduled__x",
                                                                         "missed its deadline")
    assert compose(facts, 70) == "Airflow: etl missed its deadline at 2025-01-02 00:30 UTC"


def test_a_log_url_that_cannot_be_computed_is_left_out() -> None:
    class Ti:
        dag_id, task_id, run_id, try_number, state = "etl", "load", "r", 1, "failed"

        @property
        def log_url(self) -> str:
            raise RuntimeError("no base_url configured")

    assert facts_from_context({"ti": Ti()}).log_url is None
