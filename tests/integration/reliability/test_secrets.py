"""Secrets and privacy over full runs of every example DAG, passing and failing.

Each run uses a distinctive password, then scans everything a user, an operator of the Airflow deployment
or a log shipper could see: the task logs (INFO and above, as Airflow writes them), every XCom of the run,
the rendered template fields stored for the UI, the text of every task exception, and the path, query and
headers of every request the emulator received. The password must be nowhere; recipients' numbers must not
appear unmasked and message texts not at all in the provider's log lines.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from tests.helpers import REPO_ROOT, register

EXAMPLES = REPO_ROOT / "example_dags"
PASSWORD = "S3cr3t-pw-for-tests-0001"
WRONG_PASSWORD = "Wr0ng-pw-for-tests-0002"
USER_CODE_LOGGERS = ("_PythonDecoratedOperator", "PythonOperator")
"""Lines logged for the examples' own @task functions (Airflow logs their return values): not ours to mask."""


def _load(name: str, tmp_path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag = module.dag
    for task in dag.tasks:
        for attribute in ("poke_interval", "poll_interval"):
            if hasattr(task, attribute):
                setattr(task, attribute, 0.1)
        if hasattr(task, "path") and task.task_id == "write_report":
            task.path = f"file://{tmp_path}/{{{{ ds }}}}.csv"
    return dag


def _http_500(emu: Every8dEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.faults.add("http_500", "sendSMS")


def _wrong_password(emu: Every8dEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_EVERY8D_DEFAULT", emu.connection_json().replace(PASSWORD, WRONG_PASSWORD))


def _garbage_status(emu: Every8dEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.faults.add("garbage", "getDeliveryStatus")


RUNS: list[tuple[str, str, dict[str, Any], Callable[..., None] | None, str]] = [
    ("quickstart", "every8d_quickstart", {}, None, "success"),
    ("campaign", "example_every8d_sms", {}, None, "success"),
    ("booking", "example_every8d_booking", {}, None, "success"),
    ("param sms", "example_every8d_param_sms", {}, None, "success"),
    ("mms", "example_every8d_mms", {}, None, "success"),
    ("delivery", "example_every8d_delivery", {}, None, "success"),
    ("approval", "example_every8d_approval", {}, None, "success"),
    ("report backfill", "example_every8d_report_backfill", {}, None, "success"),
    ("alerting, passing", "example_every8d_alerting", {}, None, "success"),
    ("alerting, failing task texts the on-call", "example_every8d_alerting", {"run_conf": {"fail": True}}, None,
     "failed"),
    ("quickstart, HTTP 500 on the send", "every8d_quickstart", {}, _http_500, "failed"),
    ("quickstart, wrong password", "every8d_quickstart", {}, _wrong_password, "failed"),
    ("delivery, garbage status answers", "example_every8d_delivery", {}, _garbage_status, "failed"),
]


class _Exceptions:
    """An on_failure_callback added to every task: keeps the text of each task's exception."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, context: Any) -> None:
        self.texts.append(f"{context.get('exception')!s} {context.get('exception')!r}")

    def attach(self, dag: Any) -> None:
        for task in dag.tasks:
            existing = task.on_failure_callback
            callbacks = list(existing) if isinstance(existing, (list, tuple)) else [existing] if existing else []
            task.on_failure_callback = [*callbacks, self]


def _stored(dag_id: str, run_id: str) -> tuple[list[Any], list[Any]]:
    """Every XCom value and every rendered-fields record of the run, as stored in the metadata DB."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    try:
        from airflow.models.xcom import XComModel as XCom
    except ImportError:  # Airflow 2: its ORM hands the value back already deserialised
        from airflow.models.xcom import XCom  # type: ignore[assignment]

        deserialize = lambda row: row.value  # noqa: E731
    else:
        deserialize = XCom.deserialize_value
    with create_session() as session:
        xcoms = [deserialize(row) for row in session.query(XCom).filter_by(dag_id=dag_id, run_id=run_id)]
        rendered = [row.rendered_fields for row in
                    session.query(RenderedTaskInstanceFields).filter_by(dag_id=dag_id, run_id=run_id)]
    return xcoms, rendered


def _provider_lines(output: str) -> list[str]:
    """The log without the records of the examples' own @task functions (also where Python's logging prints
    such a record's arguments after a handler error: ``Message: 'Done. Returned value was: %s'``)."""
    kept: list[str] = []
    user_record = False
    for line in output.splitlines():
        if any(name in line for name in USER_CODE_LOGGERS) or "Returned value was" in line:
            user_record = True
        elif not (user_record and line.startswith("Arguments: ")):
            user_record = False
            if line.strip():
                kept.append(line)
    return kept


def _unmasked_forms(mobile: str) -> list[str]:
    """``+886900000001`` -> the spellings that would identify the person: ``0900000001``, ``886900000001``..."""
    local = "0" + mobile[-9:] if mobile.startswith("+886") else mobile
    return [local, mobile, mobile.lstrip("+")]


@pytest.mark.every8d(accounts={"demo": PASSWORD}, delivery_seconds=0.1, credit=10_000)
@pytest.mark.parametrize(("label", "example", "run_kwargs", "setup", "state"), RUNS, ids=[run[0] for run in RUNS])
def test_no_secret_and_no_personal_data_leaks_from_an_example_run(
        airflow_db, every8d_emulator: Every8dEmulator, monkeypatch, capfd, caplog, tmp_path,
        label, example, run_kwargs, setup, state) -> None:
    caplog.set_level(logging.INFO)
    if setup:
        setup(every8d_emulator, monkeypatch)
    dag = _load(example, tmp_path)
    exceptions = _Exceptions()
    exceptions.attach(dag)
    register(dag)
    dag_run = dag.test(**run_kwargs)
    assert str(dag_run.state).endswith(state), label

    captured = capfd.readouterr()
    output = captured.out + captured.err + caplog.text
    xcoms, rendered = _stored(dag_run.dag_id, dag_run.run_id)
    seen_by_server = [f"{r.path} {r.query} {json.dumps(dict(r.headers))}" for r in every8d_emulator.requests]
    places = {"logs": output, "xcoms": json.dumps(xcoms, default=str, ensure_ascii=False),
              "rendered fields": json.dumps(rendered, default=str, ensure_ascii=False),
              "exceptions": "\n".join(exceptions.texts), "request lines": "\n".join(seen_by_server)}
    for place, text in places.items():
        for secret in (PASSWORD, WRONG_PASSWORD):
            assert secret not in text, f"password in {place}"
    assert every8d_emulator.requests or label == "alerting, passing", "the run reached the emulator"
    assert all("PWD" not in r.query and "UID" not in r.query for r in every8d_emulator.requests)

    lines = "\n".join(_provider_lines(output))
    for message in every8d_emulator.messages:
        for form in _unmasked_forms(message.mobile):
            assert form not in lines, f"{form} unmasked in the log"
            assert form not in places["exceptions"], f"{form} unmasked in an exception"
        if len(message.text) >= 12:
            assert message.text not in lines, "message text in the log"
    if every8d_emulator.messages and "alerting" not in label:  # the notifier logs masked numbers too
        assert "***" in lines, "the provider's log lines were captured"
    if state == "failed":
        assert exceptions.texts, "a failed run keeps its exception text"
    print(f"\n{label}: {len(output.splitlines())} log lines, {len(xcoms)} XComs, {len(rendered)} rendered "
          f"records, {len(exceptions.texts)} exceptions, {len(every8d_emulator.requests)} requests scanned")


def test_the_push_example_needs_the_api_server() -> None:
    pytest.skip("example_every8d_push runs on asset events from the plugin's receiver (API server); its "
                "privacy is covered by tests/plugin (push fields are stored without the password)")
