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


def _period(period: dict[str, float] | None) -> str:
    return f"{period['p50']:.1f} / {period['max']:.1f}" if period else "-"


SERIES = {"dfevery8d": ("dfpeer", "ordinary defer()"), "every8d": ("peer", "start_from_trigger")}


def report(figures: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Goal 3's figure: the ordinary deferred series; the start_from_trigger series as a second, labelled set."""
    parts = [_series(figures, args, key) for key in SERIES if key in figures]
    main = parts[0]
    tables = [{**table, "rows": [row for part in parts for row in part["tables"][n]["rows"]]}
              for n, table in enumerate(main["tables"])]
    return {**main, "tables": tables, "bars": [bar for part in parts for bar in part["bars"]] + main["extra_bars"],
            "notes": main["notes"] + (parts[1]["series_notes"] if len(parts) > 1 else [])}


def _series(figures: dict[str, Any], args: argparse.Namespace, key: str) -> dict[str, Any]:
    peer_key, mode = SERIES[key]
    ours, peer = figures[key], figures.get(peer_key)
    steps = args.steps if key.startswith("df") else args.sft_steps
    top = max(s["waits"] for s in ours["steps"])
    idle, big = ours["idle"]["idle_rss"], ours["steps"][-1]
    beyond = (big["peak_rss"] - idle) / MB
    peer_big = peer["steps"][-1] if peer else None
    peer_beyond = (peer_big["peak_rss"] - peer["idle"]["idle_rss"]) / MB if peer and peer_big else None
    p99 = big["lags"]["p99"] if big["lags"] else float("inf")
    peer_p99 = peer_big["lags"]["p99"] if peer_big and peer_big["lags"] else None
    requests = big["requests"]
    pages = top  # one status page a batch: --messages (20) rows, the emulator's page is 1,000
    others = {k: v for k, v in requests["endpoints"].items() if k != "getDeliveryStatus"}
    release = ours["release"]
    succeeded = release["fired"] if key.startswith("df") else release["tasks"].get("success", 0)
    rows = [_row(f"ours, {mode}", idle, step) for step in ours["steps"]]
    if peer:
        rows += [_row(f"peer, {mode}", peer["idle"]["idle_rss"], step) for step in peer["steps"]]
    request_rows = [[mode, f"{s['waits']:,}", f"{args.poke:g}", f"{s['requests']['seconds']:.0f}",
                     f"{s['requests']['endpoints'].get('getDeliveryStatus', 0):,}",
                     f"{s['requests']['per_interval']:,.1f}", f"{s['waits']:,}",
                     f"{s['requests']['batches_polled']:,}",
                     f"{s['requests']['min_gap']:.2f}" if s["requests"]["min_gap"] else "-",
                     str(sum(v for k, v in s["requests"]["endpoints"].items() if k != "getDeliveryStatus")),
                     _period(s["requests"].get("poll_period")), f"{s['requests'].get('first_polled_in_window', '-')}",
                     _per_request(s)]
                    for s in ours["steps"]]

    def ratio(a: float | None, b: float | None) -> str:
        return f"; ratio {a / b:.2f}x" if a is not None and b else ""

    peer_mem = f"; peer (DateTimeTrigger) {peer_beyond:.0f} MB{ratio(beyond, peer_beyond)}" if peer_beyond else ""
    peer_lag = f"; peer {peer_p99:.1f} ms{ratio(p99, peer_p99)}" if peer_p99 is not None else ""
    done = (f"{release['fired']:,} triggers fired their event and their task left deferred (database), "
            f"{release['success_events']:,} success events, {release['tried_again']} tried again, "
            f"{release['still_deferred']} still deferred; 'Trigger fired event' logged "
            f"{release['fired_logged']:,} times, at most {release['most_fired_for_one']} for one trigger; "
            "the resumed tasks do not run (paused DAGs, no worker)"
            if key.startswith("df") else f"{succeeded:,} success")
    return {
        "name": "real_triggerer",
        "title": f"3. Deferred waits: {top:,} delivery waits in one real `airflow triggerer` (PostgreSQL)",
        "tables": [
            {"headers": ["Waits of", "Running together", "All deferred after s (scheduler / bulk write)",
                         "All running after s (triggerer)", "Peak RSS MB (triggerer tree)", "Beyond idle MB",
                         "Loop lag p50 ms", "p99 ms", "max ms", "While creating: p99 ms", "max ms",
                         "Airflow 'blocked' warnings / longest s", "Tree CPU share", "Full GCs / longest ms",
                         "Load avg (1 min)"], "rows": rows},
            {"headers": ["Mode", "Waits", "Poll interval s", "Window s", "Status requests in window",
                         "Requests per poll interval", "Batch pages (1 a batch)", "Batches polled",
                         "Shortest gap between one batch's requests s", "Other requests",
                         "One batch's poll period s, p50 / max (whole run)", "Batches first polled in the window",
                         "Trigger-runner CPU per status request ms"], "rows": request_rows},
            {"headers": ["Triggerer", "Idle RSS MB (no trigger)", "Processes in its tree"],
             "rows": [[name, f"{phase['idle']['idle_rss'] / MB:.0f}", str(phase["idle"]["processes"])]
                      for name, phase in ((f"ours, {mode}", ours), (f"peer, {mode} (restarted)", peer)) if phase]},
        ],
        "bars": [
            {"bar": f"{mode}: peak RSS beyond the idle triggerer < 300 MB ({top:,} waits, process tree)",
             "measured": f"{beyond:.0f} MB{peer_mem}", "pass": beyond < 300},
            {"bar": f"{mode}: event-loop lag p99 < 100 ms ({top:,} waits running)",
             "measured": f"{p99:.1f} ms{peer_lag}",
             "pass": p99 < 100},
            {"bar": f"{mode}: HTTP requests per poll interval = batch pages ({pages:,}), no other calls",
             "measured": f"{requests['per_interval']:,.0f} per {args.poke:g} s (ratio to the batch pages "
                         f"{requests['per_interval'] / pages:.2f}; the peer makes none); other requests: {others or 0}",
             "pass": abs(requests["per_interval"] - pages) <= 0.02 * pages and not others
             and (requests["min_gap"] or args.poke) >= args.poke * 0.99},
            {"bar": f"{mode}: every wait completes ({top:,})",
             "measured": f"{succeeded:,} of {top:,} (ratio {succeeded / top:.2f}): {done}, "
                         f"{release['seconds']:.0f} s after the release; "
                         f"runs {release['runs']}; "
                         f"loop lag meanwhile p99 {_lag(release.get('lags'), 'p99')} ms, max "
                         f"{_lag(release.get('lags'), 'max')} ms, {len(release['blocked'])} 'blocked' warnings "
                         f"(longest {max(release['blocked'], default=0):.1f} s)",
             "pass": succeeded == top and not release.get("tried_again") and not release.get("still_deferred")
             and release.get("most_fired_for_one", 1) == 1},
        ],
        "extra_bars": [{"bar": "`[triggerer] capacity` default (Airflow's config)",
                        "measured": f"{figures['capacity_default']}; this run set {args.capacity:,}", "pass": None}],
        "series_notes": [f"Second series, `start_from_trigger=True` (the sensor started in the triggerer, no worker "
                         f"at all; Airflow's triggerer then keeps a deserialised copy of the DAG per trigger), "
                         f"steps {', '.join(f'{n:,}' for n in steps)}: the rows marked start_from_trigger."],
        "notes": [
            f"One real `airflow triggerer` (Airflow 3.3: the `airflow triggerer` process and its trigger-runner "
            f"child, both measured: RSS summed over the tree with psutil every 0.5 s) beside the scheduler, the DAG "
            f"processor and one API server, LocalExecutor, no worker, metadata on a throw-away PostgreSQL "
            f"(tests/harness/deployment.py). Ours: `Every8dDeliveryStatusSensor(deferrable=True, "
            f"poke_interval={args.poke:g})`, {args.tasks} a DAG, one run a DAG, batch id "
            f"from the run's conf; batches of {args.messages} messages held unfinished until the release.",
            "Goal 3's series, 'ordinary defer()': the waits as a worker's `defer()` leaves them, written in bulk "
            "(benchmarks/_defer_bulk.py: Airflow's `create_dagrun`, then what the Execution API's deferred branch "
            "writes: a `trigger` row from the real trigger object, the task deferred with trigger_id, next_method, "
            "next_kwargs, trigger_timeout), so no worker runs 5,000 tasks first; 'all deferred after' is that write. "
            "Completing means every trigger fired its event once and its task left deferred (counted in the "
            "database); the DAGs are paused and there is no worker, so the resumed tasks do not run.",
            "Peer: the same triggerer restarted (a fresh process, its own idle figure), the same DAG shape and steps "
            "with Airflow's lightest deferrable wait, `DateTimeSensorAsync` (a `DateTimeTrigger` sleeping until a "
            "time a day ahead; in the start_from_trigger series `start_from_trigger=True, end_from_trigger=True`): "
            "what any wait costs in this triggerer, our code aside.",
            f"Steps are cumulative (more DAG runs triggered on top of the running waits); each is measured over "
            f"{args.window:g} s once all its waits run. Lag: a probe trigger in the same event loop "
            "(benchmarks/_lag_probe.py) sleeping 50 ms in a loop, lag = lateness of each wake-up; 'while creating': "
            "from the first DAG run triggered until every trigger runs. Airflow's own watchdog warnings "
            "('async thread was blocked', over 0.2 s) are counted from the triggerer's log.",
            "Requests: the emulator's own log (time, endpoint, batch id of every request; the emulator in a process "
            "of its own) over the window; per poll interval = requests x poll interval / window. Poll period: the "
            "time between two consecutive requests for one batch, over the whole run; 'first polled in the window': "
            "batches whose first request came only then (a wait that runs but has not polled yet).",
            f"`[triggerer] capacity` (`airflow config get-value triggerer capacity`, nothing set): "
            f"{figures['capacity_default']}. A triggerer runs at most that many triggers; for {top:,} waits in one "
            f"triggerer set `AIRFLOW__TRIGGERER__CAPACITY={top}` or more (this run: {args.capacity}), or run "
            f"several triggerers. `max_trigger_to_select_per_loop`: "
            f"{args.select_per_loop or 'Airflow default (50)'}.",
            f"Whole run {figures['minutes']:.1f} minutes; load average {figures['load_start']:.1f} at the start, "
            f"{figures['load_end']:.1f} at the end, 2 cores shared with other work.",
        ],
        "raw": {"steps": args.steps, "sft_steps": args.sft_steps, "figures": figures},
    }
