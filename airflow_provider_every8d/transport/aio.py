"""Async transport (httpx, which ships with Airflow) for the trigger and ``async_notify``.

Same requests, same parsers, same retry policy, same paging and summary as :mod:`.sync` (all from
:mod:`protocol.driver`); only the socket differs. httpx's transport ``retries`` retries connection
failures only, i.e. requests that never reached the server. requests is not imported: the triggerer
does not load it.
"""

from __future__ import annotations

import asyncio
import ssl
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import httpx

from airflow_provider_every8d.protocol import build, driver
from airflow_provider_every8d.protocol.driver import Answer, Emit, Pause, Steps
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.exchange import connection_failed
from airflow_provider_every8d.protocol.models import DeliveryRow, Reply
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.retry import QUERY_ATTEMPTS
from airflow_provider_every8d.protocol.summary import DeliverySummary
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.core import USER_AGENT, answer, next_step, prepare, proxies_for
from airflow_provider_every8d.transport.tokens import Raw, run_async


@lru_cache(maxsize=16)
def _ssl_context(verify: bool | str) -> ssl.SSLContext:
    """One TLS context per ``verify`` value (True, False or a CA bundle path) for the whole process.

    Building one loads the CA bundle: about 30-40 ms of CPU and 0.8 MB each. Every trigger opens its own
    client, so a triggerer starting 1,000 triggers would block its event loop for half a minute and hold
    800 MB (benchmarks/RESULTS.md, deferred waits). A context is safe to share between clients; a change to
    SSL_CERT_FILE/SSL_CERT_DIR after the first client is not seen.
    """
    return httpx.create_ssl_context(verify=verify)


POOL_CONNECTIONS = 100
"""Requests one shared pool has in flight at most, each on its own kept-alive connection: 5,000 triggers polling
share them instead of opening 5,000. A burst of polls queues for a free one on an asyncio semaphore before it
reaches httpx, whose pool hands out connections with work that grows with the number of requests waiting in it
(1,000 waiting requests stalled the event loop for seconds: benchmarks/RESULTS.md)."""
SHARD_CONNECTIONS = 10
"""Connections of one httpx client inside a shared pool (``POOL_CONNECTIONS / SHARD_CONNECTIONS`` clients at
most, the next one opened only when the others are all busy). httpcore's pool walks its connections at the start
and end of every request, and for each idle one walks them all again: one httpx client of 100 connections cost
4.4 ms of CPU a request under load against 1.0 ms with 1 (benchmarks/profiles/real_triggerer_runs.md, section 4),
and capped a 5,000-wait triggerer below one poll per interval."""
PoolKey = tuple[str, str, str, tuple[tuple[str, str], ...], float, int]


@dataclass
class _Shard:
    http: httpx.AsyncClient
    busy: int = 0


@dataclass
class _Pool:
    """The httpx clients (shards) the async clients of one account share, and the requests in flight."""

    settings: ClientSettings
    proxies: dict[str, str]
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(POOL_CONNECTIONS))
    shards: list[_Shard] = field(default_factory=list)
    users: int = 0
    closed: bool = False

    def shard(self) -> _Shard:
        """The first shard with a free connection (so a light load keeps to the first few connections and the
        others expire), a new one when all are busy. Called holding a slot, so one always has room."""
        for shard in self.shards:
            if shard.busy < SHARD_CONNECTIONS:
                return shard
        self.shards.append(_Shard(_new_http(self.settings, self.proxies, SHARD_CONNECTIONS)))
        return self.shards[-1]

    async def aclose(self) -> None:
        self.closed = True
        for shard in self.shards:
            await shard.http.aclose()


_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[PoolKey, _Pool]] = weakref.WeakKeyDictionary()
"""Per event loop (an httpx client belongs to one), per account and way out: the pool its clients share."""


def _transport(settings: ClientSettings, proxy: str | None, connections: int) -> httpx.AsyncHTTPTransport:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncHTTPTransport(retries=settings.connect_retries, verify=_ssl_context(settings.verify),
                                    proxy=proxy, limits=limits)


def _pool_key(settings: ClientSettings, proxies: dict[str, str]) -> PoolKey:
    """One pool per account and what the connections depend on."""
    return (settings.base_url, settings.uid, repr(settings.verify), tuple(sorted(proxies.items())),
            settings.timeout, settings.connect_retries)


def _new_http(settings: ClientSettings, proxies: dict[str, str], connections: int) -> httpx.AsyncClient:
    # Redirects are never followed: they would re-send the password, and a send, elsewhere.
    mounts = {f"{scheme}://": _transport(settings, url, connections) for scheme, url in proxies.items()}
    return httpx.AsyncClient(transport=_transport(settings, None, connections), mounts=mounts or None,
                             trust_env=False,
                             follow_redirects=False, timeout=settings.timeout,
                             headers={"User-Agent": f"{USER_AGENT} (httpx)"})


CONNECTION_REUSE = 60.0
"""Seconds the settings of one connection lookup serve the clients of the same connection id that the same event
loop builds after it (:func:`reused_client`). In a triggerer each lookup masks the password through the
triggerer's supervisor, a round trip that waits for the supervisor's loop (a second when it is busy with the
database): 5,000 waits starting each with its own lookup waited minutes for their first poll
(benchmarks/profiles/real_triggerer_runs.md, section 4). A password changed in Airflow reaches the waits that
start more than this long after the last lookup, or right after a wait was refused with -2 (wrong account or
password: :func:`forget_lookup`); a wait that runs keeps the client it started with."""
_LOOKUPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, tuple[float, asyncio.Future[Any]]]] = \
    weakref.WeakKeyDictionary()


async def reused_client(conn_id: str, look_up: Callable[[], Awaitable[AsyncEvery8dClient]]) -> AsyncEvery8dClient:
    """A client for ``conn_id``: from ``look_up()`` (the hook's connection lookup), or with the settings of the
    lookup this loop made for it in the last :data:`CONNECTION_REUSE` seconds (one in flight is awaited, not
    repeated). A lookup that fails is not shared: the others look up for themselves and see their own error."""
    loop = asyncio.get_running_loop()
    lookups = _LOOKUPS.setdefault(loop, {})
    found = lookups.get(conn_id)
    if found is not None and loop.time() - found[0] < CONNECTION_REUSE:
        settings = await asyncio.shield(found[1])  # a waiter cancelled must not cancel the lookup for the others
        if settings is not None:
            return AsyncEvery8dClient(settings)
    done: asyncio.Future[Any] = loop.create_future()
    lookups[conn_id] = (loop.time(), done)
    client: AsyncEvery8dClient | None = None
    try:
        client = await look_up()
        return client
    finally:
        done.set_result(client.settings if client is not None else None)
        if client is None and lookups.get(conn_id, (0.0, None))[1] is done:
            del lookups[conn_id]


def forget_lookup(conn_id: str) -> None:
    """The next client for ``conn_id`` in this loop looks the connection up again (a wait refused with a wrong
    account or password: the password may have been changed in Airflow since the shared lookup)."""
    _LOOKUPS.get(asyncio.get_running_loop(), {}).pop(conn_id, None)


class AsyncEvery8dClient:
    """Async twin of :class:`~airflow_provider_every8d.transport.sync.Every8dClient`. Use as ``async with``.

    The way out is :func:`transport.core.proxies_for` (httpx itself ignores the environment once it is
    given a transport, as here). Clients built inside a running event loop share one httpx client per
    loop, account and way out (:data:`POOL_CONNECTIONS` kept-alive connections, in httpx clients of
    :data:`SHARD_CONNECTIONS`): in a triggerer every delivery wait of a connection polls over the same few
    connections; the last ``aclose`` closes them.
    """

    def __init__(self, settings: ClientSettings, *, query_attempts: int = QUERY_ATTEMPTS) -> None:
        self.settings = settings
        self.query_attempts = query_attempts
        proxies = dict(proxies_for(settings))
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # built outside a running loop: a pool of its own
            loop = None
        self._pool: _Pool | None = None
        self._http: httpx.AsyncClient | None = None
        if loop is None:
            self._http = _new_http(settings, proxies, POOL_CONNECTIONS)
            return
        # Inside a loop (the triggerer): one pool per loop, account and way out, shared by its clients
        pools = _POOLS.setdefault(loop, {})
        self._key = _pool_key(settings, proxies)
        pool = pools.get(self._key)
        if pool is None or pool.closed:
            pool = pools[self._key] = _Pool(settings, proxies)
        pool.users += 1
        self._pool = pool

    async def __aenter__(self) -> AsyncEvery8dClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections, or leave a shared pool to its other clients (closed with the last)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.users -= 1
            if pool.users > 0:
                return
            pools = _POOLS.get(asyncio.get_running_loop(), {})
            if pools.get(self._key) is pool:
                del pools[self._key]
            await pool.aclose()
        elif self._http is not None:
            await self._http.aclose()

    async def _exchange(self, request: ApiRequest) -> Answer:
        if self.settings.uses_token:  # API 2.2 bearer token, shared with every client of the process
            return await run_async(request, self.settings, self.post, self._finish)
        return self._finish(await self.post(request, None), request)

    def _finish(self, raw: Raw, request: ApiRequest) -> Answer:
        return raw if isinstance(raw, Every8dTransportError) else answer(raw[0], raw[1], request, self.settings)

    async def post(self, request: ApiRequest, token: str | None) -> Raw:
        """One POST, as :meth:`Every8dClient.post <.sync.Every8dClient.post>`."""
        url, body, headers = prepare(request, self.settings, token)
        try:
            if self._pool is None:
                assert self._http is not None, "the client was closed"
                response = await self._http.post(url, content=body, headers=headers)
            else:
                response = await self._pooled_post(self._pool, url, body, headers)
        except httpx.HTTPError as error:
            never = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            return connection_failed(error, never, request.endpoint.path)
        return response.status_code, response.content

    @staticmethod
    async def _pooled_post(pool: _Pool, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        async with pool.slots:  # at most POOL_CONNECTIONS requests in flight, none waiting inside httpx
            shard = pool.shard()
            shard.busy += 1
            try:
                return await shard.http.post(url, content=body, headers=headers)
            finally:
                shard.busy -= 1

    async def _drive(self, steps: Steps) -> AsyncIterator[Any]:
        """Perform the driver's steps; yield what it emits."""
        outcome: Answer = None
        while (step := next_step(steps, outcome)) is not None:
            outcome = None
            if isinstance(step, Emit):
                for item in step.items:
                    yield item
            elif isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
            else:
                outcome = await self._exchange(step)

    async def _result(self, steps: Steps) -> Any:
        """The one item a driver emits (run to its end)."""
        (value,) = [item async for item in self._drive(steps)]
        return value

    async def call(self, request: ApiRequest) -> Any:
        """Send one request and return its parsed answer."""
        return await self._result(driver.result(driver.call(request, self.query_attempts)))

    def iter_pages(self, make_request: Callable[[int], ApiRequest]) -> AsyncIterator[Any]:
        """Every page of a paged query; the first one always (it may be empty)."""
        return self._drive(driver.each_page(make_request, self.query_attempts))

    def iter_rows(self, make_request: Callable[[int], ApiRequest]) -> AsyncIterator[Any]:
        return self._drive(driver.each_row(make_request, self.query_attempts))

    async def get_delivery_summary(self, batch_ids: Sequence[str], *, mms: bool = False) -> DeliverySummary:
        """Every page of every batch, counted without building row objects (the same driver as sync's)."""
        return await self._result(driver.delivery_summary(batch_ids, mms=mms, attempts=self.query_attempts))

    def iter_delivery_status(self, batch_id: str, *, mms: bool = False) -> AsyncIterator[DeliveryRow]:
        return self.iter_rows(partial(build.delivery_status_request, batch_id, mms=mms))

    def iter_replies(self, batch_id: str) -> AsyncIterator[Reply]:
        return self.iter_rows(partial(build.replies_request, batch_id))
