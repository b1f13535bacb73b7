"""The PNG plots ``run_all.py`` writes beside RESULTS.md (matplotlib, the ``bench`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def write_plots(results: list[dict[str, Any]]) -> list[str]:
    """Every plot the results allow; returns the file names written."""
    import matplotlib

    matplotlib.use("Agg")
    by_name = {result["name"]: result.get("raw", {}) for result in results}
    written = []
    for name, plot in (("bulk_send", bulk_send), ("deferred_waits", deferred_waits), ("status_scan", status_scan),
                       ("real_triggerer", real_triggerer)):
        if by_name.get(name):
            written.append(plot(by_name[name]))
    return written


def bulk_send(raw: dict[str, Any]) -> str:
    import matplotlib.pyplot as plt

    sizes = raw["sizes"]
    figure, axis = plt.subplots(figsize=(7, 4.2))
    lines = (("ours_run", "warm", "ours, warm (render + execute)", "C0", "-"),
             ("ours", "warm", "ours, warm, + building the operator", "C0", ":"),
             ("peer", "warm", "peer (HttpHook-style), warm", "C1", "-"),
             ("ours", "total", "ours, fresh process (imports included)", "C0", "--"),
             ("peer", "total", "peer, fresh process (imports included)", "C1", "--"))
    for way, kind, label, color, style in lines:
        values = raw[kind].get(way)
        if values:
            axis.plot(sizes, [values[str(n)] / n * 1e6 for n in sizes], style, color=color, marker="o", label=label)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("recipients")
    axis.set_ylabel("client CPU µs per recipient")
    axis.set_title("Bulk send: CPU per recipient, ours vs peer (same run)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    return _save(figure, "bulk_send_cpu.png")


def deferred_waits(raw: dict[str, Any]) -> str:
    import matplotlib.pyplot as plt

    steps = raw["steps"]
    runs = [raw["results"][str(n)] for n in steps]
    figure, (memory, lag) = plt.subplots(1, 2, figsize=(10, 4))
    memory.plot(steps, [(r["peak_rss"] - r["rss_before"]) / 1024 for r in runs], marker="o",
                label="peak RSS beyond idle")
    memory.plot(steps, [r["peak_rss"] / 1024 for r in runs], marker="o", linestyle="--", label="peak RSS")
    memory.axhline(300, color="red", linewidth=0.8, label="bar: 300 MB beyond idle")
    memory.set_xlabel("deferred delivery waits (triggers)")
    memory.set_ylabel("MB")
    memory.set_title("Memory")
    memory.legend(fontsize=8)
    lag.plot(steps, [r["p99"] for r in runs], marker="o", label="loop lag p99")
    lag.plot(steps, [r["p50"] for r in runs], marker="o", label="loop lag p50")
    lag.plot(steps, [r["max"] for r in runs], marker="o", linestyle=":", label="loop lag max")
    lag.axhline(100, color="red", linewidth=0.8, label="bar: p99 100 ms")
    lag.set_yscale("log")
    lag.set_xlabel("deferred delivery waits (triggers)")
    lag.set_ylabel("ms")
    lag.set_title("Event-loop lag")
    lag.legend(fontsize=8)
    for axis in (memory, lag):
        axis.grid(True, alpha=0.3)
    return _save(figure, "deferred_waits.png")


def real_triggerer(raw: dict[str, Any]) -> str:
    """Goal 3 (bench_real_triggerer.py): the real triggerer's memory and loop lag, ours and the peer's."""
    import matplotlib.pyplot as plt

    figure, (memory, lag) = plt.subplots(1, 2, figsize=(10, 4))
    for kind, label, color in (("dfevery8d", "ours (Every8d delivery waits), defer()", "C0"),
                               ("dfpeer", "peer (DateTimeTrigger), defer()", "C1"),
                               ("every8d", "ours, start_from_trigger", "C2"),
                               ("peer", "peer, start_from_trigger", "C3")):
        phase = raw["figures"].get(kind)
        if not phase:
            continue
        steps = [step["waits"] for step in phase["steps"]]
        idle = phase["idle"]["idle_rss"]
        memory.plot(steps, [(step["peak_rss"] - idle) / 2**20 for step in phase["steps"]], marker="o", color=color,
                    label=f"{label}: peak RSS beyond idle")
        lag.plot(steps, [step["lags"]["p99"] for step in phase["steps"]], marker="o", color=color,
                 label=f"{label}: p99")
        lag.plot(steps, [step["lags"]["max"] for step in phase["steps"]], marker="o", color=color, linestyle=":",
                 label=f"{label}: max")
    memory.axhline(300, color="red", linewidth=0.8, label="bar: 300 MB beyond idle")
    memory.set_ylabel("MB (triggerer process tree)")
    memory.set_title("One real airflow triggerer: memory")
    lag.axhline(100, color="red", linewidth=0.8, label="bar: p99 100 ms")
    lag.set_yscale("log")
    lag.set_ylabel("ms")
    lag.set_title("One real airflow triggerer: event-loop lag")
    for axis in (memory, lag):
        axis.set_xlabel("deferred waits running together")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=7)
    return _save(figure, "real_triggerer_waits.png")


def status_scan(raw: dict[str, Any]) -> str:
    import matplotlib.pyplot as plt

    sizes = raw["sizes"]
    figure, (cpu, memory) = plt.subplots(1, 2, figsize=(10, 4))
    cpu.plot(sizes, [raw["times"][str(n)][1] / n * 1e6 for n in sizes], marker="o", label="ours (checked)")
    cpu.plot(sizes, [raw["peer"][str(n)] / n * 1e6 for n in sizes], marker="o", label="peer (bare loop)")
    cpu.axhline(raw["parse_only_us"], color="C2", linestyle="--", label="ours, reading a page without HTTP")
    if "floor_us" in raw:  # the HTTP exchange alone, at the largest size
        cpu.axhline(raw["floor_us"]["http.client"], color="C3", linestyle=":", label="floor: bare http.client")
    cpu.axhline(1, color="red", linewidth=0.8, label="bar: 1 µs")
    cpu.set_ylabel("client CPU µs per row")
    memory.plot(sizes, [raw["memory"][str(n)][0] / 1024 for n in sizes], marker="o", label="peak Python alloc")
    memory.set_ylabel("KiB")
    memory.set_ylim(bottom=0)
    for axis, title in ((cpu, "Status scan: CPU per row"), (memory, "Status scan: memory")):
        axis.set_xscale("log")
        axis.set_xlabel("rows")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    return _save(figure, "status_scan.png")


def _save(figure: Any, name: str) -> str:
    figure.tight_layout()
    figure.savefig(HERE / name, dpi=110)
    return name
