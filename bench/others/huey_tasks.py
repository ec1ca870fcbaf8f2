"""huey: ``RedisHuey`` (blocking pops, results off), consumer with thread workers as its
docs advise for I/O-bound tasks: ``huey_consumer huey_tasks.huey -k thread -w <slots>``.
huey has no bulk enqueue: ``enqueue_many`` is one call per task, said so in the results.
"""

import os
import time

from huey import RedisHuey
from stamp import record

PREFIX = os.environ["BENCH_PREFIX"]
huey = RedisHuey(PREFIX, url=os.environ["BENCH_BROKER"], results=False, blocking=True)
BATCH_API = False


@huey.task()
def noop(i: int, enqueued_at: float) -> None:
    record(i, enqueued_at, time.time())


def warm() -> None:
    huey.storage.conn.ping()


def enqueue_one(i: int) -> None:
    noop(i, time.time())


def enqueue_many(indices: list[int]) -> None:
    now = time.time()
    for i in indices:
        noop(i, now)
