"""The fair benchmarks' part of docs/performance.md's generated block: drain and enqueue
(bench/results/drain.json), the single-trigger floor (floor.json), start lag
(start_lag.json) and the local API (local_api.json, when its benchmark exists).

Every figure is a median over the complete repeats of one ``make bench`` run, with its
min–max and spread; incomplete runs are listed as such and are in no figure or ratio
(bench/fair.py). bench/report.py puts these sections in order.
"""

from __future__ import annotations

import importlib
from typing import Any

from bench.chart import bar_chart

NAMES = {
    "job_scheduler": "Job Scheduler",
    "celery": "Celery",
    "celery_canvas": "Celery (chain, chord)",
    "rq": "RQ",
    "huey": "huey",
    "dramatiq": "dramatiq",
    "procrastinate": "procrastinate",
    "celery_eta": "Celery, ETA tasks",
}
SETUPS = {
    "job_scheduler": "`jobsched worker`, `MAX_CONCURRENT_JOBS` = slots",
    "celery": "threads pool `-c` slots, prefetch multiplier 64, early acks",
    "rq": "slots `SimpleWorker` processes per worker (no threads)",
    "huey": "`huey_consumer -k thread -w` slots, `RedisHuey`",
    "dramatiq": "`--processes 2 --threads` slots, `RedisBroker`",
    "procrastinate": "`worker --concurrency` slots, async task, LISTEN/NOTIFY",
}


def _n(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, int | float) else str(value)


def _median(summary: dict[str, Any], key: str, digits: int = 0) -> str:
    figures = summary.get(key)
    return _n(figures["median"], digits) if figures else "—"


def _range(summary: dict[str, Any], key: str, digits: int = 0) -> str:
    figures = summary.get(key)
    if not figures:
        return "—"
    return f"{_n(figures['min'], digits)}–{_n(figures['max'], digits)} ({figures['spread_pct']}%)"


def _complete(summary: dict[str, Any]) -> str:
    return f"{summary['repeats'] - summary['incomplete']} of {summary['repeats']}"


def _incomplete(label: str, runs: list[dict[str, Any]]) -> list[str]:
    """One line per incomplete run: what it lost, duplicated, or the error it raised."""
    lines = []
    for i, run in enumerate(runs, 1):
        if run.get("complete") is True:
            continue
        what = run.get("error") or (
            f"{_n(run.get('executed', run.get('started')))} of"
            f" {_n(run.get('queued') or run.get('runs'))} ran,"
            f" {_n(run.get('lost', run.get('never_started')))} lost or never started,"
            f" {_n(run.get('duplicates'))} duplicates"
        )
        lines.append(f"- {label}, repeat {i}: incomplete ({what}).")
    return lines


def drain_section(d: dict[str, Any]) -> list[str]:
    w = d["workload"]
    lines = [
        f"### Drain and enqueue: {w['runs']:,} runs queued in batches of {w['batch']}, then"
        f" {w['singles']:,} one per call, then drained by {w['workers']} worker processes",
        "",
        f"Median of {w['repeat']} repeats (min–max and spread in brackets); the drain is"
        " timed from the first handler body's start to the last run done, with the queue"
        " full before any worker starts.",
        "",
    ]
    notes: list[str] = []
    for slots, block in d["by_slots"].items():
        default = " (our default)" if int(slots) == w.get("default_slots") else ""
        lines += [
            f"#### {w['workers']} processes × {slots} slots{default}",
            "",
            "| System | drain runs/s | drain min–max | complete | batched enqueue/s"
            " | single enqueue/s | setup |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for key, system in block["systems"].items():
            s = system["summary"]
            lines.append(
                f"| {NAMES.get(key, key)} | **{_median(s, 'drain_per_s')}**"
                f" | {_range(s, 'drain_per_s')} | {_complete(s)}"
                f" | {_median(s, 'enqueue_batched_per_s')} | {_median(s, 'enqueue_single_per_s')}"
                f" | {SETUPS.get(key, '')} |"
            )
            notes += _incomplete(f"{NAMES.get(key, key)} × {slots}", system["runs"])
        ratio = block.get("ratio_drain_ours_to_fastest_peer")
        best = NAMES.get(block.get("fastest_peer") or "", block.get("fastest_peer"))
        lines += [
            "",
            f"Job Scheduler / the fastest peer ({best}): **{ratio}×**."
            if ratio is not None
            else "Job Scheduler / the fastest peer: not computed (no complete run on a side).",
            "",
        ]
    if notes:
        lines += ["Incomplete runs (in no figure above):", "", *notes, ""]
    return lines


def drain_chart(d: dict[str, Any]) -> str:
    slots = str(min(int(s) for s in d["by_slots"])) if "8" not in d["by_slots"] else "8"
    systems = d["by_slots"][slots]["systems"]
    bars = [
        (NAMES.get(k, k), float(v["summary"]["drain_per_s"]["median"]))
        for k, v in systems.items()
        if v["summary"].get("drain_per_s")
    ]
    w = d["workload"]
    title = f"Drain of {w['runs'] + w['singles']:,} queued runs, {w['workers']} × {slots} slots"
    return bar_chart(f"{title}: runs/s (median)", bars, "/s")


def floor_section(f: dict[str, Any]) -> list[str]:
    labels = {
        "insert_commit": "bare single-row INSERT, own commit",
        "insert_then_zadd": "INSERT in a transaction, then Redis ZADD",
        "ours_single": "Job Scheduler `trigger_job`, one run per call",
    }
    w = f["workload"]
    lines = [
        f"### Single triggers against the floor ({w['calls']:,} calls each, median of"
        f" {w['repeat']} repeats)",
        "",
        "| Loop | calls/s | min–max | client CPU µs/call | PostgreSQL CPU µs/call"
        " | Redis CPU µs/call | complete |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes: list[str] = []
    for key, label in labels.items():
        if loop := f["loops"].get(key):
            s = loop["summary"]
            cpu = " | ".join(_median(s, k) for k in ("client_us", "postgres_us", "redis_us"))
            lines.append(
                f"| {label} | **{_median(s, 'per_s')}** | {_range(s, 'per_s')} | {cpu}"
                f" | {_complete(s)} |"
            )
            notes += _incomplete(label, loop["runs"])
    ratio = f.get("ratio_ours_to_insert_then_zadd")
    goal = f.get("goal", 0.8)
    verdict = "met" if f.get("goal_met") else "not met"
    lines += [
        "",
        f"Job Scheduler / INSERT-then-ZADD: **{ratio}** (goal ≥ {goal}: {verdict})."
        if ratio is not None
        else "Job Scheduler / INSERT-then-ZADD: not computed (no complete run on a side).",
        "",
    ]
    return [*lines, *notes, *([""] if notes else [])]


def lag_section(g: dict[str, Any]) -> list[str]:
    w = g["workload"]
    lines = [
        f"### Start lag inside the handler body: {w['runs']:,} runs due over"
        f" {w['spread_s']:g} s, {w['workers']} processes × {w['slots_per_worker']} slots",
        "",
        f"Body start minus due time, ms; median of {w['repeat']} repeats.",
        "",
        "| System | p50 | p99 | p99 min–max | early | duplicates | never started | complete |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes: list[str] = []
    for key, system in g["systems"].items():
        s, runs = system["summary"], system["runs"]
        lines.append(
            f"| {NAMES.get(key, key)} | {_median(s, 'p50', 1)} | **{_median(s, 'p99', 1)}**"
            f" | {_range(s, 'p99', 1)} | {sum(r.get('early', 0) for r in runs)}"
            f" | {sum(r.get('duplicates', 0) for r in runs)}"
            f" | {sum(r.get('never_started', 0) for r in runs)} | {_complete(s)} |"
        )
        notes += _incomplete(NAMES.get(key, key), runs)
    met = g.get("p99_goal_met")
    verdict = "not computed" if met is None else ("met" if met else "not met")
    lines += ["", f"Goal, our p99 no worse than Celery's ETA p99: {verdict}.", ""]
    return [*lines, *notes, *([""] if notes else [])]


def workflows_section(g: dict[str, Any]) -> list[str]:
    """bench/workflows.py: step-to-step latency along a chain, and a fan-out's time."""
    w = g["workload"]
    lines = [
        f"### Workflows: a {w['chain_steps']}-step chain of no-ops ({w['chains']} runs) and"
        f" a fan-out of {w['fan_out_items']:,} items with its fan-in, {w['workers']}"
        f" processes × {w['slots_per_worker']} slots",
        "",
        "Edge: a step's body start minus the one before it, ms; fan-out: the join's body"
        f" start minus the trigger, s; median of {w['repeat']} repeats.",
        "",
        "| System | edge p50 | edge p99 | edge p50 min–max | fan-out + fan-in (s) | complete |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes: list[str] = []
    for key, system in g["systems"].items():
        s, name = system["summary"], NAMES.get(key, key)
        lines.append(
            f"| {name} | **{_median(s, 'edge_p50_ms', 1)}** | {_median(s, 'edge_p99_ms', 1)}"
            f" | {_range(s, 'edge_p50_ms', 1)} | {_median(s, 'fan_out_s', 2)} | {_complete(s)} |"
        )
        notes += _incomplete(name, system["runs"])
    met = g.get("p50_goal_met")
    verdict = "not computed" if met is None else ("met" if met else "not met")
    lines += ["", f"Goal, our p50 edge latency under 10 ms: {verdict}.", ""]
    return [*lines, *notes, *([""] if notes else [])]


def flow_section(f: dict[str, Any]) -> list[str]:
    """bench/flow_fairness.py: the small keys' start lag with and without one key's
    flood, and the most runs of one key seen running at once."""
    lines = [
        f"### Fair dispatch under a flood: {f['workers']} processes × {f['slots']} slots,"
        f" one key queuing {f['flood']:,} runs while {f['keys']} keys send {f['per_key']}"
        f' each (concurrency {{"$ref": "payload.k"}} limit'
        f" {f['with_flood'].get('limit', '?')}, {f['work_ms']} ms of work a run)",
        "",
        "Start lag of the small keys' runs: the handler's first clock reading minus the"
        " run's creation, ms.",
        "",
        "| Pass | lag p50 | lag p99 | lag max | most of one key running at once | complete |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in (("without_flood", "without the flood"), ("with_flood", "with the flood")):
        p = f[key]
        done = "yes" if p.get("complete") else "no"
        lines.append(
            f"| {label} | {_n(p.get('lag_p50_ms'), 1)} | **{_n(p.get('lag_p99_ms'), 1)}**"
            f" | {_n(p.get('lag_max_ms'), 1)} | {p.get('max_running_per_key', '—')} | {done} |"
        )
    ratio = f.get("p99_ratio")
    met = None if ratio is None else ratio <= 2
    verdict = "not computed" if met is None else ("met" if met else "not met")
    held = {True: "never exceeded", False: "exceeded"}.get(f.get("limit_held"), "not checked")
    lines += [
        "",
        f"p99 with the flood / without: **{_n(ratio, 2)}** (goal ≤ 2: {verdict}); the"
        f" per-key limit, from the recorded start and finish times: {held}.",
        "",
    ]
    return lines


def local_api_section(a: dict[str, Any]) -> list[str]:
    """bench/local_api.py's own ``section(results)`` when it has one; otherwise its
    top-level figures as a table, so that a result is never silently left out."""
    try:
        module = importlib.import_module("bench.local_api")
    except ModuleNotFoundError:
        module = None
    if module is not None and callable(getattr(module, "section", None)):
        return list(module.section(a))
    lines = ["### Local API", "", "| Figure | value |", "| --- | ---: |"]
    lines += [f"| {k} | {_n(v, 1)} |" for k, v in a.items() if isinstance(v, int | float | str)]
    return [*lines, ""]
