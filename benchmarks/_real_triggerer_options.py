"""The command line of ``bench_real_triggerer.py``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def parse(argv: Sequence[str], description: str) -> argparse.Namespace:
    """The options; ``steps`` and ``sft_steps`` as lists of whole numbers, each a multiple of ``tasks``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", default="1000,2000,5000",
                        help="ordinary deferred waits running together, cumulative (goal 3's series)")
    parser.add_argument("--sft-steps", default="1000,2000",
                        help="start_from_trigger waits running together, cumulative ('' for none)")
    parser.add_argument("--tasks", type=int, default=10, help="waits per DAG (one run each)")
    parser.add_argument("--messages", type=int, default=20, help="messages per batch (one status page)")
    parser.add_argument("--poke", type=float, default=60.0, help="poll interval, seconds (the sensor's default)")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured at each step")
    parser.add_argument("--peer-window", type=float, default=20.0,
                        help="seconds measured at each step of the peer (its waits do not poll)")
    parser.add_argument("--capacity", type=int, default=6000, help="[triggerer] capacity for the run")
    parser.add_argument("--select-per-loop", type=int, default=0,
                        help="[triggerer] max_trigger_to_select_per_loop (0: Airflow's default, 50)")
    parser.add_argument("--no-peer", action="store_true", help="skip the DateTimeTrigger peer")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="diagnosis: trace the trigger runner's allocations (slow); top sites in the probe dir")
    parser.add_argument("--where", action="store_true",
                        help="diagnosis: every 10 s, where the runner's tasks wait (probe dir, <run>.where.jsonl)")
    parser.add_argument("--keep", action="store_true", help="keep the deployment's logs and the probe's files")
    parser.add_argument("--raw", type=Path, help="also write the raw figures (JSON) here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.steps = [int(n) for n in args.steps.split(",")]
    args.sft_steps = [int(n) for n in args.sft_steps.split(",") if n]
    if any(n % args.tasks for n in [*args.steps, *args.sft_steps]):
        parser.error("every step must be a multiple of --tasks")
    return args
