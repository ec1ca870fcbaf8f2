"""Celery's canvas for the workflow benchmark (bench/workflows.py): a chain of no-op
links and a chord (a group of items, then a join). A chord needs a result backend: this
app has one (Redis, the broker's database), where bench/others/celery_app.py ignores
results. Each body reads the clock first and reports it (stamp.record). Workers:
``celery -A celery_flow worker --pool threads -c <slots>``.
"""

import os
import time

from celery import Celery, chain, chord
from stamp import client, record

PREFIX = os.environ["BENCH_PREFIX"]
BROKER = os.environ["BENCH_BROKER"]
STEP = 100
"""A link's report index: run * STEP + step."""

app = Celery("flow", broker=BROKER, backend=BROKER)
app.conf.update(
    task_default_queue=PREFIX,
    task_acks_late=False,
    worker_prefetch_multiplier=64,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    result_expires=600,
)


@app.task(name="flow.link", ignore_result=True)
def link(run: int, step: int) -> None:
    record(run * STEP + step, 0.0, time.time())


@app.task(name="flow.item")
def item(i: int) -> int:
    return i


@app.task(name="flow.join", ignore_result=True)
def join(results: list[int], run: int) -> None:
    record(run, float(len(results)), time.time())


def _wait(key: str, n: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while client().llen(key) < n:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def run_chains(runs: int, steps: int, timeout: float) -> None:
    """One chain at a time: the next is sent when the last link of this one reported."""
    key = f"{PREFIX}:times"
    for r in range(runs):
        chain(link.si(r, s) for s in range(steps)).apply_async()
        if not _wait(key, (r + 1) * steps, timeout):
            return


def run_chords(runs: int, items: int, timeout: float) -> None:
    """One chord at a time; the time each was sent goes to <prefix>:sent."""
    key = f"{PREFIX}:times"
    for r in range(runs):
        client().rpush(f"{PREFIX}:sent", f"{r} {time.time()}")
        chord((item.si(i) for i in range(items)), join.s(r)).apply_async()
        if not _wait(key, r + 1, timeout):
            return
