"""Send once across task retries: which recipients the platform accepted, kept in ``task_state_store``.

An SMS cannot be taken back, so a retried task must not text anyone the platform already accepted. The
ledger is per recipient, not per chunk: a retry removes every accepted recipient from its list, whatever
the order of the list or what else changed in it, and sends only the rest (chunked afresh). A recipient is
its number (SMS, MMS), or its number, text and send time for param SMS, where one number may get several
different messages.

Each chunk is written down *before* its request goes out (in flight) and marked accepted when the answer
arrives. A chunk still in flight on a retry is one whose answer was lost (or whose worker died): it may
have been accepted. An SMS chunk is then sent again through the 24-hour duplicate filter (1.3), so the
platform drops whoever already got it; for MMS, MSGID and param SMS the platform offers no such check and
the task fails without retrying, naming the chunk (see docs/sending-once.md).

Layout in the store (values stay small; Airflow warns above 64 KB a value):
``every8d_send`` = ``{"version": 3, "chunks": [result, ...], "inflight": [chunk number, ...]}`` and
``every8d_send/<n>`` = the recipient keys of chunk ``n``. Without a store (Airflow < 3.3) the same ledger
lives in memory for one try only, and the operator warns that a retry may resend.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

LEDGER_KEY = "every8d_send"
"""The task_state_store key of this task instance's send ledger (delete it to force a resend)."""
VERSION = 3

NO_LEDGER_WARNING = (
    "task_state_store is not available (it needs Airflow 3.3 or later): a retry of this task cannot know what "
    "an earlier try sent. Failures after the first accepted chunk therefore fail the task without retrying, "
    "unless deduplicate=True (the platform's 24-hour duplicate filter) makes a retry safe."
)


class _MemoryStore:
    """Stands in for ``task_state_store`` where there is none: remembers for this try only."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._values[key] = value


class SendLedger:
    """Accepted and in-flight recipients of this task instance's send."""

    def __init__(self, store: Any | None, log: logging.Logger | Any) -> None:
        self.persistent = store is not None
        self._store = store if store is not None else _MemoryStore()
        self._log = log
        state = self._store.get(LEDGER_KEY)
        if state is None:
            state = {"version": VERSION, "chunks": [], "inflight": []}
        elif not isinstance(state, dict) or state.get("version") != VERSION:
            from airflow.providers.common.compat.sdk import AirflowFailException

            raise AirflowFailException(f"task_state_store key {LEDGER_KEY!r} holds a ledger this provider version "
                                       "cannot read; not sending, so nobody is texted twice. Delete the key to "
                                       "start the send afresh.")
        self._state: dict[str, Any] = state
        self._keys: dict[int, list[str]] = {}

    @classmethod
    def from_context(cls, context: Mapping[str, Any], log: logging.Logger | Any) -> SendLedger:
        store = context.get("task_state_store")
        if store is None:
            log.warning(NO_LEDGER_WARNING)
        return cls(store, log)

    # -- reading -----------------------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        """Nothing accepted and nothing in flight: a first try."""
        return not self._state["chunks"] and not self._state["inflight"]

    def _chunk_keys(self, number: int) -> list[str]:
        if number not in self._keys:
            stored = self._store.get(f"{LEDGER_KEY}/{number}")
            self._keys[number] = [str(key) for key in stored] if isinstance(stored, list) else []
        return self._keys[number]

    @property
    def results(self) -> list[dict[str, Any]]:
        """The accepted chunks' results, in the order they were accepted."""
        return list(self._state["chunks"])

    def accepted_keys(self) -> set[str]:
        return {key for chunk in self._state["chunks"] for key in self._chunk_keys(chunk["chunk"])}

    def unsure_keys(self) -> set[str]:
        """Recipients of chunks sent without an answer (by any earlier try) and not accepted since: they may
        have the message. They stay unsure until a chunk holding them is accepted, however many tries that
        takes."""
        unsure = {key for number in self._state["inflight"] for key in self._chunk_keys(number)}
        return unsure - self.accepted_keys()

    # -- writing -----------------------------------------------------------------------------------
    def _save(self) -> None:
        self._store.set(LEDGER_KEY, self._state)

    def begin(self, keys: Sequence[str]) -> int:
        """Write a chunk down as in flight, before its request goes out; returns its number."""
        number = max([chunk["chunk"] for chunk in self._state["chunks"]] + self._state["inflight"] + [0]) + 1
        self._keys[number] = list(keys)
        self._store.set(f"{LEDGER_KEY}/{number}", list(keys))
        self._state["inflight"].append(number)
        self._save()
        return number

    def accept(self, number: int, result: dict[str, Any]) -> None:
        """Mark chunk ``number`` accepted with its result (batch id, counts)."""
        self._state["chunks"].append({**result, "chunk": number})
        others = [n for n in self._state["inflight"] if n != number]
        if others:  # chunks of earlier tries whose recipients this one may have covered (rare: no rescan else)
            accepted = self.accepted_keys()
            others = [n for n in others if not set(self._chunk_keys(n)) <= accepted]
        self._state["inflight"] = others
        self._save()

    def settle(self, number: int) -> None:
        """Forget an in-flight chunk that certainly did not reach the platform (connection refused)."""
        if number in self._state["inflight"]:
            self._state["inflight"].remove(number)
            self._save()
