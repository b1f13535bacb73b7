"""Every case of the bad-input corpus fails with an error naming the field and the problem, and the
emulator receives no request.

Each task is built inside a DAG (so a ``"parse"`` case fails where the DAG file is parsed), its templates
are rendered from the run's context, then it runs as a worker would run it: ``execute(context)`` for
operators and sensors, ``notifier(context)`` for the notifier. A few cases also go through a whole
``dag.test()`` run at the end of this file.
"""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pendulum
import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.protocol.errors import Every8dValidationError
from tests.integration.reliability.bad_inputs import CASES, PARAMS, BadInput

START = pendulum.datetime(2025, 1, 1, tz="UTC")
BAD_CONN_ID = "every8d_bad"


def _task_class(target: str) -> type:
    from airflow_provider_every8d.notifications.every8d import Every8dNotifier
    from airflow_provider_every8d.operators.delivery_report import Every8dDeliveryReportOperator
    from airflow_provider_every8d.operators.every8d import (
        Every8dEraseBookingOperator,
        Every8dSendMmsOperator,
        Every8dSendParamSmsOperator,
        Every8dSendSmsOperator,
    )
    from airflow_provider_every8d.sensors.every8d import Every8dDeliveryStatusSensor, Every8dReplySensor

    return {"sms": Every8dSendSmsOperator, "mms": Every8dSendMmsOperator, "param": Every8dSendParamSmsOperator,
            "erase": Every8dEraseBookingOperator, "report": Every8dDeliveryReportOperator,
            "status": Every8dDeliveryStatusSensor, "reply": Every8dReplySensor, "notifier": Every8dNotifier}[target]


def _use_bad_connection(case: BadInput, emulator: Every8dEmulator, monkeypatch: pytest.MonkeyPatch) -> dict:
    connection = {**json.loads(emulator.connection_json()), **case.connection}
    monkeypatch.setenv(f"AIRFLOW_CONN_{BAD_CONN_ID.upper()}", json.dumps(connection))
    return {"every8d_conn_id": BAD_CONN_ID}


def _context(dag: Any) -> dict[str, Any]:
    ti = SimpleNamespace(dag_id=dag.dag_id, task_id="t", run_id="manual__2025-01-02", try_number=1, map_index=-1,
                         state="failed", log_url="")
    return {"dag": dag, "params": dict(PARAMS), "ds": "2025-01-02", "run_id": "manual__2025-01-02", "ti": ti,
            "task_instance": ti}


def _run(case: BadInput, extra: dict[str, Any]) -> str:
    """Build, render and run the case; return the stage that raised (the exception propagates)."""
    from airflow.providers.common.compat.sdk import DAG

    cls = _task_class(case.target)
    kwargs = {**case.kwargs, **extra}
    stage = "parse"
    with DAG(f"bad_input_{case.target}", schedule=None, start_date=START, params=PARAMS) as dag:
        if case.target == "notifier":
            task: Any = cls(**kwargs)
        else:
            task = cls(task_id="t", **kwargs, **({"poke_interval": 0.01, "timeout": 5}
                                                  if case.target in ("status", "reply") else {}))
    stage = "run"
    try:
        context = _context(dag)
        if case.target == "notifier":
            if __import__("airflow").__version__.startswith("2."):  # 2.11's __call__ logs and swallows errors
                task.render_template_fields(context)
                task.notify(context)
            else:
                task(context)
        else:
            task.render_template_fields(context)
            task.execute(context)
    except BaseException as error:
        error.add_note(f"stage={stage}")
        raise
    return stage


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_names_the_field_and_sends_nothing(every8d_emulator: Every8dEmulator, monkeypatch, case) -> None:
    from airflow.providers.common.compat.sdk import AirflowException

    extra = _use_bad_connection(case, every8d_emulator, monkeypatch) if case.connection else {}
    with pytest.raises((Every8dValidationError, AirflowException)) as caught:
        _run(case, extra)
    error = caught.value
    stage = "run" if "stage=run" in getattr(error, "__notes__", []) else "parse"
    text = str(error)
    assert stage == case.stage, f"failed at {stage}, expected at {case.stage}: {text}"
    assert f"{case.field}: " in text and case.problem in text, text
    if isinstance(error, Every8dValidationError):
        assert error.field.split(".", 1)[-1] == case.field or error.field == case.field, error.field
    assert every8d_emulator.requests == []


def test_the_corpus_covers_every_task_and_is_large_enough() -> None:
    per_target = Counter(case.target for case in CASES)
    assert len(CASES) >= 60 and len({case.name for case in CASES}) == len(CASES)
    assert set(per_target) == {"sms", "mms", "param", "erase", "report", "status", "reply", "notifier"}
    print(f"\nbad-input corpus: {len(CASES)} cases {dict(per_target)}")


IN_DAG_RUNS = ["sms: templated number renders letters", "sms: unknown connection", "sms: host without scheme",
               "status: templated id renders junk", "notifier: templated number renders letters"]


@pytest.mark.parametrize("name", IN_DAG_RUNS)
def test_bad_input_fails_a_real_dag_run_before_sending(airflow_db, every8d_emulator: Every8dEmulator, monkeypatch,
                                                       capfd, caplog, name: str) -> None:
    """The same cases in a whole dag.test() run: the task fails (no retry), its exception names the field."""
    from airflow.providers.common.compat.sdk import DAG, task

    from tests.helpers import register

    case = next(case for case in CASES if case.name == name)
    extra = _use_bad_connection(case, every8d_emulator, monkeypatch) if case.connection else {}
    errors: list[str] = []
    with DAG(f"bad_input_in_dag_{CASES.index(case)}", schedule=None, start_date=START, params=PARAMS) as dag:
        if case.target == "notifier":
            @task(on_failure_callback=_task_class("notifier")(**case.kwargs))
            def load() -> None:
                raise RuntimeError("load failed")

            load()
        else:
            _task_class(case.target)(task_id="t", retries=0, **case.kwargs, **extra,
                                     on_failure_callback=lambda context: errors.append(str(context["exception"])))
    register(dag)
    dag_run = dag.test()
    assert str(dag_run.state).endswith("failed")
    if case.target == "notifier":  # a callback's failure is logged by Airflow, not raised into the run
        text = capfd.readouterr().out + caplog.text  # Airflow 3 logs through structlog, 2.11 through logging
    else:
        (text,) = errors
    assert f"{case.field}: " in text and case.problem in text, text
    assert every8d_emulator.requests == []
