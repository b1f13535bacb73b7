"""``python -m airflow_provider_every8d.emulator``: serve until SIGINT/SIGTERM.

Prints one line, flushed, whose last word is the base URL (``--port 0`` picks a free port and
prints the real one), so scripts can read it: ``EVERY8D emulator listening on http://127.0.0.1:8088``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .modes import Modes
from .server import Every8dEmulator


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_every8d.emulator",
        description="A local EVERY8D SMS HTTP API 2.1 server for demos and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8088, help="port to bind; 0 picks a free one (default 8088)")
    parser.add_argument("--uid", default="demo", help="account UID (default demo)")
    parser.add_argument("--password", default="demo-password", help="account PWD (default demo-password)")
    parser.add_argument("--credit", type=float, default=1000.0, help="starting points (default 1000)")
    parser.add_argument(
        "--delivery-seconds", type=float, default=2.0, help="seconds from sending to final status (default 2)"
    )
    parser.add_argument("--jitter", action="store_true", help="spread deliveries over 0.5x-1.5x per number")
    parser.add_argument("--push-url", default=None, help="delivery-report push receiver (spec 2.1)")
    parser.add_argument("--status-columns", type=int, choices=(5, 6), default=6, help="2.2 row columns (default 6)")
    parser.add_argument("--international", action="store_true", help="enable international SMS for the account")
    parser.add_argument("--batch-ids", choices=("uuid", "short"), default="uuid",
                        help="batch ids as UUIDs (default) or the short numeric ids of older accounts")
    parser.add_argument("--realistic", action="store_true",
                        help="every odd answer shape at once (Modes.realistic(): empty pages, Big5 refusals ...)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    emulator = Every8dEmulator(
        port=args.port,
        accounts={args.uid: {"password": args.password, "batch_ids": args.batch_ids}},
        credit=args.credit,
        delivery_seconds=args.delivery_seconds,
        push_url=args.push_url,
        host=args.host,
        status_columns=args.status_columns,
        international=args.international,
        jitter=args.jitter,
        verbose=args.verbose,
        modes=Modes.realistic() if args.realistic else None,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    emulator.start()
    print(f"EVERY8D emulator listening on {emulator.url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
