"""Regenerates the figures part of docs/performance.md (between its two ``bench:figures``
markers) and docs/performance-throughput.svg from bench/results/*.json.

    .venv/bin/python -m bench.report

Run by ``make bench`` at its end; by hand after running one benchmark on its own. A
result file that is missing leaves its rows out, so a partial run still renders.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report_fair  # noqa: E402
from bench.scratch import RESULTS  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
CHART = ROOT / "docs" / "performance-throughput.svg"
START, END = "<!-- bench:figures:start -->", "<!-- bench:figures:end -->"


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _n(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, int | float) else str(value)


def enqueue_section(e: dict[str, Any]) -> list[str]:
    lines = [
        "### What a trigger costs (`JobService.trigger_job`, no worker draining; bench/enqueue.py)",
        "",
        "| Triggers | runs/s | PostgreSQL transactions / trigger | Redis round trips / trigger |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, label in (("single", "one run each"), ("batched", "{batch} runs each")):
        if r := e.get(key):
            lines.append(
                f"| {label.format(batch=r.get('batch'))} | {_n(r['runs_per_s'])}"
                f" | {_n(r.get('pg_transactions_per_trigger'), 1)}"
                f" | {_n(r.get('redis_round_trips_per_trigger'), 1)} |"
            )
    return [*lines, ""]


def tick_section(k: dict[str, Any]) -> list[str]:
    lines = [
        f"### Tick cost with {k['due']:,} jobs due",
        "",
        "| Jobs stored | ms per pass (median) | passes | due scan: rows read | buffers | ms"
        " | index |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in k["sizes"]:
        d = s["due_scan"]
        lines.append(
            f"| {s['jobs']:,} | {_n(s['ms_per_pass_median'], 1)} | {s['passes_per_due_batch']}"
            f" | {d['rows_read']:,} | {d['buffers']:,} | {_n(d['scan_ms'], 2)}"
            f" | {', '.join(d['indexes']) or 'none'} |"
        )
    if "largest_over_smallest" in k:
        lines += ["", f"Largest / smallest, ms per pass: {k['largest_over_smallest']}×."]
    return [*lines, ""]


def _statuses(point: dict[str, Any]) -> str:
    by = point.get("non_2xx_by_status") or {}
    detail = ", ".join(f"{n}× {code if code != '0' else 'no answer'}" for code, n in by.items())
    return f"{point['non_2xx']} ({detail})" if detail else str(point["non_2xx"])


def api_section(a: dict[str, Any]) -> list[str]:
    lines = [
        "### API through the local gateway (warm Lambdas)",
        "",
        "| Operation | clients | requests/s | p50 ms | p99 ms | non-2xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for op, points in a["operations"].items():
        lines += [
            f"| `{op}` | {p['clients']} | {_n(p['requests_per_s'], 1)} | {_n(p['p50_ms'], 1)}"
            f" | {_n(p['p99_ms'], 1)} | {_statuses(p)} |"
            for p in points
        ]
    return [*lines, ""]


def cold_section(c: dict[str, Any]) -> list[str]:
    lines = [
        "### Lambda cold start (fresh interpreter: import, then first invocation)",
        "",
        "| Function, event | import ms (median) | first invocation ms (median) | fastest |",
        "| --- | ---: | ---: | ---: |",
    ]
    labels = {
        "api_post_job": "API, `POST /jobs`",
        "api_get_job": "API, `GET /jobs/{id}`",
        "tick": "tick, scheduled event (one pass)",
    }
    for key, label in labels.items():
        if key in c:
            s = c[key]
            lines.append(
                f"| {label} | {_n(s['import_ms_median'], 1)}"
                f" | {_n(s['first_invocation_ms_median'], 1)}"
                f" | {_n(s['first_invocation_ms_min'], 1)} |"
            )
    return [*lines, ""]


def profile_section(run: dict[str, Any]) -> list[str]:
    p = run.get("profile_of_one_worker")
    if not p:
        return []
    share = ", ".join(f"{k} {v:.0%}" for k, v in sorted(p["share"].items(), key=lambda kv: -kv[1]))
    lines = [
        f"### Profile of one worker during a separate end-to-end run of {run['completed']:,}"
        f" runs (py-spy, {p['samples']:,} samples of non-idle threads;"
        f" {_n(run.get('executions_per_s'))} executions/s with the profiler attached)",
        "",
        f"Samples by where the stack was: {share} (a stack inside the PostgreSQL or Redis"
        " client library counts as that server's, waiting included).",
        "",
        "| Leaf frame | share |",
        "| --- | ---: |",
    ]
    lines += [f"| `{f['frame']}` | {f['share']:.1%} |" for f in p["top_leaf_frames"]]
    return [*lines, ""]


def machine_section(m: dict[str, Any], when: str) -> list[str]:
    others = "; ".join(m.get("busiest_other_processes_at_start") or []) or "nothing notable"
    return [
        "### The machine",
        "",
        f"Measured {when}: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB of memory,"
        f" {m['os']}; PostgreSQL {m['postgresql']}; Redis {m['redis']}; Python {m['python']}."
        f" Load average at the start: {', '.join(map(str, m['load_average_at_start']))}."
        f" Busiest other processes at the start: {others}.",
        "",
    ]


def figures() -> list[str]:
    run = _load("bench") or {}
    lines = [
        START,
        "<!-- Generated by `make bench` (bench/report.py) from bench/results/*.json; edits"
        " here are overwritten. -->",
        "",
    ]
    if run.get("machine"):
        lines += machine_section(run["machine"], run.get("when", "?"))
    # The fair comparison first (bench/drain.py, floor.py, start_lag.py).
    if d := _load("drain"):
        lines += report_fair.drain_section(d)
        lines += ["![Drain, runs per second](performance-throughput.svg)", ""]
    if f := _load("floor"):
        lines += report_fair.floor_section(f)
    if g := _load("start_lag"):
        lines += report_fair.lag_section(g)
    if wf := _load("workflows"):
        lines += report_fair.workflows_section(wf)
    if ff := _load("flow_fairness"):
        lines += report_fair.flow_section(ff)
    if e := _load("enqueue"):
        lines += enqueue_section(e)
    if k := _load("tick_cost"):
        lines += tick_section(k)
    if a := _load("api_load"):
        lines += api_section(a)
    # The local API's own figures (bench/local_api.py, when that benchmark exists).
    if la := _load("local_api"):
        lines += report_fair.local_api_section(la)
    if c := _load("cold_start"):
        lines += cold_section(c)
    if p := _load("profile"):
        lines += profile_section(p)
    if run.get("failed"):
        lines += ["Not measured in this run (see bench/results/bench.json): "
                  + ", ".join(run["failed"]) + ".", ""]  # fmt: skip
    return [*lines, END]


def render(doc: str) -> str:
    """``doc`` with its figures block replaced by the current results'."""
    block = "\n".join(figures())
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(doc):
        raise ValueError(f"{DOC.name} has no {START} … {END} block")
    return pattern.sub(lambda _: block, doc)


def main() -> int:
    DOC.write_text(render(DOC.read_text()))
    if d := _load("drain"):
        CHART.write_text(report_fair.drain_chart(d))
    print(f"updated {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
