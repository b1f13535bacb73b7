"""operators.hitl needs Airflow 3.1 and the standard provider; elsewhere its import says so, and the rest of
the package (the notifier re-export, the trigger module) still imports."""

from __future__ import annotations

import importlib

import pytest
from packaging.version import Version

HAS_HITL = Version(__import__("airflow").__version__) >= Version("3.1")


@pytest.mark.skipif(HAS_HITL, reason="Airflow 3.1+ has Human-in-the-loop")
def test_import_before_airflow_3_1_names_what_it_needs() -> None:
    with pytest.raises(ImportError, match=r"needs Airflow 3\.1 or later and the standard provider"):
        importlib.import_module("airflow_provider_every8d.operators.hitl")


@pytest.mark.skipif(not HAS_HITL, reason="Human-in-the-loop needs Airflow 3.1+")
def test_import_on_airflow_3_1_and_later() -> None:
    module = importlib.import_module("airflow_provider_every8d.operators.hitl")
    assert {"Every8dHITLOperator", "Every8dApprovalOperator"} <= set(module.__all__)


def test_the_rest_imports_everywhere() -> None:
    from airflow_provider_every8d.notifications.every8d import Every8dHITLNotifier, Every8dNotifier
    from airflow_provider_every8d.triggers.hitl import Every8dHITLTrigger

    assert issubclass(Every8dHITLNotifier, Every8dNotifier)
    assert Every8dHITLTrigger.__module__ == "airflow_provider_every8d.triggers.hitl"
