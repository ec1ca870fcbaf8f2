"""procrastinate: jobs in PostgreSQL (one row per job, kept after it ran: it persists
every job, as Job Scheduler does), workers woken by LISTEN/NOTIFY (its default), an
async task and ``--concurrency <slots>`` per worker process as its docs advise for
I/O-bound work; ``batch_defer`` (one INSERT for many jobs) for batches.
"""

import os
import time

import redis.asyncio
from procrastinate import App, PsycopgConnector
from stamp import PREFIX, REPORT_URL

app = App(connector=PsycopgConnector(conninfo=os.environ["BENCH_DATABASE"]))
_report = None


@app.task(name="noop", queue="bench")
async def noop(i: int, enqueued_at: float) -> None:
    started = time.time()
    global _report
    if _report is None:
        _report = redis.asyncio.Redis.from_url(REPORT_URL)
    async with _report.pipeline(transaction=False) as pipe:
        pipe.rpush(f"{PREFIX}:times", f"{i} {enqueued_at} {started} {time.time()}")
        await pipe.execute()


def warm() -> None:
    app.open()


def enqueue_one(i: int) -> None:
    noop.defer(i=i, enqueued_at=time.time())


def enqueue_many(indices: list[int]) -> None:
    now = time.time()
    noop.batch_defer(*({"i": i, "enqueued_at": now} for i in indices))
