"""The send-once engine: no Airflow import, usable by any code that must text people exactly once.

- :mod:`.plan`: a :class:`Send` (validated :class:`Recipient` s, a chunk builder, the options), and what is
  left of it on a new try (accepted recipients left out, lost chunks rechecked through the filter).
- :mod:`.ledger`: what the platform accepted, kept as keyed digests in a store (``task_state_store``).
- :mod:`.guard`: ``max_cost`` and ``check_credit``, before any request.
- :mod:`.run`: :func:`run` sends chunk by chunk through a given ``call(request)`` and returns an
  :class:`Outcome`; its :class:`Verdict` (done, retry-safe failure, final failure) is mapped to Airflow's
  exceptions in one place, ``operators/_verdict.py``; :meth:`Outcome.to_xcom` is the send XCom.

Another user (a notifier, a HITL question) builds a :class:`Send` and calls :func:`run` with a ledger key of
its own; see :func:`run`'s docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_every8d.sending.ledger import LEDGER_KEY, Ledger, MemoryStore, Store
from airflow_provider_every8d.sending.outcome import ChunkResult, Outcome, SendXCom, Verdict
from airflow_provider_every8d.sending.plan import Recipient, Send, phone_recipients
from airflow_provider_every8d.sending.run import NO_LEDGER_WARNING, run

__all__ = ["LEDGER_KEY", "NO_LEDGER_WARNING", "ChunkResult", "Ledger", "MemoryStore", "Outcome", "Recipient",
           "Send", "SendXCom", "Store", "Verdict", "dry_run", "phone_recipients", "run"]

if TYPE_CHECKING:
    from airflow_provider_every8d.sending._dry_run import dry_run


def __getattr__(name: str) -> Any:
    """:func:`dry_run` (``sending/_dry_run.py``), loaded when first asked for: a send does not need it."""
    if name == "dry_run":
        from airflow_provider_every8d.sending._dry_run import dry_run

        globals()["dry_run"] = dry_run  # found directly from now on
        return dry_run
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
