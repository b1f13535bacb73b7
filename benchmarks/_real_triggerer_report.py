"""The tables, bars and notes of ``bench_real_triggerer.py``: its figures in, run_all.py's result out."""

from __future__ import annotations

import argparse
from typing import Any

MB = 2**20


def _lag(lags: dict[str, float] | None, key: str) -> str:
    return f"{lags[key]:.1f}" if lags else "-"


def _row(kind: str, idle: int, step: dict[str, Any]) -> list[str]:
    blocked = step["blocked"]
    gc2 = step["gc2"]
    waits = f"{step['waits']:,}" if step["running_after"] >= step["waits"] else \
        f"{step['waits']:,} (only {step['running_after']:,} running)"
    return [kind, waits, f"{step['deferred_s']:.0f}", f"{step['running_s']:.0f}",
            f"{step['peak_rss'] / MB:.0f}", f"{(step['peak_rss'] - idle) / MB:.0f}",
            _lag(step["lags"], "p50"), _lag(step["lags"], "p99"), _lag(step["lags"], "max"),
            _lag(step["ramp_lags"], "p99"), _lag(step["ramp_lags"], "max"),
            f"{len(blocked)} / {max(blocked, default=0):.1f}", f"{step['cpu_share']:.0%}",
            f"{len(gc2)} / {max(gc2, default=0):.0f}", f"{step['load']:.1f}"]


def _per_request(step: dict[str, Any]) -> str:
    """The trigger runner's CPU over the window (the probe's reading) per status request in it."""
    count = step["requests"]["endpoints"].get("getDeliveryStatus", 0)
    share = step.get("runner_cpu_share")
    return f"{share * step['requests']['seconds'] / count * 1000:.2f}" if count and share else "-"


def report(figures: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    ours, peer = figures["every8d"], figures.get("peer")
    top = max(args.steps)
    idle, big = ours["idle"]["idle_rss"], ours["steps"][-1]
    beyond = (big["peak_rss"] - idle) / MB
    peer_big = peer["steps"][-1] if peer else None
    peer_beyond = (peer_big["peak_rss"] - peer["idle"]["idle_rss"]) / MB if peer_big else None
    p99 = big["lags"]["p99"] if big["lags"] else float("inf")
    peer_p99 = peer_big["lags"]["p99"] if peer_big and peer_big["lags"] else None
    requests = big["requests"]
    pages = top  # one status page a batch: --messages (20) rows, the emulator's page is 1,000
    others = {k: v for k, v in requests["endpoints"].items() if k != "getDeliveryStatus"}
    release = ours["release"]
    succeeded = release["tasks"].get("success", 0)
    rows = [_row("ours", idle, step) for step in ours["steps"]]
    if peer:
        rows += [_row("peer", peer["idle"]["idle_rss"], step) for step in peer["steps"]]
    request_rows = [[f"{s['waits']:,}", f"{args.poke:g}", f"{s['requests']['seconds']:.0f}",
                     f"{s['requests']['endpoints'].get('getDeliveryStatus', 0):,}",
                     f"{s['requests']['per_interval']:,.1f}", f"{s['waits']:,}",
                     f"{s['requests']['batches_polled']:,}",
                     f"{s['requests']['min_gap']:.2f}" if s["requests"]["min_gap"] else "-",
                     str(sum(v for k, v in s["requests"]["endpoints"].items() if k != "getDeliveryStatus")),
                     _per_request(s)]
                    for s in ours["steps"]]

    def ratio(a: float | None, b: float | None) -> str:
        return f"; ratio {a / b:.2f}x" if a is not None and b else ""

    peer_mem = f"; peer (DateTimeTrigger) {peer_beyond:.0f} MB{ratio(beyond, peer_beyond)}" if peer_beyond else ""
    peer_lag = f"; peer {peer_p99:.1f} ms{ratio(p99, peer_p99)}" if peer_p99 is not None else ""
    return {
        "name": "real_triggerer",
        "title": f"3. Deferred waits: {top:,} delivery waits in one real `airflow triggerer` (PostgreSQL)",
        "tables": [
            {"headers": ["Waits of", "Running together", "All deferred after s (scheduler)",
                         "All running after s (triggerer)", "Peak RSS MB (triggerer tree)", "Beyond idle MB",
                         "Loop lag p50 ms", "p99 ms", "max ms", "While creating: p99 ms", "max ms",
                         "Airflow 'blocked' warnings / longest s", "Tree CPU share", "Full GCs / longest ms",
                         "Load avg (1 min)"], "rows": rows},
            {"headers": ["Waits", "Poll interval s", "Window s", "Status requests in window",
                         "Requests per poll interval", "Batch pages (1 a batch)", "Batches polled",
                         "Shortest gap between one batch's requests s", "Other requests",
                         "Trigger-runner CPU per status request ms"], "rows": request_rows},
            {"headers": ["Triggerer", "Idle RSS MB (no trigger)", "Processes in its tree"],
             "rows": [[name, f"{phase['idle']['idle_rss'] / MB:.0f}", str(phase["idle"]["processes"])]
                      for name, phase in (("ours", ours), ("peer (restarted)", peer)) if phase]},
        ],
        "bars": [
            {"bar": f"peak RSS beyond the idle triggerer < 300 MB ({top:,} waits, whole process tree)",
             "measured": f"{beyond:.0f} MB{peer_mem}", "pass": beyond < 300},
            {"bar": f"event-loop lag p99 < 100 ms ({top:,} waits running)", "measured": f"{p99:.1f} ms{peer_lag}",
             "pass": p99 < 100},
            {"bar": f"HTTP requests per poll interval = batch pages ({pages:,}), no other calls",
             "measured": f"{requests['per_interval']:,.0f} per {args.poke:g} s; other requests: {others or 0}",
             "pass": abs(requests["per_interval"] - pages) <= 0.02 * pages and not others
             and (requests["min_gap"] or args.poke) >= args.poke * 0.99},
            {"bar": f"every wait completes ({top:,} tasks success)",
             "measured": f"{succeeded:,} success, {release['seconds']:.0f} s after the release; "
                         f"runs {release['runs']}; "
                         f"loop lag meanwhile p99 {_lag(release.get('lags'), 'p99')} ms, max "
                         f"{_lag(release.get('lags'), 'max')} ms, {len(release['blocked'])} 'blocked' warnings "
                         f"(longest {max(release['blocked'], default=0):.1f} s)",
             "pass": succeeded == top},
            {"bar": "`[triggerer] capacity` default (Airflow's config)",
             "measured": f"{figures['capacity_default']}; this run set {args.capacity:,}", "pass": None},
        ],
        "notes": [
            f"One real `airflow triggerer` (Airflow 3.3: the `airflow triggerer` process and its trigger-runner "
            f"child, both measured: RSS summed over the tree with psutil every 0.5 s) beside the scheduler, the DAG "
            f"processor and one API server, LocalExecutor, no worker, metadata on a throw-away PostgreSQL "
            f"(tests/harness/deployment.py). Ours: `Every8dDeliveryStatusSensor(deferrable=True, "
            f"start_from_trigger=True, poke_interval={args.poke:g})`, {args.tasks} a DAG, one run a DAG, batch id "
            f"from the run's conf; batches of {args.messages} messages held unfinished until the release.",
            "Peer: the same triggerer restarted (a fresh process, its own idle figure), the same DAG shape and steps "
            "with Airflow's lightest deferrable wait, `DateTimeSensorAsync(start_from_trigger=True, "
            "end_from_trigger=True)` (a `DateTimeTrigger` sleeping until a time a day ahead): what any wait costs "
            "in this triggerer, our code aside.",
            f"Steps are cumulative (more DAG runs triggered on top of the running waits); each is measured over "
            f"{args.window:g} s once all its waits run. Lag: a probe trigger in the same event loop "
            "(benchmarks/_lag_probe.py) sleeping 50 ms in a loop, lag = lateness of each wake-up; 'while creating': "
            "from the first DAG run triggered until every trigger runs. Airflow's own watchdog warnings "
            "('async thread was blocked', over 0.2 s) are counted from the triggerer's log.",
            "Requests: the emulator's own log (time, endpoint, batch id of every request) over the window; per "
            "poll interval = requests x poll interval / window.",
            f"`[triggerer] capacity` (`airflow config get-value triggerer capacity`, nothing set): "
            f"{figures['capacity_default']}. A triggerer runs at most that many triggers; for {top:,} waits in one "
            f"triggerer set `AIRFLOW__TRIGGERER__CAPACITY={top}` or more (this run: {args.capacity}), or run "
            f"several triggerers. `max_trigger_to_select_per_loop`: "
            f"{args.select_per_loop or 'Airflow default (50)'}.",
            f"Whole run {figures['minutes']:.1f} minutes; load average {figures['load_start']:.1f} at the start, "
            f"{figures['load_end']:.1f} at the end, 2 cores shared with other work.",
        ],
        "raw": {"steps": args.steps, "figures": figures},
    }
