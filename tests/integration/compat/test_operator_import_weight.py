"""The operators module stays light to import (DAG files are parsed again and again)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_operators_loads_no_hook_client_or_protocol() -> None:
    code = ("import sys, airflow_provider_every8d.operators.every8d; "
            "print(sorted(m for m in sys.modules if m.startswith('airflow_provider_every8d.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for heavy in ("hooks", "client", "protocol", "aio"):
        assert f"airflow_provider_every8d.{heavy}" not in loaded

