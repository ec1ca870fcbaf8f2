"""Figures of /metrics and /metrics/executions from per-minute rollups (migration 0017).

The store hands over, for each minute of a window, how many runs ended in each final
status and duration bucket (``MinuteRow``); these pure functions turn them into counts
over a trailing window and into percentiles, whatever the number of runs behind them.

Precision, what the rollups cost:

- **Windows** are whole minutes. A trailing window (the last 1, 5 or 60 minutes)
  counts the minutes inside it whole, and the oldest minute it cuts through in
  proportion to the part of it inside the window (runs spread evenly over a minute
  are counted exactly; a burst at one end of that minute is over- or under-counted).
- **Percentiles** come from the duration histogram's buckets (0.005 s to 3600 s, see
  migration 0010), interpolated linearly within the bucket the rank falls in, as
  Prometheus's ``histogram_quantile`` does: the true value lies in that bucket
  (between 0.5 s and 1 s for a p99 shown as 0.7 s), and a value in the last, open
  bucket is shown as its lower bound (3600 s).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from jobsched.domain.models import MinuteRow

MINUTE = timedelta(minutes=1)


def minute_start(t: datetime) -> datetime:
    """The start of the minute ``t`` falls in."""
    return t.replace(second=0, microsecond=0)


def weight(minute: datetime, now: datetime, window: timedelta) -> float:
    """The share of a minute's runs a trailing ``window`` ending at ``now`` counts: 1
    for a minute inside it (the current one too, up to ``now``), 0 outside, and the
    share of the minute's span (up to ``now``) inside it for the minute it cuts."""
    end = min(minute + MINUTE, now)
    span = (end - minute).total_seconds()
    if span <= 0:
        return 1.0 if minute <= now else 0.0
    inside = (end - max(minute, now - window)).total_seconds()
    return min(max(inside / span, 0.0), 1.0)


def histogram(rows: Iterable[MinuteRow], weights: Mapping[datetime, float]) -> dict[float, float]:
    """Runs per bucket bound, each minute's counted by its weight."""
    out: dict[float, float] = {}
    for row in rows:
        share = weights.get(row.minute, 0.0)
        if share:
            out[row.le] = out.get(row.le, 0.0) + row.n * share
    return out


def quantile(buckets: Mapping[float, float], q: float) -> float | None:
    """The ``q`` quantile (0-1) in seconds of a histogram of runs per bucket upper
    bound (not cumulative), or None when it is empty; see the module's note."""
    total = sum(buckets.values())
    if total <= 0:
        return None
    rank = q * total
    below, lower = 0.0, 0.0
    for le in sorted(buckets):
        count = buckets[le]
        if count > 0 and below + count >= rank:
            if math.isinf(le):
                return lower
            return lower + (le - lower) * max(rank - below, 0.0) / count
        below += count
        if not math.isinf(le):
            lower = le
    return lower


def breaches_last_hour(
    rows: Iterable[Mapping[str, Any]], now: datetime, kinds: Iterable[str]
) -> dict[str, int]:
    """SLA breaches raised in the last hour, by kind, from per-minute rows (``minute``,
    ``kind``, ``n``) read from ``breaches_since(now)``: the oldest minute pro rata, as
    ``weight`` says."""
    found: dict[str, float] = {}
    for r in rows:
        share = weight(r["minute"], now, timedelta(hours=1))
        found[r["kind"]] = found.get(r["kind"], 0.0) + r["n"] * share
    return {kind: round(found.get(kind, 0.0)) for kind in kinds}


def breaches_since(now: datetime) -> datetime:
    """The first minute ``breaches_last_hour`` reads."""
    return minute_start(now) - timedelta(hours=1)
