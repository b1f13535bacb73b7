"""Send once across task retries: the ledger of accepted chunks kept in Airflow 3.3's ``task_state_store``.

An SMS cannot be taken back, so a retried send must not send again what the platform already accepted.
Each chunk (one request, one batch) is recorded the moment its answer arrives, before the next chunk is
sent; a retry skips every chunk found in the ledger and reports the same totals. Chunks are recognised by
a fingerprint of their request (endpoint and fields, never the credentials), so a retry whose recipients
or message changed (an upstream task produced other data) sends the changed chunks and skips only the ones
that are truly the same.

The store is scoped to the task instance (DAG, run, task, map index) and survives retries and clears; it is
absent on Airflow before 3.3, where the ledger is disabled and the operator warns that a retry may resend.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_every8d.protocol.models import SendResult
    from airflow_provider_every8d.protocol.request import ApiRequest

LEDGER_KEY = "every8d_send"
"""The task_state_store key holding the list of accepted chunks of this task instance."""

NO_LEDGER_WARNING = (
    "task_state_store is not available (it needs Airflow 3.3 or later): if this task is retried after a "
    "chunk was accepted, the retry sends that chunk again. Use deduplicate=True (the platform's 24-hour "
    "duplicate filter) or retries=0 if a recipient must never get the message twice."
)


def fingerprint(request: ApiRequest) -> str:
    """A stable digest of what a request sends (endpoint, fields, JSON body); no credentials in it."""
    digest = hashlib.sha256(request.endpoint.path.encode("utf-8"))
    body = json.dumps([list(request.fields), request.json_fields], ensure_ascii=False, sort_keys=True)
    digest.update(body.encode("utf-8"))
    return digest.hexdigest()[:32]


def chunk_entry(index: int, request: ApiRequest, result: SendResult) -> dict[str, Any]:
    """One accepted chunk as stored in the ledger (JSON-serialisable)."""
    return {"index": index, "fingerprint": fingerprint(request), "batch_id": result.batch_id,
            "sent": result.sent, "cost": result.cost, "unsent": result.unsent, "credit": result.credit,
            "filtered": list(result.filtered)}


class SendLedger:
    """The accepted chunks of this task instance, read from and written to ``task_state_store``.

    With ``store=None`` (Airflow < 3.3, or a context without the store) nothing is remembered between
    tries: :meth:`accepted` is empty and :meth:`record` only keeps the entry for this try.
    """

    def __init__(self, store: Any | None, log: logging.Logger | Any) -> None:
        self._store = store
        self._log = log
        self._entries: list[dict[str, Any]] = []
        if store is not None:
            stored = store.get(LEDGER_KEY)
            if isinstance(stored, list):
                self._entries = [entry for entry in stored if isinstance(entry, dict)]

    @classmethod
    def from_context(cls, context: Mapping[str, Any], log: logging.Logger | Any) -> SendLedger:
        store = context.get("task_state_store")
        if store is None:
            log.warning(NO_LEDGER_WARNING)
        return cls(store, log)

    @property
    def persistent(self) -> bool:
        """True when accepted chunks survive a retry (Airflow 3.3+)."""
        return self._store is not None

    @property
    def entries(self) -> list[dict[str, Any]]:
        return list(self._entries)

    def accepted(self, request: ApiRequest) -> dict[str, Any] | None:
        """The stored result of a chunk identical to ``request``, if a previous try sent it."""
        key = fingerprint(request)
        return next((entry for entry in self._entries if entry.get("fingerprint") == key), None)

    def record(self, entry: dict[str, Any]) -> None:
        """Remember an accepted chunk now, before anything else is sent."""
        self._entries.append(entry)
        if self._store is not None:
            self._store.set(LEDGER_KEY, self._entries)
