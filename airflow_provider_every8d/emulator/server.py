"""``Every8dEmulator``: the Python face of the local EVERY8D server (start, stop, inspect, steer)."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from ..constants import CONN_TYPE, DEFAULT_CONN_ID
from . import api22, rules
from .endpoints import Handler, build_routes
from .faults import Faults
from .handler import EmulatorHTTPServer, RequestRecord
from .modes import Modes
from .push import PushAttempt, PushWorker, Ticker
from .state import Account, Clock, MessageRecord, Reply, Store

DEFAULT_ACCOUNTS: Mapping[str, str] = {"demo": "demo-password"}
MAX_REQUESTS = 1000
"""Requests (and push attempts) kept for ``emu.requests``: the newest, older ones dropped (a ring)."""


class Every8dEmulator:
    """A local EVERY8D HTTP API 2.1 server on 127.0.0.1, in a background thread.

    ``accounts`` maps UID to a password, or to a dict with ``password`` and any of ``credit``,
    ``status_columns`` (5 or 6), ``international`` (bool), ``user_no``, ``batch_ids`` (``"uuid"`` or
    ``"short"``); ``modes`` (a :class:`Modes` or a dict of its fields, kept as ``emu.modes``) picks the
    shapes of answer beyond the plainest (see :mod:`.modes`); the other keyword
    arguments are the defaults for accounts that do not say. Every SMS reaches its final status
    ``delivery_seconds`` after it leaves (``jitter=True`` spreads that over 0.5x-1.5x per number),
    on the emulator's clock: real time plus an offset that ``advance()`` moves.

    ``emu.requests`` and ``emu.pushes`` keep the newest ``max_requests`` entries (a ring), so a long run
    or a few huge requests cannot grow the emulator's memory without bound.

    Use as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(
        self,
        port: int = 0,
        accounts: Mapping[str, str | Mapping[str, Any]] | None = None,
        credit: float = 1000.0,
        delivery_seconds: float = 2.0,
        push_url: str | None = None,
        *,
        host: str = "127.0.0.1",
        status_columns: int = 6,
        international: bool = False,
        jitter: bool = False,
        status_page_size: int = 1000,
        reply_page_size: int = 10,
        push_retry_delay: float = 0.2,
        push_max_attempts: int = 10,
        verbose: bool = False,
        modes: Modes | Mapping[str, Any] | None = None,
        max_requests: int = MAX_REQUESTS,
        api_version: str = "2.1",
        token_lifetime: float = api22.DEFAULT_TOKEN_LIFETIME,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._account_specs = dict(accounts if accounts is not None else DEFAULT_ACCOUNTS)
        self._defaults = {"credit": credit, "status_columns": status_columns, "international": international}
        self.status_page_size = status_page_size
        self.reply_page_size = reply_page_size
        self.push_url = push_url
        self.verbose = verbose
        self.clock = Clock()
        self.store = Store(self.clock, delivery_seconds, jitter)
        self.modes = modes if isinstance(modes, Modes) else Modes(**(modes or {}))
        self.store.modes = self.modes
        self.faults = Faults()
        self.routes: Mapping[str, Handler] = build_routes(lambda: self.status_page_size, lambda: self.reply_page_size)
        if api_version not in ("2.1", "2.2"):
            raise ValueError(f"api_version: {api_version!r} is not 2.1 or 2.2")
        self.api_version = api_version
        self.tokens: api22.TokenBook | None = None
        """API 2.2 mode: the bearer tokens handed out (``issued``, ``expire_all()``, ``lifetime``)."""
        if api_version == "2.2":
            self.tokens = self.store.tokens = api22.TokenBook(self.store, token_lifetime)  # type: ignore[attr-defined]
            self.routes = api22.routes(self.routes, lambda: self.status_page_size, lambda: self.reply_page_size)
        if max_requests < 1:
            raise ValueError(f"max_requests: {max_requests!r} must be at least 1")
        self.max_requests = max_requests
        self._requests: deque[RequestRecord] = deque(maxlen=max_requests)  # a ring: memory stays bounded
        self._pushes: deque[PushAttempt] = deque(maxlen=max_requests)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._push: PushWorker | None = None
        self._ticker: Ticker | None = None
        if push_url:
            self._push = PushWorker(push_url, self._record_push, push_retry_delay, push_max_attempts)
            self.store.on_report = self._push.submit
        self._load_accounts()

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> Every8dEmulator:
        """Bind (a free port when ``port=0``) and serve in a daemon thread. Returns self."""
        if self._server is not None:
            return self
        self._server = EmulatorHTTPServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="every8d-emulator", daemon=True
        )
        self._thread.start()
        if self._push is not None:
            self._push.start()
            self._ticker = Ticker(self.store.refresh)
            self._ticker.start()
        return self

    def stop(self) -> None:
        """Stop serving, end open keep-alive connections, stop the push threads."""
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if self._push is not None:
            self._push.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def __enter__(self) -> Every8dEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (the requested one before ``start()``)."""
        return int(self._server.server_address[1]) if self._server else self._requested_port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: what a connection's host should be (no trailing slash)."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    def connection_json(self, uid: str = "demo", conn_id: str | None = None) -> str:
        """The Airflow connection as JSON, e.g. for ``AIRFLOW_CONN_EVERY8D_DEFAULT``.

        ``conn_id`` is not part of the JSON (Airflow takes the id from the variable's name, see
        ``connection_env``); it is accepted so call sites can say which connection they mean.
        """
        account = self.account(uid)
        document: dict[str, Any] = {"conn_type": CONN_TYPE, "host": self.url, "login": uid,
                                    "password": account.password}
        if self.api_version == "2.2":  # the 2.2 mode's connection uses a bearer token
            document["extra"] = {"api_version": "2.2", "auth": "token"}
        return json.dumps(document)

    def connection_env(self, uid: str = "demo", conn_id: str = DEFAULT_CONN_ID) -> dict[str, str]:
        """``{"AIRFLOW_CONN_<CONN_ID>": connection_json(uid)}``, ready for ``os.environ.update``."""
        return {f"AIRFLOW_CONN_{conn_id.upper()}": self.connection_json(uid)}

    # --- clock ----------------------------------------------------------------------------
    def now(self) -> datetime:
        """The emulator's time (aware, Taiwan)."""
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward; statuses, replies and pushes catch up."""
        with self.store.lock:
            self.clock.advance(seconds)
            self.store.refresh()

    # --- inspection -----------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """The newest ``max_requests`` requests, oldest first."""
        with self.store.lock:
            return list(self._requests)

    @property
    def messages(self) -> list[MessageRecord]:
        """Snapshots of every message record, statuses brought up to the clock."""
        with self.store.lock:
            self.store.refresh()
            return [copy.copy(m) for m in self.store.messages]

    @property
    def replies(self) -> list[Reply]:
        with self.store.lock:
            self.store.refresh()
            return list(self.store.replies)

    @property
    def pushes(self) -> list[PushAttempt]:
        """The newest ``max_requests`` push attempts (successful or not), in order."""
        with self.store.lock:
            return list(self._pushes)

    def batch(self, batch_id: str) -> list[MessageRecord]:
        """Snapshots of one batch's messages, in request order; KeyError for an unknown id."""
        with self.store.lock:
            self.store.refresh()
            return [copy.copy(m) for m in self.store.batches[batch_id].messages]

    def sent_count(self, mobile: str) -> int:
        """How many message records (any batch, any status) went to this number, in any spelling."""
        number = rules.normalise_phone(mobile)
        with self.store.lock:
            return sum(1 for m in self.store.messages if m.mobile == number)

    def account(self, uid: str = "demo") -> Account:
        """The live account object; change ``international`` or ``status_columns`` on it freely."""
        with self.store.lock:
            return self.store.accounts[uid]

    def credit(self, uid: str = "demo") -> float:
        return self.account(uid).credit

    def set_credit(self, uid: str, points: float) -> None:
        with self.store.lock:
            self.store.accounts[uid].credit = float(points)

    def inject_reply(self, batch_id: str, mobile: str, content: str, name: str = "") -> Reply:
        """A recipient answers (2.4 rows, STATUS=999 push). The name defaults to the message's."""
        number = rules.normalise_phone(mobile)
        with self.store.lock:
            batch = self.store.batches[batch_id]
            if not name:
                name = next((m.name for m in batch.messages if m.mobile == number), "")
            reply = Reply(batch_id, number, content, name, self.clock.now())
            self.store.add_reply(reply)
            return reply

    def reply_after(self, mobile: str, text: str | None, delay: float = 0.0, *, push: bool = True) -> None:
        """From now on, ``mobile`` answers every SMS it is sent with ``text``, ``delay`` seconds after the
        delivery (2.4 rows, and a STATUS=999 push when pushes are on and ``push``; ``push=False`` is a reply
        whose push was lost); e.g. ``reply_after("0900000021", "1", 0.5)`` approves a HITL request by SMS.
        ``text=None`` stops it."""
        number = rules.normalise_phone(mobile)
        with self.store.lock:
            if text is None:
                self.store.scripted_replies.pop(number, None)
            else:
                self.store.scripted_replies[number] = (str(text), max(0.0, float(delay)), bool(push))

    def wait_for_pushes(self, count: int, timeout: float = 5.0, ok_only: bool = True) -> list[PushAttempt]:
        """Wait until at least ``count`` (successful) push attempts were made; returns them all."""
        deadline = time.monotonic() + timeout
        while True:
            pushes = [p for p in self.pushes if p.ok or not ok_only]
            if len(pushes) >= count or time.monotonic() > deadline:
                return pushes
            time.sleep(0.02)

    def reset(self) -> None:
        """Back to the constructed state: credit, messages, requests, pushes, faults, clock."""
        with self.store.lock:
            self.store.clear()
            self._requests.clear()
            self._pushes.clear()
            self.faults.clear()
            self.clock.offset = 0.0
            if self.tokens is not None:
                self.tokens.tokens.clear()
            self._load_accounts()

    # --- hooks for the HTTP layer and the push worker -------------------------------------
    def record(self, request: RequestRecord) -> None:
        with self.store.lock:
            self._requests.append(request)

    def _record_push(self, attempt: PushAttempt) -> None:
        with self.store.lock:
            self._pushes.append(attempt)

    def _load_accounts(self) -> None:
        self.store.accounts.clear()
        for index, (uid, spec) in enumerate(self._account_specs.items()):
            options: dict[str, Any] = dict(self._defaults)
            if isinstance(spec, str):
                password = spec
            else:
                options.update(spec)
                password = str(options.pop("password"))
            options.setdefault("user_no", str(10001 + index))
            account = Account(uid, password, float(options.pop("credit")), **options)
            if account.status_columns not in (5, 6):
                raise ValueError(f"accounts[{uid!r}].status_columns {account.status_columns!r}: not 5 or 6")
            if account.batch_ids not in ("uuid", "short"):
                raise ValueError(f"accounts[{uid!r}].batch_ids {account.batch_ids!r}: not 'uuid' or 'short'")
            self.store.accounts[uid] = account
