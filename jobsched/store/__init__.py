"""PostgreSQL store: the source of truth for jobs, executions and the dead-letter queue."""

from jobsched.store.postgres import Store

__all__ = ["Store"]
