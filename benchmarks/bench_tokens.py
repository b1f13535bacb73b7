"""API 2.2 bearer tokens: token requests per process while many clients poll, and per renewal.

One process, an API 2.2 connection with ``auth=token`` against the emulator in 2.2 mode (its own process):
``--triggers`` delivery triggers (async, sharing one pool) poll ``--polls`` times each and a sync client
asks as many status pages; the token requests counted are this process's (``transport.tokens.TOKENS``).
Then, with ``token_renew_after`` of 2 s, polling for 7 s: one token request per renewal is expected. The
peer, same run: a client that asks for a token before each call (what a token-per-request helper does).

    .venv/bin/python benchmarks/bench_tokens.py [--triggers 200] [--polls 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from _common import PASSWORD, UID, emit, emulator, isolate_airflow, phone_numbers

RENEW_AFTER = 2.0
RENEW_PHASE = 7.0


def settings_for(url: str, renew_after: float) -> Any:
    from airflow_provider_every8d.settings import ClientSettings

    return ClientSettings(base_url=url, uid=UID, password=PASSWORD, api_version="2.2", auth="token",
                          token_renew_after=renew_after)


async def trigger_polls(url: str, batch_id: str, triggers: int, polls: int) -> int:
    from airflow_provider_every8d.transport.aio import AsyncEvery8dClient
    from airflow_provider_every8d.triggers.every8d import Every8dDeliveryStatusTrigger

    async def one() -> int:
        trigger = Every8dDeliveryStatusTrigger(batch_ids=[batch_id], poll_interval=0.01)
        async with AsyncEvery8dClient(settings_for(url, 3600)) as client:
            for _ in range(polls):
                await trigger.check(client)
        return polls

    return sum(await asyncio.gather(*(one() for _ in range(triggers))))


def run(triggers: int, polls: int) -> dict[str, Any]:
    isolate_airflow()
    with emulator(delivery_seconds=3600, extra=["--api", "2.2"]) as (_, url):
        os.environ["AIRFLOW_CONN_EVERY8D_DEFAULT"] = json.dumps(
            {"conn_type": "every8d", "host": url, "login": UID, "password": PASSWORD,
             "extra": {"api_version": "2.2", "auth": "token"}})
        from airflow_provider_every8d.hooks.every8d import Every8dHook
        from airflow_provider_every8d.protocol import build
        from airflow_provider_every8d.protocol.tokens import token_request
        from airflow_provider_every8d.transport.sync import Every8dClient
        from airflow_provider_every8d.transport.tokens import TOKENS

        before = TOKENS.obtained
        batch_id = str(Every8dHook().send_sms("tokens", phone_numbers(50)).batch_id)
        async_calls = asyncio.run(trigger_polls(url, batch_id, triggers, polls))
        with Every8dClient(settings_for(url, 3600)) as client:
            for _ in range(triggers * polls):
                client.get_delivery_summary([batch_id])
        calls = 1 + async_calls + triggers * polls  # the send too
        many = TOKENS.obtained - before

        TOKENS._entries.clear()  # a fresh start for the renewal phase (same process)
        before, started = TOKENS.obtained, time.monotonic()
        renew_calls = 0
        with Every8dClient(settings_for(url, RENEW_AFTER)) as client:
            while time.monotonic() - started < RENEW_PHASE:
                client.get_delivery_summary([batch_id])
                renew_calls += 1
                time.sleep(0.05)
        renewed = TOKENS.obtained - before
        windows = math.ceil(RENEW_PHASE / RENEW_AFTER)

        peer = 0  # a token asked for before each call, as a per-request helper does
        with Every8dClient(settings_for(url, 3600)) as client:
            for _ in range(100):
                client.post(token_request(), None)
                peer += 1
                client.call(build.credit_request())
    ok_many, ok_renew = many == 1, renewed == windows
    return {
        "name": "tokens",
        "title": "5. API 2.2 bearer tokens: token requests per process and per renewal",
        "tables": [{"headers": ["Phase", "Calls", "Token requests", "Peer (token per call)"], "rows": [
            [f"a send, {triggers} triggers x {polls} polls (async, one pool), {triggers * polls} sync status calls",
             f"{calls:,}", many, f"{calls:,}"],
            [f"polling {RENEW_PHASE:g} s with token_renew_after={RENEW_AFTER:g} s ({windows} renewal windows)",
             f"{renew_calls:,}", renewed, f"{renew_calls:,}"],
            ["peer measured: token request before each of 100 credit calls", "100", peer, "-"]]}],
        "bars": [
            {"bar": "one token request per process whatever the number of polls",
             "measured": f"{many} for {calls:,} calls (peer {calls:,}, ratio {many / calls:.4f})", "pass": ok_many},
            {"bar": "one token request per renewal", "measured": f"{renewed} for {windows} windows",
             "pass": ok_renew},
        ],
        "notes": ["Tokens: transport/tokens.py (one per process and account, shared by the sync and async "
                  "clients, renewed after `token_renew_after`). Counted with `TOKENS.obtained` in this process; "
                  "the emulator runs with `--api 2.2`."],
        "raw": {"calls": calls, "tokens": many, "renew_calls": renew_calls, "renewed": renewed, "windows": windows},
    }


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=200)
    parser.add_argument("--polls", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    emit(run(args.triggers, args.polls), args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
