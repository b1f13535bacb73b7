"""Names and defaults every module may import cheaply: a leaf with no imports of its own.

One definition each: the connection type and default id, the chunk size, the default poll interval.
DAG-facing modules import this file at parse time, so it stays free of imports.
"""

from __future__ import annotations

CONN_TYPE = "every8d"
"""The Airflow connection type registered by this provider."""
DEFAULT_CONN_ID = "every8d_default"
"""The connection id every hook, operator, sensor, trigger and notifier uses when none is given."""
DEFAULT_CHUNK_SIZE = 1000
"""Recipients per send request (one batch each); the vendor advises 500 to 2,000."""
DEFAULT_POLL_INTERVAL = 30.0
"""Seconds between two status or reply checks of a wait."""
HITL_TRIGGER_CLASSPATH = "airflow_provider_every8d.triggers.hitl.Every8dHITLTrigger"
"""Stored with every task deferred on the HITL trigger, and looked up by the push receiver: keep it stable."""

WRONG_CREDENTIALS = -2
"""The platform's code for a wrong account or password (2.2's table): a wait refused with it drops the
triggerer's shared connection lookup (``transport.aio.forget_lookup``)."""
