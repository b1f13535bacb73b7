"""Async transport (httpx, which ships with Airflow) for the trigger and ``async_notify``.

Same requests, same parsers, same retry policy as :mod:`client`; only the socket differs. httpx's
transport ``retries`` retries connection failures only, i.e. requests that never reached the server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from typing import Any

import httpx

from airflow_provider_every8d.client import USER_AGENT
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.protocol.errors import Every8dTransportError, excerpt
from airflow_provider_every8d.protocol.models import DeliveryRow, Reply
from airflow_provider_every8d.protocol.paging import next_page
from airflow_provider_every8d.protocol.request import ApiRequest
from airflow_provider_every8d.protocol.retry import QUERY_ATTEMPTS, retry_pause
from airflow_provider_every8d.protocol.summary import DeliverySummary
from airflow_provider_every8d.settings import ClientSettings

log = logging.getLogger(__name__)


def _transport(settings: ClientSettings, proxy: str | None = None) -> httpx.AsyncHTTPTransport:
    return httpx.AsyncHTTPTransport(retries=settings.connect_retries, verify=settings.verify, proxy=proxy)


class AsyncEvery8dClient:
    """Async twin of :class:`~airflow_provider_every8d.client.Every8dClient`. Use as ``async with``."""

    def __init__(self, settings: ClientSettings, *, query_attempts: int = QUERY_ATTEMPTS) -> None:
        self.settings = settings
        self.query_attempts = query_attempts
        mounts = {f"{scheme}://": _transport(settings, url) for scheme, url in (settings.proxies or {}).items()}
        self._http = httpx.AsyncClient(transport=_transport(settings), mounts=mounts or None,
                                       timeout=settings.timeout, headers={"User-Agent": f"{USER_AGENT} (httpx)"})

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
            problem = f"{type(error).__name__}" + (" (could not connect)" if never else
                                                   " (the request may have reached the server)")
            raise Every8dTransportError(problem, may_have_reached_server=not never, endpoint=endpoint) \
                from None
        if response.status_code != 200:
            raise Every8dTransportError(
                f"HTTP {response.status_code}: {excerpt(response.content, self.settings.password)}",
                status_code=response.status_code, endpoint=endpoint)
        return response.content

    async def iter_rows(self, make_request: Callable[[int], ApiRequest]) -> AsyncIterator[Any]:
        page, fetched = 1, 0
        while True:
            result = await self.call(make_request(page))
            for row in result.rows:
                yield row
            fetched += len(result.rows)
            following = next_page(page, len(result.rows), fetched, result.total)
            if following is None:
                return
            page = following

    def iter_delivery_status(self, batch_id: str, *, mms: bool = False) -> AsyncIterator[DeliveryRow]:
        return self.iter_rows(partial(build.delivery_status, batch_id, mms=mms))

    async def get_delivery_summary(self, batch_ids: Sequence[str], *, mms: bool = False) -> DeliverySummary:
        """Read every page of every batch and count statuses."""
        summary = DeliverySummary(mms=mms)
        for batch_id in batch_ids:
            async for row in self.iter_delivery_status(batch_id, mms=mms):
                summary.add(row)
        return summary

    def iter_replies(self, batch_id: str) -> AsyncIterator[Reply]:
        return self.iter_rows(partial(build.replies, batch_id))
