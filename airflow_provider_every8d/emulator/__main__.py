"""``python -m airflow_provider_every8d.emulator``: serve until SIGINT/SIGTERM.

Prints one line, flushed, whose last word is the base URL (``--port 0`` picks a free port and
prints the real one), so scripts can read it: ``EVERY8D emulator listening on http://127.0.0.1:8088``.

The account's password comes from ``$EVERY8D_EMULATOR_PASSWORD`` or ``--password-file`` (first line),
never from the command line, which every user of the machine can read in the process list.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .framing import FRAMINGS
from .modes import Modes
from .server import MAX_REQUESTS, Every8dEmulator

PASSWORD_ENV = "EVERY8D_EMULATOR_PASSWORD"
DEFAULT_PASSWORD = "demo-password"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_every8d.emulator",
        description="A local EVERY8D SMS HTTP API 2.1 server for demos and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8088, help="port to bind; 0 picks a free one (default 8088)")
    parser.add_argument("--uid", default="demo", help="account UID (default demo)")
    parser.add_argument("--password-file", default=None,
                        help=f"file whose first line is the account PWD (else ${PASSWORD_ENV}, else demo-password)")
    parser.add_argument("--password", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--max-requests", type=int, default=MAX_REQUESTS,
                        help=f"requests kept for inspection, newest first (a ring; default {MAX_REQUESTS})")
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
    parser.add_argument("--api", choices=("2.1", "2.2"), default="2.1",
                        help="2.2: the vendor's API 2.2 (bearer tokens, JSON reports, IsSend, EventID, SendParam)")
    parser.add_argument("--token-lifetime", type=float, default=8 * 3600.0,
                        help="API 2.2: seconds a bearer token is taken (default 8 hours)")
    parser.add_argument("--realistic", action="store_true",
                        help="every odd answer shape at once (Modes.realistic(): empty pages, Big5 refusals ...)")
    parser.add_argument("--framing", choices=FRAMINGS, default="length",
                        help="how answer bodies are delimited: Content-Length (default), chunked, Connection: "
                             "close after each answer, ended by the close (eof), or closed while kept alive "
                             "(idle-close, as a balancer with a tiny idle timeout)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.password is not None:
        parser.error(f"--password: a password on the command line is visible in the process list; "
                     f"set ${PASSWORD_ENV} or use --password-file")
    if args.max_requests < 1:
        parser.error(f"--max-requests: {args.max_requests} must be at least 1")
    return args


def account_password(args: argparse.Namespace) -> str:
    """``--password-file``'s first line, else ``$EVERY8D_EMULATOR_PASSWORD``, else ``demo-password``."""
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as handle:
            return handle.readline().rstrip("\r\n")
    return os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    emulator = Every8dEmulator(
        port=args.port,
        accounts={args.uid: {"password": account_password(args), "batch_ids": args.batch_ids}},
        credit=args.credit,
        delivery_seconds=args.delivery_seconds,
        push_url=args.push_url,
        host=args.host,
        status_columns=args.status_columns,
        international=args.international,
        jitter=args.jitter,
        verbose=args.verbose,
        modes=Modes.realistic(framing=args.framing) if args.realistic else Modes(framing=args.framing),
        max_requests=args.max_requests,
        api_version=args.api,
        token_lifetime=args.token_lifetime,
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
