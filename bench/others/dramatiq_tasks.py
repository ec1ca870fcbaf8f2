"""dramatiq: ``RedisBroker``, ``dramatiq dramatiq_tasks --processes <n> --threads
<slots>`` (its docs: processes for cores, threads per process for concurrency; 8 threads
is its default). No bulk enqueue: a ``group`` sends one message per task (one Lua call
each), said so in the results.
"""

import os
import time

import dramatiq
from dramatiq import group
from dramatiq.brokers.redis import RedisBroker
from stamp import record

PREFIX = os.environ["BENCH_PREFIX"]
broker = RedisBroker(url=os.environ["BENCH_BROKER"], namespace=PREFIX)
dramatiq.set_broker(broker)
BATCH_API = False


@dramatiq.actor(queue_name="bench", max_retries=0)
def noop(i: int, enqueued_at: float) -> None:
    record(i, enqueued_at, time.time())


def warm() -> None:
    broker.client.ping()


def enqueue_one(i: int) -> None:
    noop.send(i, time.time())


def enqueue_many(indices: list[int]) -> None:
    now = time.time()
    group(noop.message(i, now) for i in indices).run()
