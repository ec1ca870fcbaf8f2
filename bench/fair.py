"""The pure part of the fair benchmarks: which runs count, their spread, and ratios.

A measured run is a dict with ``"complete": bool`` and its figures. A run is complete
only when every run it queued executed exactly once (0 lost, 0 duplicates) and it
finished within its timeout; an incomplete run is kept in the results (so the docs can
say it happened) but never enters a median, a spread or a ratio.

Nothing here measures anything: bench/drain.py, bench/floor.py and bench/start_lag.py
do, and bench/report.py renders what this computes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def is_complete(run: Mapping[str, Any]) -> bool:
    """True only for a run that says it is complete (a missing flag is incomplete)."""
    return run.get("complete") is True


def spread(values: Iterable[float]) -> dict[str, Any] | None:
    """Median, min, max and the spread ``(max - min) / median`` in percent of
    ``values``; None when there are none. The median of an even count is the mean of
    the two middle values."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return None
    n, mid = len(ordered), len(ordered) // 2
    median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return {
        "n": n,
        "median": round(median, 1),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
        "spread_pct": round((ordered[-1] - ordered[0]) / median * 100, 1) if median else None,
    }


def summarise(runs: Sequence[Mapping[str, Any]], keys: Iterable[str]) -> dict[str, Any]:
    """Counts of complete and incomplete runs, and the spread of each of ``keys`` over
    the complete runs only."""
    complete = [r for r in runs if is_complete(r)]
    summary: dict[str, Any] = {"repeats": len(runs), "incomplete": len(runs) - len(complete)}
    for key in keys:
        summary[key] = spread(r[key] for r in complete if r.get(key) is not None)
    return summary


def median_of(summary: Mapping[str, Any] | None, key: str) -> float | None:
    """The median of ``key`` in a ``summarise`` result; None when no run counted."""
    if not summary:
        return None
    figures = summary.get(key)
    return figures["median"] if figures else None


def ratio(ours: float | None, theirs: float | None, digits: int = 2) -> float | None:
    """``ours / theirs``; None when either side has no complete figure (an incomplete
    run yields None upstream, so it can never make a ratio look better or worse)."""
    if ours is None or theirs is None or theirs <= 0:
        return None
    return round(ours / theirs, digits)


def fastest(summaries: Mapping[str, Mapping[str, Any]], key: str) -> tuple[str, float] | None:
    """The system with the highest median ``key`` among ``summaries``; None when none
    has a complete run."""
    medians = [(name, median_of(s, key)) for name, s in summaries.items()]
    counted = [(name, m) for name, m in medians if m is not None]
    return max(counted, key=lambda item: item[1]) if counted else None
