"""What the queue holds of a run's limits and fairness, as the Lua scripts read them.

A run's limits entry (the ``limits`` hash) names the groups whose in-flight count caps
it, one ``<cap>:<group>`` line each: its job's ``max_concurrency`` (the group is the job
id) and its concurrency key's limit (the group is ``@<key>``; a key is shared by the
jobs of one pool that name it). Its fairness key orders it among the runs of its
priority (lua/_score.lua): its concurrency key, else its job.
"""

from __future__ import annotations

from jobsched.domain.models import QueueItem

EXACT = "!exact"
"""A limits line that limits nothing: its run is never claimed ahead of its time."""


def key_group(key: str) -> str:
    """The group of a concurrency key (its in-flight set, its parked runs)."""
    return "@" + key


def limits_entry(item: QueueItem) -> str:
    """The run's limits entry ('': under no limit)."""
    lines = []
    if item.max_concurrency:
        lines.append(f"{item.max_concurrency}:{item.job_id}")
    if item.concurrency_key is not None and item.concurrency_limit:
        lines.append(f"{item.concurrency_limit}:{key_group(item.concurrency_key)}")
    if item.rate_key is not None and item.rate_limit:
        lines.append(f"{item.rate_limit}/{item.rate_period_ms}:{rate_group(item.rate_key)}")
    if item.exact:
        lines.append(EXACT)
    return "\n".join(lines)


def rate_group(key: str) -> str:
    """The group of a rate key (its window of starts, its parked runs)."""
    return "~" + key


def fairness_key(item: QueueItem) -> str:
    """The key the run takes its turns under ('': plain FIFO, for a run of no job)."""
    if item.concurrency_key is not None:
        return key_group(item.concurrency_key)
    return item.job_id
