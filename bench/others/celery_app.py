"""Celery: Redis broker, results ignored, configured as its docs advise for many short
tasks ("Optimizing" guide): a high prefetch multiplier ("if you have many tasks with a
short duration, set the multiplier high"), early acknowledgement (the default; late
acks cost a round trip per task), results ignored, and the threads pool (tasks here wait
on I/O). Workers: ``celery worker --pool threads -c <slots> --prefetch-multiplier 64``.
"""

import os
import time

from celery import Celery, group
from stamp import record

PREFIX = os.environ["BENCH_PREFIX"]

app = Celery("bench", broker=os.environ["BENCH_BROKER"])
app.conf.update(
    task_default_queue=PREFIX,
    task_ignore_result=True,
    task_acks_late=False,
    worker_prefetch_multiplier=64,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="bench.noop")
def noop(i: int, enqueued_at: float) -> None:
    record(i, enqueued_at, time.time())


@app.task(name="bench.lag")
def lag(i: int, due_at: float) -> None:
    # The start lag of an ETA task: the clock is read first thing in the body.
    record(i, due_at, time.time())


def warm() -> None:
    with app.connection_for_write() as conn:
        conn.ensure_connection()


def enqueue_one(i: int) -> None:
    noop.apply_async((i, time.time()))


def enqueue_many(indices: list[int]) -> None:
    # A group is Celery's way to send many at once: one producer and connection for all
    # (still one message, LPUSH, per task: Redis transport has no bulk publish).
    now = time.time()
    group(noop.s(i, now) for i in indices).apply_async()


def enqueue_due_from_stdin() -> None:
    """ETA tasks, one per due time (epoch seconds, a JSON list on stdin), index = position."""
    import json
    import sys
    from datetime import UTC, datetime

    for i, due in enumerate(json.load(sys.stdin)):
        lag.apply_async((i, due), eta=datetime.fromtimestamp(due, UTC))
