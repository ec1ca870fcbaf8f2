"""The body every peer's task runs: see bench/others/__init__.py."""

import os
import threading
import time

import redis

PREFIX = os.environ["BENCH_PREFIX"]
REPORT_URL = os.environ["BENCH_REPORT"]
_local = threading.local()


def client() -> redis.Redis:
    # One client per thread, made on first use: a forking worker (RQ, dramatiq) must not
    # share the parent's sockets, and with one client shared by a process's threads
    # redis-py 8.1 was seen failing a connection's handshake under dramatiq ("I/O
    # operation on closed file"), which lost that task: the harness's fault, not the
    # peer's, so the report does not share connections at all.
    if getattr(_local, "client", None) is None:
        _local.client = redis.Redis.from_url(REPORT_URL)
    return _local.client


def record(i: int, enqueued_at: float, started_at: float) -> None:
    pipe = client().pipeline(transaction=False)
    pipe.rpush(f"{PREFIX}:times", f"{i} {enqueued_at} {started_at} {time.time()}")
    pipe.execute()
