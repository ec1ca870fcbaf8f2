"""The peers' workloads: Celery, RQ, huey, dramatiq and procrastinate. These modules run
only in .venv-bench (bench/venv.py), never in the project's .venv, and import nothing of
jobsched; bench/drain.py starts them with ``PYTHONPATH=bench/others``.

Every peer's no-op task does the same in its body (bench/others/stamp.py): it reads the
clock first (the start, taken inside the body as ours is), then makes one pipelined
Redis round trip that RPUSHes ``"<index> <enqueued at> <started at> <finished at>"`` to
``<prefix>:times``. The benchmark counts executions (and duplicates, by index) from that
list: none of these systems records its runs anywhere it could be counted otherwise.

Each module defines ``enqueue_one(i)`` and ``enqueue_many(indices)`` (its documented way
to send many at once, or a note that it has none); bench/others/produce.py times them.
"""
