"""Celery side of the comparison: a Redis broker, results ignored, a no-op task."""

import os
import time

import redis
from celery import Celery
from celery.signals import worker_ready

PREFIX = os.environ["BENCH_PREFIX"]
BROKER = os.environ["BENCH_BROKER"]

app = Celery("bench", broker=BROKER)
app.conf.update(
    task_default_queue=PREFIX,
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
report = redis.Redis.from_url(BROKER)


@app.task(name="bench.noop")
def noop(enqueued_at: float) -> None:
    pipe = report.pipeline(transaction=False)
    pipe.incr(f"{PREFIX}:done")
    pipe.rpush(f"{PREFIX}:times", f"{enqueued_at} {time.time()}")
    pipe.execute()


@worker_ready.connect
def _ready(**_: object) -> None:
    report.incr(f"{PREFIX}:ready")


def produce(n: int, batch: int) -> float:
    """Enqueue ``n`` tasks (Celery sends one message per task); returns the start time."""
    started = time.time()
    for _ in range(n):
        noop.apply_async((time.time(),))
    return started


if __name__ == "__main__":
    import sys

    # Through the module's own name: a job must name ``celery_app.noop``, not ``__main__.noop``.
    from celery_app import produce as produce_here

    print(produce_here(int(sys.argv[1]), int(sys.argv[2])), time.time())
