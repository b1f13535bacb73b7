"""Building a send operator from a literal list of plain numbers does not walk the list for XComArgs (Airflow
walks every element: about 0.4 µs a number at every parse of the DAG file); an XComArg anywhere in a
templated field still makes its task upstream."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import DAG, BaseOperator, XComArg

from airflow_provider_every8d.operators.every8d import Every8dSendParamSmsOperator, Every8dSendSmsOperator

NUMBERS = [f"0900{n:06d}" for n in range(300)]


class Upstream(BaseOperator):
    def execute(self, context: Any) -> list[str]:
        return NUMBERS


@pytest.fixture
def walked(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every value Airflow's walk looks at."""
    seen: list[object] = []
    walk = XComArg.iter_xcom_references

    def counting(arg: Any) -> Any:
        seen.append(arg)
        return walk(arg)

    monkeypatch.setattr(XComArg, "iter_xcom_references", staticmethod(counting))
    return seen


@pytest.mark.parametrize("recipients", [NUMBERS, tuple(NUMBERS)])
def test_a_literal_list_of_numbers_is_not_walked(walked: list[object], recipients: Any) -> None:
    Every8dSendSmsOperator(task_id="send", message="hi", recipients=recipients)
    assert not any(isinstance(value, str) and value in NUMBERS for value in walked)


def _dag() -> DAG:
    return DAG("xcomarg_walk", schedule=None, start_date=datetime(2025, 1, 1), catchup=False)


@pytest.mark.parametrize("recipients", [
    lambda upstream: upstream.output,
    lambda upstream: [*NUMBERS[:2], upstream.output],  # a list that is not all strings is walked
])
def test_an_xcomarg_in_the_recipients_makes_its_task_upstream(recipients: Any) -> None:
    with _dag():
        upstream = Upstream(task_id="numbers")
        send = Every8dSendSmsOperator(task_id="send", message="hi", recipients=recipients(upstream))
    assert send.upstream_task_ids == {"numbers"}


def test_an_xcomarg_in_another_field_or_inside_dicts_still_counts() -> None:
    with _dag():
        upstream = Upstream(task_id="numbers")
        text = Every8dSendSmsOperator(task_id="text", message=upstream.output,  # type: ignore[arg-type]
                                      recipients=NUMBERS)
        param = Every8dSendParamSmsOperator(task_id="param", message="%field1%",
                                            recipients=[{"mobile": NUMBERS[0], "params": [upstream.output]}])
    assert text.upstream_task_ids == {"numbers"} and param.upstream_task_ids == {"numbers"}
