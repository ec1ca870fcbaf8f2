"""Reaching Redis: connecting (single or cluster), its failures as ``DependencyError``,
and the small values the queue hands out (a claim, a shard's holder) and sums."""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import redis
from redis import Redis
from redis import exceptions as redis_exc

from jobsched.domain.models import QueueItem
from jobsched.errors import DependencyError

P = ParamSpec("P")
R = TypeVar("R")


UNAVAILABLE = (
    redis.ConnectionError,  # includes LOADING (BusyLoadingError)
    redis.TimeoutError,
    redis_exc.ReadOnlyError,  # READONLY: a replica after a failover
    redis_exc.OutOfMemoryError,  # OOM: maxmemory reached with noeviction
    redis_exc.MasterDownError,
    redis_exc.ClusterDownError,
    redis_exc.TryAgainError,
)
"""Errors that say the server cannot take this command now, not that it was wrong."""
UNAVAILABLE_CODES = ("BUSY", "NOREPLICAS")
"""The same, for replies redis-py reports as a plain ResponseError."""


def redis_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn "Redis cannot serve this now" into ``DependencyError`` (a 503, retryable).

    Callers rely on it to keep the hand-off safe: a push that fails this way leaves
    the PostgreSQL row for the tick (PENDING for its outbox, QUEUED for its repair),
    instead of surfacing as a 500 that makes a client retry (and duplicate) a run that
    already exists.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except UNAVAILABLE as exc:
            raise DependencyError("Redis unavailable", detail=str(exc)) from exc
        except redis_exc.RedisClusterException as exc:
            # Not a RedisError: every node unreachable, or slots not served during a
            # failover. Anything else of its kind (keys in two slots) is our bug: a 500.
            from jobsched.queue.cluster import unreachable

            if unreachable(exc):
                raise DependencyError("Redis unavailable", detail=str(exc)) from exc
            raise
        except redis.ResponseError as exc:
            if str(exc).startswith(UNAVAILABLE_CODES):
                raise DependencyError("Redis unavailable", detail=str(exc)) from exc
            raise

    return wrapper


@dataclass(frozen=True)
class Claim:
    execution_id: str
    token: str
    deliveries: int
    due_ms: int = 0
    """Claimed ahead of its time (``claim.lua``): when it falls due (0: now)."""


@dataclass(frozen=True)
class ShardHolder:
    shard: int
    owner: str | None
    """The lock's owner (``<SCHEDULER_INSTANCE_ID>:<token>``); None: free."""
    ttl_ms: int
    seen: datetime | None
    """When a holder last took or renewed it (None: not in the last day)."""


def _item(item: QueueItem | tuple[str, int]) -> QueueItem:
    return item if isinstance(item, QueueItem) else QueueItem(*item)


def connect(url: str, *, cluster: bool = False) -> Redis:
    """The one place a Redis client is made. ``cluster`` (``REDIS_CLUSTER``): ``url``
    names any node of a Redis Cluster, and the client is a ``RedisCluster`` (it has the
    same commands; every multi-key script here stays in one slot, see ``keys.py``)."""
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
        "health_check_interval": 30,
        "retry_on_timeout": False,
    }
    if cluster:
        from jobsched.queue.cluster import connect_cluster  # cold starts skip redis.cluster

        return connect_cluster(url, **options)  # type: ignore[return-value]
    return redis.Redis.from_url(url, **options)


def _ms_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value) / 1000, UTC)


def total_depth(depths: Iterable[dict[str, int]]) -> dict[str, int]:
    """Pools' depths summed."""
    total = {"ready": 0, "in_flight": 0, "delayed": 0}
    for depth in depths:
        for key in total:
            total[key] += depth.get(key, 0)
    return total


def _names(text: str) -> list[str]:
    return [n for n in text.split(",") if n]


def hostname() -> str:
    return socket.gethostname()
