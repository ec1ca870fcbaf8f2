"""``bench.stamp``: the benchmarks' no-op handler for Job Scheduler's workers, loaded
with ``HANDLER_MODULES=bench.stamp_handler``.

Its first statement reads the clock, so the start lag is taken inside the handler body,
as every peer's task does in bench/others/stamp.py; the time is its result, stored in
PostgreSQL with the run (the record every run gets anyway), where the benchmark reads
it back: no extra round trip that the peers' Redis report would not also cost.
"""

from __future__ import annotations

import time
from typing import Any

from jobsched import handler


@handler("bench.stamp", description="Return the time the body started (epoch seconds).")
def stamp(payload: dict[str, Any], ctx: Any) -> dict[str, float]:
    return {"startedAt": time.time()}
