"""Async clients of one account in one event loop (the triggerer's) share one connection pool: thousands of
deferred waits poll over a few kept-alive connections, not one connection (and TLS handshake) each."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_every8d.emulator import Every8dEmulator
from airflow_provider_every8d.protocol import build
from airflow_provider_every8d.settings import ClientSettings
from airflow_provider_every8d.transport.aio import AsyncEvery8dClient


def _settings(url: str, uid: str = "demo") -> ClientSettings:
    return ClientSettings(base_url=url, uid=uid, password="demo-password", connect_retries=0)


def _connections(emulator: Every8dEmulator) -> set[tuple[str, int]]:
    return {record.client for record in emulator.requests}


def test_clients_of_one_account_in_one_loop_share_connections(every8d_emulator: Every8dEmulator) -> None:
    async def main() -> list[float]:
        clients = [AsyncEvery8dClient(_settings(every8d_emulator.url)) for _ in range(10)]
        balances = [await client.call(build.credit_request()) for client in clients]
        for client in clients[:-1]:  # the others leave; the last one's connection stays usable
            await client.aclose()
        balances.append(await clients[-1].call(build.credit_request()))
        await clients[-1].aclose()
        async with AsyncEvery8dClient(_settings(every8d_emulator.url)) as again:  # the pool was closed: a new one
            balances.append(await again.call(build.credit_request()))
        return balances

    assert asyncio.run(main()) == [1000.0] * 12
    assert len(every8d_emulator.requests) == 12
    assert len(_connections(every8d_emulator)) == 2


@pytest.mark.every8d(accounts={"demo": "demo-password", "other": "demo-password"})
def test_another_account_or_another_loop_gets_its_own_connections(every8d_emulator: Every8dEmulator) -> None:
    async def main() -> None:
        async with AsyncEvery8dClient(_settings(every8d_emulator.url)) as first, \
                AsyncEvery8dClient(_settings(every8d_emulator.url, uid="other")) as second:
            await first.call(build.credit_request())
            await second.call(build.credit_request())

    asyncio.run(main())
    asyncio.run(main())
    assert len(_connections(every8d_emulator)) == 4
