"""``bench.work``: the fairness benchmark's handler, loaded with
``HANDLER_MODULES=bench.flow_handler``. It reads the clock first, sleeps ``ms``
milliseconds (work that holds a slot of its key), and returns when it started and ended,
stored with the run: the benchmark checks per-key concurrency from these times."""

from __future__ import annotations

import time
from typing import Any

from jobsched import handler


@handler("bench.work", description="Sleep payload.ms, return startedAt and finishedAt.")
def work(payload: dict[str, Any], ctx: Any) -> dict[str, float]:
    started = time.time()
    time.sleep(payload.get("ms", 0) / 1000)
    return {"startedAt": started, "finishedAt": time.time()}
