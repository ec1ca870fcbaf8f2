"""RQ side of the comparison: a no-op task; jobs enqueued with ``enqueue_many`` (one
pipeline per batch), results not kept."""

import os
import time

import redis
from rq import Queue

PREFIX = os.environ["BENCH_PREFIX"]
BROKER = os.environ["BENCH_BROKER"]
report = redis.Redis.from_url(BROKER)


def noop(enqueued_at: float) -> None:
    pipe = report.pipeline(transaction=False)
    pipe.incr(f"{PREFIX}:done")
    pipe.rpush(f"{PREFIX}:times", f"{enqueued_at} {time.time()}")
    pipe.execute()


def produce(n: int, batch: int) -> float:
    queue = Queue(PREFIX, connection=redis.Redis.from_url(BROKER))
    started = time.time()
    for i in range(0, n, batch):
        now = time.time()
        queue.enqueue_many(
            [
                Queue.prepare_data(noop, (now,), result_ttl=0, ttl=3600)
                for _ in range(min(batch, n - i))
            ]
        )
    return started


if __name__ == "__main__":
    import sys

    # Through the module's own name: a job must name ``rq_tasks.noop``, not ``__main__.noop``.
    from rq_tasks import produce as produce_here

    print(produce_here(int(sys.argv[1]), int(sys.argv[2])), time.time())
