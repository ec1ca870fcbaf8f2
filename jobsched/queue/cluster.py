"""The Redis Cluster client: redis-py's ``RedisCluster`` with waits between retries.

redis-py follows MOVED and ASK itself and, when a node stops answering, rereads the
cluster's layout and tries again at once. A primary that died is only replaced once its
replica is promoted (``cluster-node-timeout`` plus an election, a few seconds), so
retrying at once just fails again. Here each failed command waits a little longer before
the next try, a bounded number of times; what still fails then reaches the caller, whose
``redis_errors`` makes it a ``DependencyError`` (503 + Retry-After at the API).

Imported only when ``REDIS_CLUSTER`` is on, so a single-Redis process never pays for it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from typing import Any

from redis import exceptions as redis_exc
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.commands.core import Script
from redis.connection import Encoder
from redis.retry import Retry

RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4, 0.8)
"""Waits between tries of one command (1.55 s in all): long enough to ride out a
topology change the cluster already knows of, short enough for an API request."""

REFUSED = (
    redis_exc.ClusterDownError,
    redis_exc.TryAgainError,
    redis_exc.SlotNotCoveredError,
)
"""Errors that say the command was not run."""

RETRYABLE = (
    redis_exc.ConnectionError,
    redis_exc.TimeoutError,
    redis_exc.ClusterDownError,
    redis_exc.TryAgainError,
    redis_exc.SlotNotCoveredError,
)


def unreachable(exc: BaseException) -> bool:
    """A cluster-level error that means "no node can serve this now" (every startup
    node down, slots uncovered) rather than a mistake in the command."""
    if isinstance(exc, redis_exc.SlotNotCoveredError):
        return True
    if not isinstance(exc, redis_exc.RedisClusterException):
        return False
    text = str(exc)
    return "cannot be connected" in text or "not covered" in text


def refused(exc: BaseException) -> bool:
    """The server surely did not run the command: the cluster refused it (down, try
    again, slot not covered) or no connection was made. A timeout or a dropped
    connection after sending says nothing of whether it ran."""
    if isinstance(exc, REFUSED):
        return True
    if isinstance(exc, redis_exc.ConnectionError):  # TimeoutError included
        return "connecting to" in str(exc)  # redis-py's words for a failed connect
    return unreachable(exc)


@functools.cache
def _replayable() -> frozenset[str]:
    from jobsched.queue.scripts import REPLAYABLE, sha

    return frozenset(sha(name) for name in REPLAYABLE)


def once_only(args: tuple[Any, ...]) -> bool:
    """A script call that must not run twice (jobsched/queue/scripts.py REPLAYABLE)."""
    command = str(args[0]).upper() if args else ""
    if command in ("EVALSHA", "EVALSHA_RO"):
        return str(args[1]) not in _replayable()
    if command in ("EVAL", "EVAL_RO"):
        return hashlib.sha1(str(args[1]).encode()).hexdigest() not in _replayable()
    return False


class BackoffCluster(RedisCluster):
    """``RedisCluster`` whose commands (scripts included: EVALSHA) wait and retry while
    a node is being replaced; see the module docstring. A script that must not run
    twice (a claim, an ack) is tried again only when the server surely did not run it:
    one whose reply was lost reaches the caller as an error instead (a claim's runs
    then wait out their lease, VISIBILITY_TIMEOUT_MS, and the tick requeues them; sent
    again, it would lease a second batch as well)."""

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        once = once_only(args)
        for delay in RETRY_DELAYS_S:
            try:
                return super().execute_command(*args, **kwargs)
            except RETRYABLE as exc:
                if once and not refused(exc):
                    raise
            except redis_exc.RedisClusterException as exc:
                if not unreachable(exc):
                    raise
            time.sleep(delay)  # the promotion we wait for sends no event to await
        return super().execute_command(*args, **kwargs)


class LazyCluster:
    """A cluster client that reaches the cluster on first use, not when it is made.

    ``RedisCluster`` reads the cluster's layout in its constructor, so a cluster that is
    down while a process starts (a Lambda cold start, a worker booting) would fail
    outside any command, where nothing maps it to a 503. Built here on first use, the
    failure surfaces inside a queue method, whose ``redis_errors`` maps it; the next use
    tries again. Scripts register without a connection: their sha needs only the encoder.
    """

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        self._url = url
        self._options = options
        self._client: BackoffCluster | None = None
        self._lock = threading.Lock()

    def _connected(self) -> BackoffCluster:
        with self._lock:
            if self._client is None:
                # redis-py's own retries run back to back; BackoffCluster's wait.
                self._client = BackoffCluster.from_url(
                    self._url, retry=Retry(NoBackoff(), 0), **self._options
                )
            return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connected(), name)

    def get_encoder(self) -> Encoder:
        return Encoder("utf-8", "strict", self._options.get("decode_responses", False))

    def register_script(self, script: str) -> Script:
        return Script(self, script)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def connect_cluster(url: str, **options: Any) -> LazyCluster:
    """A cluster client over the node at ``url`` (it discovers the others), connected
    on first use."""
    return LazyCluster(url, options)
