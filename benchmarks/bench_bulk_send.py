"""Bulk send: 100,000 recipients three ways, side by side against one emulator process.

1. ``Every8dSendSmsOperator(chunk_size=1000)``: ``op.execute(context)`` called directly with a minimal
   context (no ``task_state_store``, so the send-once ledger is off, as on Airflow < 3.3).
2. The loop users write today in a PythonOperator: one ``requests.post`` per recipient (a new connection
   each time). Measured on a sample (``--sample``, default 2,000 recipients) and extrapolated linearly.
3. One request per chunk of 1,000 through a fresh ``requests.Session`` per request, which is what
   ``HttpHook.run`` does (the HTTP provider is not installed here; this emulates its per-call session).

Client CPU is ``time.process_time()`` of this process only (the emulator is another process).

    .venv/bin/python benchmarks/bench_bulk_send.py [--recipients 100000] [--sample 2000] [--json]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from _common import PASSWORD, UID, emit, emulator, isolate_airflow, phone_numbers

CHUNK = 1000
MESSAGE = "Benchmark: your order has shipped."
SEND_PATH = "/API21/HTTP/sendSMS.ashx"


class RequestCounter:
    """Counts every HTTP request ``requests`` sends in this process (patched ``Session.send``)."""

    def __init__(self) -> None:
        import requests

        self.count = 0
        original = requests.Session.send

        def send(session: Any, request: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(session, request, **kwargs)

        requests.Session.send = send  # type: ignore[method-assign,assignment]


def via_operator(numbers: Sequence[str], url: str) -> int:
    from airflow_provider_every8d.operators.every8d import Every8dSendSmsOperator

    operator = Every8dSendSmsOperator(task_id="bulk_send", message=MESSAGE, recipients=list(numbers),
                                      chunk_size=CHUNK)
    result = operator.execute({})  # type: ignore[arg-type]
    return int(result["sent"])


def per_recipient_loop(numbers: Sequence[str], url: str) -> int:
    """What a PythonOperator does today: one POST per recipient, checking each answer."""
    import requests

    sent = 0
    for number in numbers:
        response = requests.post(url + SEND_PATH, data={"UID": UID, "PWD": PASSWORD, "SB": "", "MSG": MESSAGE,
                                                        "DEST": number, "ST": "", "RETRYTIME": ""}, timeout=30)
        response.raise_for_status()
        if response.text.startswith("-"):
            raise RuntimeError(response.text)
        sent += int(response.text.split(",")[1])
    return sent


def session_per_chunk(numbers: Sequence[str], url: str) -> int:
    """One POST per 1,000 recipients, each through a new session (HttpHook.run opens one per call)."""
    import requests

    sent = 0
    for start in range(0, len(numbers), CHUNK):
        with requests.Session() as session:
            response = session.post(url + SEND_PATH, data={
                "UID": UID, "PWD": PASSWORD, "SB": "", "MSG": MESSAGE,
                "DEST": ",".join(numbers[start:start + CHUNK]), "ST": "", "RETRYTIME": ""}, timeout=30)
        response.raise_for_status()
        if response.text.startswith("-"):
            raise RuntimeError(response.text)
        sent += int(response.text.split(",")[1])
    return sent


def measure(send: Callable[[Sequence[str], str], int], numbers: Sequence[str], url: str,
            counter: RequestCounter) -> dict[str, float]:
    before = counter.count
    cpu, wall = time.process_time(), time.perf_counter()
    sent = send(numbers, url)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if sent != len(numbers):
        raise RuntimeError(f"{send.__name__}: sent {sent} of {len(numbers)}")
    return {"recipients": len(numbers), "requests": counter.count - before, "wall": wall, "cpu": cpu}


def run(recipients: int, sample: int) -> dict[str, Any]:
    isolate_airflow()
    numbers = phone_numbers(recipients)
    with emulator(delivery_seconds=0) as (_, url):
        counter = RequestCounter()
        for send in (via_operator, per_recipient_loop, session_per_chunk):  # warm-up: imports, first connection
            measure(send, phone_numbers(20, start=recipients + 1_000_000), url, counter)
        operator = measure(via_operator, numbers, url, counter)
        chunked = measure(session_per_chunk, numbers, url, counter)
        loop = measure(per_recipient_loop, numbers[:sample], url, counter)
    scale = recipients / loop["recipients"]
    loop_full = {"recipients": recipients, "requests": loop["requests"] * scale, "wall": loop["wall"] * scale,
                 "cpu": loop["cpu"] * scale}
    extrapolated = loop["recipients"] < recipients
    rows = []
    for name, figures in (("Every8dSendSmsOperator (chunk_size=1000)", operator),
                          ("requests.post per recipient" + (" (extrapolated)" if extrapolated else ""), loop_full),
                          ("fresh session per 1,000-chunk (HttpHook-style)", chunked)):
        rows.append([name, f"{figures['requests']:,.0f}", f"{figures['wall']:.2f}",
                     f"{figures['cpu'] / recipients * 1e6:.1f}", f"{loop_full['wall'] / figures['wall']:.1f}x"])
    speedup = loop_full["wall"] / operator["wall"]
    cpu_us = operator["cpu"] / recipients * 1e6
    return {
        "name": "bulk_send",
        "title": f"1. Bulk send: {recipients:,} recipients",
        "tables": [{"headers": ["Way", "HTTP requests", "Wall s", "Client CPU µs/recipient",
                                "Speed-up vs per-recipient loop"], "rows": rows}],
        "bars": [
            {"bar": "operator ≥ 50x faster than the per-recipient loop", "measured": f"{speedup:.0f}x",
             "pass": speedup >= 50},
            {"bar": "operator client CPU < 10 µs per recipient", "measured": f"{cpu_us:.1f} µs",
             "pass": cpu_us < 10},
        ],
        "notes": [
            (f"The per-recipient loop was measured on {loop['recipients']:,} recipients "
             f"({loop['wall']:.2f} s wall, {loop['cpu']:.2f} s CPU) and extrapolated linearly to {recipients:,}."
             if extrapolated else "The per-recipient loop was run in full."),
            "Operator: `op.execute({})` called directly (no `dag.test()`), context without `task_state_store`; "
            "its time includes validating every number, building every chunk's request and parsing the answers.",
            "HttpHook-style: the HTTP provider is not installed; a new `requests.Session` per chunk request "
            "emulates `HttpHook.run`, which opens a session per call. It does no validation, hence its lower CPU.",
            "Wall time includes the emulator's work (same 2-core machine); the emulator answers each send after "
            "recording every recipient.",
        ],
        "raw": {"operator": operator, "loop_sample": loop, "session_per_chunk": chunked},
    }


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000, help="recipients sent by the per-recipient loop")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    emit(run(args.recipients, min(args.sample, args.recipients)), args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
