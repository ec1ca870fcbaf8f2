"""The comparison workloads for Celery and RQ. These modules run only in .venv-bench
(bench/venv.py), never in the project's .venv, and import nothing of jobsched.

Every system's no-op task does the same to report itself done: one pipelined round trip
that INCRs ``<prefix>:done`` and RPUSHes ``"<enqueued at> <finished at>"`` (epoch
seconds) to ``<prefix>:times``. The benchmark reads both to decide when the last task
finished and how long each waited.
"""
