"""The delivery report closes its connection to EVERY8D when it is done, written or failed."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.operators.every8d import Every8dDeliveryReportOperator, Every8dSendSmsOperator


class _Recording(Every8dDeliveryReportOperator):
    """Keeps the hook it used, to look at its session afterwards."""

    used: list[Any] = []

    def get_hook(self) -> Any:
        hook = super().get_hook()
        self.used.append(hook)
        return hook


def _open_sessions(operator: _Recording) -> int:
    return sum(1 for hook in operator.used if "_client" in hook.__dict__)


@pytest.mark.parametrize("include_replies", [False, True])
def test_the_report_closes_its_session(every8d_emulator: Every8dEmulator, tmp_path, include_replies: bool) -> None:
    sent = Every8dSendSmsOperator(task_id="send", message="hi", recipients="0900000001").execute({})
    operator = _Recording(task_id="report", batch_ids=sent["batch_ids"], path=str(tmp_path / "r.csv"),
                          include_replies=include_replies)
    operator.used = []
    assert operator.execute({})["rows"] == 1
    assert len(operator.used) == 1 and _open_sessions(operator) == 0


def test_a_failed_report_closes_its_session_too(every8d_emulator: Every8dEmulator, tmp_path) -> None:
    every8d_emulator.faults.add("http_500", endpoint="getDeliveryStatus", times=10)
    operator = _Recording(task_id="report", batch_ids=["B-404"], path=str(tmp_path / "r.csv"))
    operator.used = []
    with pytest.raises(Exception):  # noqa: B017 - which error is the transport's business
        operator.execute({})
    assert len(operator.used) == 1 and _open_sessions(operator) == 0
