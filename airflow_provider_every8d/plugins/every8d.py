"""``Every8dPlugin``: mounts the delivery-report push receiver at ``/every8d`` in Airflow 3's API server.

Registered through the package's ``airflow.plugins`` entry point, so installing the package is enough.
The FastAPI app is built on first access to ``fastapi_apps`` (only the API server and ``airflow plugins``
ask), so schedulers and workers that load plugins do not build it; the root middleware in
``fastapi_root_middlewares`` hands it every path under ``/every8d`` whatever its case. On Airflow 2
there is no API server to mount it in: ``Every8dPlugin`` is then not an ``AirflowPlugin`` and Airflow skips it silently.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow import __version__ as _AIRFLOW_VERSION

AIRFLOW_3 = int(_AIRFLOW_VERSION.split(".")[0]) >= 3

if AIRFLOW_3:
    from airflow.providers.common.compat.sdk import AirflowPlugin

    class Every8dPlugin(AirflowPlugin):
        """The EVERY8D push receiver (see ``docs/delivery-report-push.md``)."""

        name = "every8d"

        @cached_property
        def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
            from airflow_provider_every8d.plugins.receiver import URL_PREFIX, receiver_app

            return [{"app": receiver_app(), "url_prefix": URL_PREFIX, "name": "EVERY8D push receiver"}]

        @cached_property
        def fastapi_root_middlewares(self) -> list[dict[str, Any]]:  # type: ignore[override]
            """Routes ``/every8d`` in any case to the receiver before Airflow's router (see ``paths.py``)."""
            from airflow_provider_every8d.plugins.connection_test import PortZeroFix
            from airflow_provider_every8d.plugins.paths import PushPathGuard

            return [{"middleware": PushPathGuard, "args": [], "kwargs": {}, "name": "EVERY8D push paths"},
                    {"middleware": PortZeroFix, "args": [], "kwargs": {}, "name": "EVERY8D connection Test port"}]

else:

    class Every8dPlugin:  # type: ignore[no-redef]
        """Airflow 2: nothing to register (no FastAPI API server); Airflow skips non-plugins."""

        name = "every8d"
