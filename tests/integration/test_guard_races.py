"""Status guards under concurrency: a guarded statement that waits for a row another
transaction is changing must judge the row as it is once that transaction commits.

Found by ``make chaos``: a worker that claimed a run just after the tick pushed it, while
the tick's PENDING -> QUEUED mark was not yet committed, found nothing to start and acked
the claim away; the run then waited for the tick's 30-second reconcile to be pushed again.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg

from jobsched import execution_record
from jobsched.store.queries import q
from jobsched.trigger import trigger
from tests.integration.engine import Engine
from tests.integration.helpers import someone_waits_for_a_lock, wait_for


def test_a_claim_waiting_on_the_outbox_mark_still_starts_the_run(store, engine: Engine) -> None:
    job_id = engine.create_job()
    (execution,) = trigger(store, job_id, engine.clock.now())
    now = engine.clock.now()
    with psycopg.connect(store.database_url) as tick, ThreadPoolExecutor(1) as pool:
        # The tick has pushed the run and is marking it QUEUED, not yet committed...
        tick.execute(q("mark_queued"), {"ids": [uuid.UUID(execution.id)], "now": now})
        # ...when a worker that claimed it marks it RUNNING and has to wait for the row.
        claim = pool.submit(
            execution_record.start, store, [(execution.id, "lease-1")], "worker-1", now
        )
        wait_for(lambda: someone_waits_for_a_lock(store.database_url), what="a lock wait")
        tick.commit()
        started = claim.result(timeout=10)
    assert [e.id for e in started] == [execution.id]
    assert engine.status(execution.id) == "RUNNING"
