"""DAG-facing modules stay cheap to import: DAG files are parsed again and again, so the builders,
parsers, hook and transports load only when a task runs. Each check runs in a fresh interpreter."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

BASELINE = """
from airflow.providers.common.compat.sdk import BaseNotifier, BaseOperator, BaseSensorOperator
from airflow.triggers.base import BaseTrigger
"""
"""What Airflow itself loads for the base classes our modules extend; only what comes on top is counted."""

HEAVY = ("airflow_provider_every8d.protocol.build", "airflow_provider_every8d.protocol.parse",
         "airflow_provider_every8d.protocol.mms", "airflow_provider_every8d.protocol.param_sms",
         "airflow_provider_every8d.protocol.summary", "airflow_provider_every8d.protocol.driver",
         "airflow_provider_every8d.transport", "airflow_provider_every8d.hooks", "requests", "httpx")


@functools.cache  # a fresh interpreter's answer per module, shared by the tests that ask about the same module
def modules_added_by(module: str) -> tuple[str, ...]:
    script = (f"import importlib, json, sys\n{BASELINE}\nbefore = set(sys.modules)\n"
              f"importlib.import_module({module!r})\nprint(json.dumps(sorted(set(sys.modules) - before)))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", [
    "airflow_provider_every8d.notifications.every8d",
    "airflow_provider_every8d.sensors.every8d",
    "airflow_provider_every8d.triggers.every8d",
    "airflow_provider_every8d.plugins.assets",
])
def test_importing_a_dag_facing_module_loads_nothing_heavy(module: str) -> None:
    added = modules_added_by(module)
    assert module in added  # the check sees what the import brought in
    heavy = [name for name in added if name.startswith(HEAVY)]
    assert heavy == []


@pytest.mark.parametrize("module", [
    "airflow_provider_every8d.operators.every8d",
    "airflow_provider_every8d.sensors.every8d",
    "airflow_provider_every8d.triggers.every8d",
    "airflow_provider_every8d.notifications.every8d",
])
def test_dag_facing_modules_load_none_of_the_core_until_a_task_runs(module: str) -> None:
    """Only their own package: the protocol, the transports, the engine and the waits load in execute()."""
    core = tuple(f"airflow_provider_every8d.{part}" for part in ("protocol", "transport", "sending", "waiting"))
    assert [name for name in modules_added_by(module) if name.startswith(core)] == []


@pytest.mark.parametrize(("module", "names"), [
    ("endpoints", ["Endpoint", "base_url"]),
    ("errors", ["Every8dApiError", "Every8dError", "Every8dResponseError", "Every8dTransportError",
                "Every8dValidationError"]),
    ("models", ["DeliveryReport", "DeliveryRow", "EraseResult", "Reply", "ReplyPage", "SendResult", "StatusPage"]),
    ("phones", ["Phone", "parse_phone"]),
    ("pricing", ["estimate_mms_cost", "estimate_sms_cost", "mms_points", "sms_points"]),
    ("privacy", ["mask"]),
    ("request", ["ApiRequest"]),
    ("status", ["Outcome", "classify"]),
    ("summary", ["DeliverySummary"]),
])
def test_every_public_protocol_name_is_in_its_submodule(module: str, names: list[str]) -> None:
    import importlib

    home = importlib.import_module(f"airflow_provider_every8d.protocol.{module}")
    for name in names:
        assert getattr(home, name) is not None


def test_the_protocol_package_itself_loads_no_submodule() -> None:
    added = modules_added_by("airflow_provider_every8d.protocol")
    assert [name for name in added if name.startswith("airflow_provider_every8d.protocol.")] == []
