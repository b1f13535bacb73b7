"""HITL runs need Airflow 3.1+ (the standard provider's Human-in-the-loop); elsewhere nothing is collected
but the emulator's scripted-reply test. ``waiting``: a task deferred on the HITL trigger (tests/harness/hitl.py)."""

from __future__ import annotations

from tests.harness.hitl import waiting  # noqa: F401

try:
    import airflow_provider_every8d.operators.hitl  # noqa: F401
except ImportError:
    collect_ignore_glob = ["test_hitl_*.py"]  # also the notifier test: it needs HITLOperator
