"""Claimed runs whose row is not there yet.

A single trigger sends its run's queue item while its write is still on the way
(jobsched/early_push.py), so a worker may claim a run a moment before its row commits.
Dropped like a deleted run, it would be lost; instead a claimed run with no row at all
whose id says it fell due less than ``UNWRITTEN_GRACE_S`` ago waits a moment and is
claimed again (its claim not counted a delivery). Its write lands within a round trip,
or never: the trigger then takes the item back, or, had it died first, the run is dropped
once older than the grace. Runs finished, cancelled or deleted have (or had) a row and
are dropped as before; so is any run due longer ago.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from jobsched.clock import to_ms
from jobsched.domain.execution_ids import scheduled_ms
from jobsched.errors import DependencyError
from jobsched.store import Store

UNWRITTEN_GRACE_S = 60
"""How long after its due time a claimed run with no row may still be being written:
past a trigger's statement timeout and its client's retries."""
FIRST_LOOK_AGAIN_MS = 20
LAST_LOOK_AGAIN_MS = 5_000


def look_again_in_ms(age_ms: int) -> int:
    """How long a claimed run not written yet waits before its next claim: about as long
    as it has been due (a write in flight lands within milliseconds; one that never
    lands is looked at a dozen times over the grace, not thousands)."""
    return max(FIRST_LOOK_AGAIN_MS, min(age_ms, LAST_LOOK_AGAIN_MS))


def not_yet_written(store: Store, ids: Iterable[str], now: datetime) -> dict[str, datetime]:
    """Of claimed runs read as having no row that may start, those with no row at all
    whose write may still land, each with when to claim it again. One statement, and
    only when some such run was claimed; if it fails, every one of them waits (none is
    dropped on a guess)."""
    now_ms = to_ms(now)
    young = {}
    for execution_id in ids:
        due_ms = scheduled_ms(execution_id)
        if due_ms is not None and now_ms - due_ms < UNWRITTEN_GRACE_S * 1000:
            young[execution_id] = max(0, now_ms - due_ms)
    if not young:
        return {}
    try:
        missing = store.attempts.unwritten(list(young))
    except DependencyError:
        missing = list(young)
        young = dict.fromkeys(young, LAST_LOOK_AGAIN_MS)
    return {i: now + timedelta(milliseconds=look_again_in_ms(young[i])) for i in missing}
