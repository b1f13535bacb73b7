"""API 2.2 bearer tokens for both transports: one token per process and account, renewed before
``token_renew_after`` and once when the platform refuses it.

:func:`exchange` is the flow, sans I/O: it yields :class:`Obtain` (a current token, please) and
:class:`Post` (send this request with this token) and returns what the driver is sent (the body or the
transport error). :func:`run_sync` and :func:`run_async` perform it for :mod:`.sync` and :mod:`.aio` (``_Run`` steps the
flow for both; they differ only in awaiting the POST).

Send-once: a refused token is an answer (the platform did nothing), so the call is made again once with a
new token, sends too. A transport failure is returned as it came and never repeated here. A failure to
get a token means the call itself was never made: its error says so (``may_have_reached_server`` False).

:data:`TOKENS` is the process's cache, shared by every sync and async client (a hook, a notifier, a
thousand triggers in one triggerer): a threading lock guards it, a per-account lock (a threading one for
sync callers, an asyncio one per event loop) makes one caller get a token while the others wait for it. A
forked child starts with an empty cache (its parent's token stays the parent's). At interpreter exit the
tokens this process got are closed (``VerifyType`` 3); a killed process cannot, and its token lapses on the
platform's side (docs/api-2.2.md).
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import os
import ssl
import threading
import time
import urllib.request
import weakref
from collections.abc import Awaitable, Callable, Generator
from typing import Any, NamedTuple

from airflow_provider_every8d.protocol import tokens
from airflow_provider_every8d.protocol.driver import Answer
from airflow_provider_every8d.protocol.errors import Every8dResponseError, Every8dTransportError
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.settings import ClientSettings

log = logging.getLogger("airflow_provider_every8d.transport")

Raw = tuple[int, bytes] | Every8dTransportError
"""What one POST gave: the HTTP status and body, or the transport error it ended with."""
Key = tuple[str, str, str]


# The flow's steps and the cache's entries are NamedTuples, not frozen dataclasses: a tenth of the cost to
# create at import, which every first send pays (benchmarks/profiles/first_send_importtime.txt).
class Obtain(NamedTuple):
    """A token for this account that is not ``refused`` (None: any current one)."""

    refused: str | None


class Post(NamedTuple):
    request: ApiRequest
    token: str | None
    """None: the token request itself, with UID/PWD in the body."""


Flow = Generator[Obtain | Post, Any, Raw]


class _Entry:
    """A cached token: when it was got (the cache's clock), for which account, by which process."""

    __slots__ = ("obtained", "pid", "settings", "token")

    def __init__(self, token: str, obtained: float, settings: ClientSettings, pid: int) -> None:
        self.token, self.obtained, self.settings, self.pid = token, obtained, settings, pid


def _mask(token: str) -> None:
    """Register the token with Airflow's secret masker (task logs, rendered fields, XComs)."""
    try:
        from airflow.providers.common.compat.sdk import mask_secret
    except ImportError:  # pragma: no cover - no Airflow: nothing to mask for
        return
    mask_secret(token)


class TokenCache:
    """The process's bearer tokens, one per (base URL, UID, password)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Key, _Entry] = {}
        self._sync_locks: dict[Key, threading.Lock] = {}
        self._async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Key, asyncio.Lock]] = \
            weakref.WeakKeyDictionary()
        self.obtained = 0
        """Tokens got by this process so far (tests and logs)."""

    @staticmethod
    def key(settings: ClientSettings) -> Key:
        return settings.base_url, settings.uid, hashlib.sha256(settings.password.encode()).hexdigest()

    def current(self, settings: ClientSettings, refused: str | None = None) -> str | None:
        """The cached token, unless it is ``refused`` or older than ``settings.token_renew_after``."""
        with self._lock:
            entry = self._entries.get(self.key(settings))
        if entry is None or entry.token == refused:
            return None
        if self.clock() - entry.obtained >= settings.token_renew_after:
            return None
        return entry.token

    def store(self, settings: ClientSettings, token: str) -> None:
        _mask(token)
        with self._lock:
            self._entries[self.key(settings)] = _Entry(token, self.clock(), settings, os.getpid())
            self.obtained += 1

    def tokens_of(self, settings: ClientSettings) -> list[str]:
        """The account's cached token, whatever its age (to scrub it from answers)."""
        with self._lock:
            entry = self._entries.get(self.key(settings))
        return [entry.token] if entry else []

    def sync_lock(self, settings: ClientSettings) -> threading.Lock:
        with self._lock:
            return self._sync_locks.setdefault(self.key(settings), threading.Lock())

    def async_lock(self, settings: ClientSettings) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._lock:
            return self._async_locks.setdefault(loop, {}).setdefault(self.key(settings), asyncio.Lock())

    def forget(self) -> None:
        """Empty the cache (a forked child; tests)."""
        with self._lock:
            self._entries.clear()
            self._sync_locks.clear()
            self._async_locks = weakref.WeakKeyDictionary()

    def take_own(self) -> list[_Entry]:
        """Remove and return the tokens this process got (what :func:`close_all` closes)."""
        with self._lock:
            own = [entry for entry in self._entries.values() if entry.pid == os.getpid()]
            self._entries.clear()
        return own


TOKENS = TokenCache()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=TOKENS.forget)


def exchange(request: ApiRequest) -> Flow:
    """Make ``request`` with the account's bearer token; renew the token once if the platform refuses it."""
    token = yield Obtain(None)
    if isinstance(token, Every8dTransportError):
        return token
    raw = yield Post(request, token)
    if isinstance(raw, tuple) and tokens.is_token_refusal(raw[0], raw[1], request.endpoint):
        log.info("EVERY8D refused the bearer token on %s; getting a new one", request.endpoint.path)
        token = yield Obtain(token)
        if isinstance(token, Every8dTransportError):
            return token
        raw = yield Post(request, token)
        if isinstance(raw, tuple) and tokens.is_token_refusal(raw[0], raw[1], request.endpoint):
            raise tokens.refused_again(request.endpoint)
    return raw  # the runner turns a tuple into the body or the HTTP error


def _token_from(raw: Raw, request: ApiRequest, settings: ClientSettings) -> str | Every8dTransportError:
    """A new token from the answer to the token request (stored), or the error of the call it was for."""
    if isinstance(raw, Every8dTransportError):  # the call itself was never made
        return Every8dTransportError(f"getting a bearer token: {raw.problem}", status_code=raw.status_code,
                                     may_have_reached_server=False, endpoint=request.endpoint.path)
    status, body = raw
    if status != 200:
        return Every8dTransportError(f"getting a bearer token: HTTP {status}", status_code=status,
                                     may_have_reached_server=False, endpoint=request.endpoint.path)
    try:
        token = tokens.parse_token(body)  # a refusal (wrong UID/PWD) raises Every8dApiError: nothing was sent
    except Every8dResponseError as error:  # an answer we cannot use: the call itself was still never made
        return Every8dTransportError(f"getting a bearer token: {error.problem}", status_code=status,
                                     may_have_reached_server=False, endpoint=request.endpoint.path)
    TOKENS.store(settings, token)
    return token


PostSync = Callable[[ApiRequest, "str | None"], Raw]
PostAsync = Callable[[ApiRequest, "str | None"], Awaitable[Raw]]
Finish = Callable[[Raw, ApiRequest], Answer]


class _Done(NamedTuple):
    answer: Answer


class _Run:
    """One :func:`exchange` being performed: ``advance(outcome)`` gives its next step, or :class:`_Done`
    with the answer (``finish`` turns the last POST into it). The runners below only perform the steps."""

    def __init__(self, request: ApiRequest, settings: ClientSettings, finish: Finish) -> None:
        self.request, self.settings, self.finish = request, settings, finish
        self.flow: Flow = exchange(request)

    def advance(self, outcome: Any) -> Obtain | Post | _Done:
        try:
            return self.flow.send(outcome)
        except StopIteration as done:
            raw = done.value
            return _Done(self.finish(raw, self.request) if isinstance(raw, tuple) else raw)

    def cached(self, step: Obtain) -> str | None:
        """A current token in the process's cache that is not the refused one."""
        return TOKENS.current(self.settings, step.refused)

    def new_token(self, raw: Raw) -> str | Every8dTransportError:
        """The token in the token request's answer (stored), or the error of the call it was for."""
        return _token_from(raw, self.request, self.settings)


def run_sync(request: ApiRequest, settings: ClientSettings, post: PostSync, finish: Finish) -> Answer:
    """Perform :func:`exchange` with a blocking ``post``; ``finish`` turns the last POST into the answer."""
    run = _Run(request, settings, finish)
    step = run.advance(None)
    while not isinstance(step, _Done):
        outcome = post(step.request, step.token) if isinstance(step, Post) else _renew_sync(run, step, post)
        step = run.advance(outcome)
    return step.answer


def _renew_sync(run: _Run, step: Obtain, post: PostSync) -> str | Every8dTransportError:
    with TOKENS.sync_lock(run.settings):  # one caller asks; the others find its token in the cache
        return run.cached(step) or run.new_token(post(tokens.token_request(), None))


async def run_async(request: ApiRequest, settings: ClientSettings, post: PostAsync, finish: Finish) -> Answer:
    """:func:`run_sync` for the async transport: the same flow, an awaited ``post``."""
    run = _Run(request, settings, finish)
    step = run.advance(None)
    while not isinstance(step, _Done):
        pending = post(step.request, step.token) if isinstance(step, Post) else _renew_async(run, step, post)
        step = run.advance(await pending)
    return step.answer


async def _renew_async(run: _Run, step: Obtain, post: PostAsync) -> str | Every8dTransportError:
    async with TOKENS.async_lock(run.settings):
        return run.cached(step) or run.new_token(await post(tokens.token_request(), None))


def close_all() -> int:
    """Close (``VerifyType`` 3) every token this process got; returns how many the platform closed.
    Registered with :mod:`atexit`; errors are logged at DEBUG and never raised (the process is ending)."""
    closed = 0
    for entry in TOKENS.take_own():
        try:
            closed += _close(entry)
        except Exception as error:  # at exit: say what happened, never raise
            log.debug("EVERY8D: closing a bearer token failed (%s)", type(error).__name__)
    return closed


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect would carry the token's header to another place


def _close(entry: _Entry) -> bool:
    """One close request with the standard library (the transports' sessions may be gone at exit), the
    connection's proxies and TLS verification kept, no redirect followed."""
    settings = entry.settings
    request = tokens.close_token_request()
    body, content_type = request.encode(None, None)
    context = ssl.create_default_context(cafile=settings.verify if isinstance(settings.verify, str) else None)
    if settings.verify is False:
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    opener = urllib.request.build_opener(urllib.request.ProxyHandler(dict(settings.proxies or {}) or None),
                                         urllib.request.HTTPSHandler(context=context), _NoRedirect())
    post = urllib.request.Request(request.url(settings.base_url), data=body, method="POST",
                                  headers={"Content-Type": content_type, **tokens.bearer_headers(entry.token)})
    with opener.open(post, timeout=min(settings.timeout, 5.0)) as answer:
        return answer.status == 200 and _closed(answer.read())


def _closed(body: bytes) -> bool:
    try:
        return tokens.parse_done(body)
    except Exception:  # any refusal: the token is gone or lapsed anyway
        return False


atexit.register(close_all)
