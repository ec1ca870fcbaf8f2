"""The local gateway runs requests concurrently, as API Gateway runs Lambdas: N requests
that are all held up at once must all be in flight at once.

The evidence is on the server side, not a stopwatch: the test holds a lock on ``jobs``,
sends N reads of a job at once, and waits until PostgreSQL shows N of the API's
sessions blocked on that lock together. Were the pass-through, LocalStack's gateway or
the Lambda executor to take one request at a time, only one session would ever wait.
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlsplit

import psycopg

from tests.e2e.stack import Stack

N = 4


def _reads_waiting(conn: psycopg.Connection, database: str) -> int:
    """Sessions blocked in the API's read of one job (the store's ``get_job`` query; the
    stack's tick and worker read ``jobs`` with other queries, so they do not count)."""
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        " AND wait_event_type = 'Lock' AND query LIKE '%%SELECT * FROM jobs WHERE id = $1%%'",
        (database,),
    ).fetchone()[0]


def test_concurrent_requests_are_in_flight_together(stack: Stack) -> None:
    job = stack.client().create_job(name="held-up", handler="test.echo")
    api = urlsplit(stack.api_url)
    database = stack.database_url.rsplit("/", 1)[1]
    statuses: list[int] = []

    def read() -> None:
        conn = http.client.HTTPConnection(api.hostname, api.port, timeout=120)
        conn.request(
            "GET",
            f"{api.path}/jobs/{job['id']}",
            headers={"Authorization": f"Bearer {stack.api_key}"},
        )
        statuses.append(conn.getresponse().status)
        conn.close()

    most = 0
    with (
        psycopg.connect(stack.database_url) as holder,
        psycopg.connect(stack.database_url, autocommit=True) as watcher,
    ):
        holder.execute("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
        threads = [threading.Thread(target=read) for _ in range(N)]
        for t in threads:
            t.start()
        # Less than the API function's Timeout (28 s): a timed-out Lambda's session would
        # go on waiting on the lock, and a serialising gateway would then pile them up.
        deadline = time.monotonic() + 25
        while most < N and time.monotonic() < deadline:
            most = max(most, _reads_waiting(watcher, database))
            time.sleep(0.05)
        holder.rollback()  # releases the lock: every request may finish now
    for t in threads:
        t.join(120)
    assert most == N, f"at most {most} of {N} requests were in flight at once"
    assert statuses == [200] * N
