"""The body every peer's task runs: see bench/others/__init__.py."""

import os
import time

import redis

PREFIX = os.environ["BENCH_PREFIX"]
REPORT_URL = os.environ["BENCH_REPORT"]
_client = None


def client() -> redis.Redis:
    # One client per process, made on first use: a forking worker (RQ, dramatiq) must not
    # share the parent's sockets.
    global _client
    if _client is None:
        _client = redis.Redis.from_url(REPORT_URL)
    return _client


def record(i: int, enqueued_at: float, started_at: float) -> None:
    pipe = client().pipeline(transaction=False)
    pipe.rpush(f"{PREFIX}:times", f"{i} {enqueued_at} {started_at} {time.time()}")
    pipe.execute()
