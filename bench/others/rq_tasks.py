"""RQ: no threads, so N slots are N worker processes (``rq worker`` with
``SimpleWorker``: the job runs in the worker process, no fork per job, the fastest of
its worker classes for short jobs); ``enqueue_many`` with a pipeline for batches (RQ's
documented bulk enqueue), ``result_ttl=0`` (no result kept)."""

import os
import time

import redis
from rq import Queue
from stamp import record

PREFIX = os.environ["BENCH_PREFIX"]
_queue = Queue(PREFIX, connection=redis.Redis.from_url(os.environ["BENCH_BROKER"]))


def noop(i: int, enqueued_at: float) -> None:
    record(i, enqueued_at, time.time())


def warm() -> None:
    _queue.connection.ping()


def enqueue_one(i: int) -> None:
    _queue.enqueue(noop, i, time.time(), result_ttl=0, ttl=3600)


def enqueue_many(indices: list[int]) -> None:
    now = time.time()
    with _queue.connection.pipeline() as pipe:
        _queue.enqueue_many(
            [Queue.prepare_data(noop, (i, now), result_ttl=0, ttl=3600) for i in indices],
            pipeline=pipe,
        )
        pipe.execute()
