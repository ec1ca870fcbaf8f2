"""Which tick instance scans which jobs (SCHEDULER_SHARDS): pure arithmetic.

Every job has a *bucket*, ``BUCKETS`` of them, fixed by its id: the last byte of
the UUID (random in a version-4 id). PostgreSQL stores the same value in
``jobs.bucket`` (a generated column, migration 0011), so both sides agree without
asking each other. Shard ``k`` of ``n`` owns the buckets ``b`` with ``b % n == k``:
changing ``SCHEDULER_SHARDS`` regroups buckets, it never rewrites a job.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable

BUCKETS = 256
"""Buckets a job id falls into; the most shards SCHEDULER_SHARDS may ask for."""


def bucket_of(job_id: str | uuid.UUID) -> int:
    """The job's bucket: its id's last byte (as ``get_byte(uuid_send(id), 15)``)."""
    value = job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(str(job_id))
    return value.bytes[15]


def shard_of(job_id: str | uuid.UUID, shards: int) -> int:
    return bucket_of(job_id) % shards


def buckets_of(shards: Iterable[int], count: int) -> list[int]:
    """The buckets the given shards (of ``count``) own, ascending."""
    mine = set(shards)
    return [b for b in range(BUCKETS) if b % count in mine]


def fair_share(shards: int, instances: int) -> int:
    """The most shards one of ``instances`` live tick instances takes: enough that
    together they cover every shard, few enough that each newcomer finds some free."""
    return math.ceil(shards / max(instances, 1))


def preference(rank: int, share: int, shards: int) -> list[int]:
    """The order an instance tries free shards in: from ``rank * share`` on (its rank
    among the live instances), so instances starting together reach for different
    locks instead of racing for the same ones."""
    start = (rank * share) % shards
    return [(start + i) % shards for i in range(shards)]
