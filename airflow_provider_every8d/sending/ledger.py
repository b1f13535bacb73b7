"""Send once across task retries: which recipients the platform accepted, kept in a store.

An SMS cannot be taken back, so a retried task must not text anyone the platform already accepted. The
ledger is per recipient, not per chunk: a retry leaves out every accepted recipient, wherever it stands in
the list and whatever else changed in it, and sends only the rest (chunked afresh). A recipient is known by
its *key* (its number for SMS and MMS; number, send time and text for param SMS, where one number may get
several different messages), and the ledger keeps only a keyed digest of each key: BLAKE2b keyed with a
random salt of this ledger (BLAKE2's own MAC mode; a third of HMAC-SHA256's cost, which a 100,000-recipient
send feels), 8 bytes as 16 hex digits. The ledger only ever asks "was this recipient accepted?",
which a digest answers; it holds no phone number (the filtered numbers of a chunk are digests too).

Each chunk is written down *before* its request goes out (in flight) and marked accepted when the answer
arrives. A chunk still in flight on a retry is one whose answer was lost (or whose worker died): its
recipients are *unsure* until a chunk holding them is accepted.

Layout in the store (values stay small: Airflow warns above 64 KB a value)::

    every8d_send   = {"version": 5, "salt": "<32 hex>", "recipients": "<how they are kept>",
                      "chunks": [result, ...], "inflight": [chunk number, ...]}
    every8d_send/n = {"digests": "<16 hex><16 hex>..."}      the recipients of chunk n, one string

Version 5 keeps a chunk's digests as one string (16 hex digits each, in order) where version 4 kept a JSON
list of them: the same digests, written without a string object per recipient. A version 4 ledger (0.2.0
development builds) is read as it is (its chunks stay lists, new chunks are strings) and marked version 5
when it is first written, so that an older provider refuses it instead of misreading it. A version 3 ledger
(0.1.0 development builds: numbers in clear, ``every8d_send/n`` a list of keys) is read and rewritten as
version 5 before anything is sent. Without a store (Airflow < 3.3) the same ledger lives in memory for one
try only. Delete the ledger's key to make the next try send to everyone again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from airflow_provider_every8d.sending.outcome import ChunkResult

LEDGER_KEY = "every8d_send"
"""The store key of a send operator's ledger (delete it to force a resend)."""
VERSION = 5
READABLE_VERSIONS = (3, 4, VERSION)
DIGEST_HEX = 16
"""Hex digits of each digest: 64 bits, no collision to fear among a send's recipients."""
HOW_KEPT = "BLAKE2b keyed with the salt, of each recipient key, 16 hex digits; no phone number is kept"


class Store(Protocol):
    """What the ledger needs of a store: Airflow 3.3's ``task_state_store`` has it (JSON values)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


class UnreadableLedger(Exception):
    """The store holds, under the ledger's key, something this version cannot read."""


class MemoryStore:
    """Stands in for a store where there is none: remembers for this try only."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value


class Ledger:
    """Accepted and in-flight recipients of one send (one task instance, one ``key``)."""

    def __init__(self, store: Store | None, *, key: str = LEDGER_KEY) -> None:
        self.key = key
        self.persistent = store is not None
        self._store: Store = store if store is not None else MemoryStore()
        state = self._store.get(key)
        if state is None:
            state = {"version": VERSION, "salt": secrets.token_hex(16), "recipients": HOW_KEPT, "chunks": [],
                     "inflight": []}
        elif not isinstance(state, dict) or state.get("version") not in READABLE_VERSIONS:
            raise UnreadableLedger(
                f"the store key {key!r} holds a ledger this provider version cannot read (version "
                f"{state.get('version') if isinstance(state, dict) else type(state).__name__}); not sending, "
                "so nobody is texted twice. Delete the key to start the send afresh.")
        self._state: dict[str, Any] = state
        self._salt = self._read_salt(state)
        self._keyed = hashlib.blake2b(key=self._salt, digest_size=DIGEST_HEX // 2)
        """Keyed once: each digest starts from a copy (a third cheaper than keying a new hash each time)."""
        self._digests: dict[int, frozenset[str]] = {}
        if state["version"] == 3:
            self._upgrade()
        self._state["version"] = VERSION  # a version 4 ledger is written as 5 from its first save

    def _read_salt(self, state: dict[str, Any]) -> bytes:
        """The ledger's salt (a new one for a version 3 ledger, which had none). A later ledger without
        a readable salt cannot tell its recipients apart: refused, never guessed."""
        if state["version"] == 3:
            return secrets.token_bytes(16)
        try:
            return bytes.fromhex(state["salt"])
        except (KeyError, TypeError, ValueError):
            raise UnreadableLedger(f"the store key {self.key!r} holds a ledger without its salt; not sending, so "
                                   "nobody is texted twice. Delete the key to start the send afresh.") from None

    def digest(self, key: str) -> str:
        """The keyed digest the ledger keeps for recipient ``key``."""
        hashed = self._keyed.copy()
        hashed.update(key.encode("utf-8"))
        return hashed.hexdigest()

    def digests(self, keys: Iterable[str]) -> list[str]:
        """:meth:`digest` of every key, in order."""
        joined = self._joined(keys)
        return [joined[start:start + DIGEST_HEX] for start in range(0, len(joined), DIGEST_HEX)]

    def _joined(self, keys: Iterable[str]) -> str:
        """:meth:`digest` of every key, concatenated in order (what version 5 stores): a chunk's in one loop,
        raw digests joined and turned into hex once, without a method call or a string per key."""
        copy, out = self._keyed.copy, list[bytes]()
        append = out.append
        for data in map(str.encode, keys):
            hashed = copy()
            hashed.update(data)
            append(hashed.digest())
        return b"".join(out).hex()

    # -- reading -----------------------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        """Nothing accepted and nothing in flight: a first try."""
        return not self._state["chunks"] and not self._state["inflight"]

    def _chunk(self, number: int) -> frozenset[str]:
        if number not in self._digests:
            stored = self._store.get(f"{self.key}/{number}")
            digests = stored.get("digests") if isinstance(stored, dict) else None
            if isinstance(digests, str):  # version 5: one string of 16 hex digits each
                self._digests[number] = frozenset(digests[start:start + DIGEST_HEX]
                                                  for start in range(0, len(digests), DIGEST_HEX))
            elif isinstance(stored, dict):  # version 4: a list of digests
                self._digests[number] = frozenset(str(d) for d in digests or ())
            else:  # version 3: the keys themselves
                self._digests[number] = frozenset(self.digest(str(k)) for k in stored or ())
        return self._digests[number]

    @property
    def results(self) -> list[ChunkResult]:
        """The accepted chunks, in the order they were accepted; ``filtered`` holds digests."""
        return [ChunkResult.from_ledger(entry) for entry in self._state["chunks"]]

    def accepted(self) -> set[str]:
        """Digests of every accepted recipient."""
        return {d for chunk in self._state["chunks"] for d in self._chunk(chunk["chunk"])}

    def unsure(self) -> set[str]:
        """Digests of recipients of chunks sent without an answer (by any earlier try) and not accepted
        since: they may have the message, however many tries ago that was."""
        return {d for number in self._state["inflight"] for d in self._chunk(number)} - self.accepted()

    # -- writing -----------------------------------------------------------------------------------
    def _save(self) -> None:
        self._store.set(self.key, self._state)

    def _write_chunk(self, number: int, joined: str) -> None:
        """Store chunk ``number``'s digests (:meth:`_joined`); read back as a set only when asked for."""
        self._store.set(f"{self.key}/{number}", {"digests": joined})
        self._digests.pop(number, None)

    def begin(self, keys: Sequence[str]) -> int:
        """Write a chunk down as in flight, before its request goes out; returns its number."""
        number = max([chunk["chunk"] for chunk in self._state["chunks"]] + self._state["inflight"] + [0]) + 1
        self._write_chunk(number, self._joined(keys))
        self._state["inflight"].append(number)
        self._save()
        return number

    def accept(self, number: int, result: ChunkResult) -> None:
        """Mark chunk ``number`` accepted with its result (its filtered numbers kept as digests)."""
        self._state["chunks"].append({**result.to_ledger(self.digest), "chunk": number})
        others = [n for n in self._state["inflight"] if n != number]
        if others:  # chunks of earlier tries whose recipients this one may have covered (rare: no rescan else)
            accepted = self.accepted()
            others = [n for n in others if not self._chunk(n) <= accepted]
        self._state["inflight"] = others
        self._save()

    def settle(self, number: int) -> None:
        """Forget an in-flight chunk that certainly did not reach the platform (connection refused)."""
        if number in self._state["inflight"]:
            self._state["inflight"].remove(number)
            self._save()

    def _upgrade(self) -> None:
        """Version 3 -> 5: a salt first (so a crash half-way leaves a readable ledger), then every chunk's
        keys and filtered numbers replaced by digests."""
        self._state = {"version": VERSION, "salt": self._salt.hex(), "recipients": HOW_KEPT,
                       "chunks": [{**entry, "filtered": [self.digest(str(n)) for n in entry.get("filtered", ())]}
                                  for entry in self._state["chunks"]],
                       "inflight": list(self._state["inflight"])}
        self._save()
        for number in [chunk["chunk"] for chunk in self._state["chunks"]] + self._state["inflight"]:
            self._write_chunk(number, "".join(sorted(self._chunk(number))))
