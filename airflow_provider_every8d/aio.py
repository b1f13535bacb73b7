"""Async transport (httpx, which ships with Airflow) for the trigger and ``async_notify``.

Same requests, same parsers, same retry policy as :mod:`client`; only the socket differs. httpx's
transport ``retries`` retries connection failures only, i.e. requests that never reached the server.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from functools import lru_cache, partial
from typing import Any

import httpx

from airflow_provider_every8d.client import USER_AGENT
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError
from airflow_provider_every8d.protocol.exchange import check_response, connection_failed
from airflow_provider_every8d.protocol.models import DeliveryRow, Reply
from airflow_provider_every8d.protocol.paging import next_page
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.retry import QUERY_ATTEMPTS, retry_pause
from airflow_provider_every8d.protocol.summary import DeliverySummary
from airflow_provider_every8d.settings import ClientSettings

log = logging.getLogger(__name__)


@lru_cache(maxsize=16)
def _ssl_context(verify: bool | str) -> ssl.SSLContext:
    """One TLS context per ``verify`` value (True, False or a CA bundle path) for the whole process.

    Building one loads the CA bundle: about 30-40 ms of CPU and 0.8 MB each. Every trigger opens its own
    client, so a triggerer starting 1,000 triggers would block its event loop for half a minute and hold
    800 MB (benchmarks/RESULTS.md, deferred waits). A context is safe to share between clients; a change to
    SSL_CERT_FILE/SSL_CERT_DIR after the first client is not seen.
    """
    return httpx.create_ssl_context(verify=verify)


def _transport(settings: ClientSettings, proxy: str | None = None) -> httpx.AsyncHTTPTransport:
    return httpx.AsyncHTTPTransport(retries=settings.connect_retries, verify=_ssl_context(settings.verify),
                                    proxy=proxy)


def _proxies(settings: ClientSettings) -> Mapping[str, str]:
    """The connection's ``extra.proxies``, or else the environment's for ``base_url`` (HTTP_PROXY,
    HTTPS_PROXY, ALL_PROXY, NO_PROXY) read the way requests reads them, so both transports take the same
    way out. httpx itself ignores the environment once it is given a transport, as here."""
    if settings.proxies:
        return settings.proxies
    from requests.utils import get_environ_proxies

    found = get_environ_proxies(settings.base_url)
    return {scheme: url for scheme, url in found.items() if scheme in ("http", "https", "all") and url}


class AsyncEvery8dClient:
    """Async twin of :class:`~airflow_provider_every8d.client.Every8dClient`. Use as ``async with``."""

    def __init__(self, settings: ClientSettings, *, query_attempts: int = QUERY_ATTEMPTS) -> None:
        self.settings = settings
        self.query_attempts = query_attempts
        # Redirects are never followed: they would re-send the password, and a send, elsewhere.
        mounts = {f"{scheme}://": _transport(settings, url) for scheme, url in _proxies(settings).items()}
        self._http = httpx.AsyncClient(transport=_transport(settings), mounts=mounts or None, trust_env=False,
                                       follow_redirects=False, timeout=settings.timeout,
                                       headers={"User-Agent": f"{USER_AGENT} (httpx)"})

    async def __aenter__(self) -> AsyncEvery8dClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, request: ApiRequest) -> Any:
        attempt = 1
        while True:
            try:
                return request.parse(await self._post(request))
            except Every8dTransportError as error:
                pause = retry_pause(request, error, attempt, self.query_attempts)
                if pause is None:
                    raise
                await asyncio.sleep(pause)
                attempt += 1

    async def _post(self, request: ApiRequest) -> bytes:
        body, content_type = request.encode(self.settings.uid, self.settings.password)
        endpoint = request.endpoint.path
        try:
            response = await self._http.post(request.url(self.settings.base_url), content=body,
                                             headers={"Content-Type": content_type})
        except httpx.HTTPError as error:
            never = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
            raise connection_failed(error, never, endpoint) from None
        return check_response(response.status_code, response.content, endpoint, self.settings.password)

    async def iter_pages(self, make_request: Callable[[int], ApiRequest]) -> AsyncIterator[Any]:
        """Every page of a paged query; the first one always (it may be empty)."""
        page, fetched = 1, 0
        while True:
            result = await self.call(make_request(page))
            yield result
            fetched += result.size
            following = next_page(page, result.size, fetched, result.total)
            if following is None:
                return
            page = following

    async def iter_rows(self, make_request: Callable[[int], ApiRequest]) -> AsyncIterator[Any]:
        async for result in self.iter_pages(make_request):
            for row in result.rows:
                yield row

    def iter_delivery_status(self, batch_id: str, *, mms: bool = False) -> AsyncIterator[DeliveryRow]:
        return self.iter_rows(partial(build.delivery_status_request, batch_id, mms=mms))

    async def get_delivery_summary(self, batch_ids: Sequence[str], *, mms: bool = False) -> DeliverySummary:
        """Every page of every batch, counted without building row objects; a batch without rows keeps the
        summary incomplete (the same fold as the sync client's)."""
        summary = DeliverySummary(mms=mms)
        for batch_id in batch_ids:
            async for result in self.iter_pages(partial(build.delivery_status_request, batch_id, mms=mms,
                                                        counts_only=True)):
                summary.add_counts(result.counts or {}, batch_id=batch_id)
        return summary

    def iter_replies(self, batch_id: str) -> AsyncIterator[Reply]:
        return self.iter_rows(partial(build.replies_request, batch_id))
