"""What one API request can cost (docs/reliability.md, "What one request can cost"):
a statement the API runs is cancelled past API_STATEMENT_TIMEOUT_MS and answered 503,
a list page stays under its byte budget however big its items, and /metrics reads
per-minute rollups whose size does not grow with the runs of the hour."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest
from chalice.test import Client

from jobsched.runtime import Runtime, set_runtime
from tests.integration.engine import Engine
from tests.integration.test_api import KEY, Api


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    from app.app import app

    settings = replace(engine.settings, api_keys=(KEY,), api_statement_timeout_ms=300)
    rt = Runtime(settings, engine.clock)
    rt.__dict__.update(store=engine.store, queue=engine.queue, registry=engine.registry)
    rt.__dict__["service"] = engine.service
    set_runtime(rt)
    with Client(app) as client:
        yield Api(client)
    set_runtime(None)


def test_a_statement_past_the_api_timeout_is_a_503_and_other_callers_have_no_timeout(
    api: Api, engine: Engine
) -> None:
    job_id = engine.create_job()
    assert api.ok("GET", f"/jobs/{job_id}")["id"] == job_id

    # Another session holds the jobs table: the API's read waits on it until its
    # statement timeout cancels it.
    with psycopg.connect(engine.store.database_url) as blocker:
        blocker.execute("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
        code, body = api.call("GET", f"/jobs/{job_id}")
        assert code == 503, body
        assert body["error"]["code"] == "statement_timeout"
        assert "API_STATEMENT_TIMEOUT_MS" in body["error"]["message"]
        blocker.rollback()

    assert api.ok("GET", f"/jobs/{job_id}")["id"] == job_id, "the next request is served"
    # The tick and the workers share the pool: outside a request, no timeout applies.
    with engine.store.tx() as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()["statement_timeout"] == "0"
