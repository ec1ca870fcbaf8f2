"""What one API request can cost (docs/reliability.md, "What one request can cost"):
a statement the API runs is cancelled past API_STATEMENT_TIMEOUT_MS and answered 503,
a list page stays under its byte budget however big its items, and /metrics reads
per-minute rollups whose size does not grow with the runs of the hour."""

from __future__ import annotations

import json
import random
import statistics
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from chalice.test import Client

from jobsched.runtime import Runtime, set_runtime
from jobsched.store.queries import q
from tests.integration.engine import Engine
from tests.integration.test_api import KEY, Api
from tests.unit.test_rollups import _bucket_of


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


EMOJI = "\U0001f600"  # 4 bytes of UTF-8, 12 once JSON escapes it to ASCII ("\ud83d\ude00")


def _fat_payload(n: int) -> dict:
    """A payload just under the cap as sent: ~60 KB of escaped emoji (20 KB of UTF-8)."""
    return {"n": n, "text": EMOJI * 5000}


def test_list_pages_stay_under_their_byte_budget_and_paging_reaches_every_item(
    api: Api, engine: Engine
) -> None:
    from jobsched.domain.bounded import MAX_PAGE_BYTES

    job = api.ok("POST", "/jobs", {"name": "fat", "handler": "test.echo", "payload": {}}, 201)
    ids: set[str] = set()
    for batch in range(2):  # a request body is at most 1 MiB
        runs = [{"payload": _fat_payload(batch * 12 + n)} for n in range(12)]
        created = api.ok("POST", f"/jobs/{job['id']}/trigger", {"runs": runs}, 202)
        ids |= {r["id"] for r in created["items"]}
    engine.run_until(lambda: all(engine.status(i) == "SUCCEEDED" for i in ids))

    for path in ("/executions?limit=200", f"/jobs/{job['id']}/executions?limit=200"):
        seen: list[str] = []
        pages = 0
        url = path
        while True:
            response = api.client.http.request(
                "GET", "/api/v1" + url, headers={"Authorization": f"Bearer {KEY}"}
            )
            assert response.status_code == 200
            assert len(response.body) <= MAX_PAGE_BYTES, (path, pages, len(response.body))
            page = json.loads(response.body)
            assert page["items"], "every page has at least one item"
            assert page["total"] == 24
            seen += [item["id"] for item in page["items"]]
            pages += 1
            if page["next_cursor"] is None:
                break
            url = f"{path}&cursor={page['next_cursor']}"
        assert len(seen) == len(set(seen)) == 24, "every run once"
        assert set(seen) == ids
        assert pages > 1, "24 runs of ~120 KB each do not fit one page"
    # Each item is whole: its payload and result as written.
    item = api.ok("GET", f"/jobs/{job['id']}/executions?limit=1")["items"][0]
    assert item["result"]["text"] == EMOJI * 5000


def test_a_payload_is_capped_on_what_is_sent_not_on_its_utf8(api: Api) -> None:
    # 16,000 emoji are 64,000 bytes of UTF-8 but 192,000 once sent.
    body = {"name": "emoji", "handler": "test.echo", "payload": {"text": EMOJI * 16_000}}
    code, answer = api.call("POST", "/jobs", body)
    assert code == 400, answer
    assert "payload" in answer["error"]["fields"]
    assert "bytes of JSON" in answer["error"]["fields"]["payload"]
    body["payload"] = _fat_payload(0)
    assert api.call("POST", "/jobs", body)[0] == 201


def _finish(engine: Engine, job_id: str, seconds: list[float]) -> None:
    """Runs of the job that SUCCEEDED now after ``seconds`` each, each with an overran
    alert, written as the worker's batch write would (one UPDATE: the statement
    trigger counts them)."""
    created = engine.service.trigger_job(job_id, {"runs": [{}] * len(seconds)})["items"]
    ids = [uuid.UUID(e["id"]) for e in created]
    with engine.store.tx() as conn:
        conn.execute(
            "UPDATE executions e SET status = 'SUCCEEDED', finished_at = %(now)s,"
            " started_at = %(now)s - make_interval(secs => d.s),"
            " alerts = e.alerts || jsonb_build_array(jsonb_build_object("
            "   'kind', 'overran', 'at', %(now)s::timestamptz))"
            " FROM unnest(%(ids)s::uuid[], %(secs)s::float8[]) d (id, s) WHERE e.id = d.id",
            {"now": engine.clock.now(), "ids": ids, "secs": seconds},
        )


def _rollup_reads(engine: Engine) -> tuple[set[str], int]:
    """The tables /metrics's reads of finished runs and of alerts touch, and the rows
    they read from them."""
    now = engine.clock.now()
    params = {"since": now.replace(second=0, microsecond=0) - timedelta(hours=1), "now": now}
    with engine.store.tx() as conn:
        plans = [
            conn.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + q(name), {**params, "bucket_s": 60}
            ).fetchone()["QUERY PLAN"][0]["Plan"]
            for name in ("run_minutes", "alert_minutes")
        ]
    tables: set[str] = set()
    rows = 0
    stack = plans
    while stack:
        node = stack.pop()
        if "Relation Name" in node:
            tables.add(node["Relation Name"])
            rows += node["Actual Rows"] * node.get("Actual Loops", 1)
        stack += node.get("Plans", [])
    return tables, rows


def test_metrics_read_rollups_that_do_not_grow_with_the_runs_and_stay_correct(
    api: Api, engine: Engine
) -> None:
    rng = random.Random(7)
    seconds = [rng.lognormvariate(-1, 1.5) for _ in range(400)]
    job = engine.create_job()
    _finish(engine, job, seconds)
    engine.store.partitions.maintain(engine.clock.now())  # the tick folds the deltas
    tables, rows_before = _rollup_reads(engine)
    assert not any(t.startswith("executions") for t in tables), tables

    for _ in range(5):  # five times the runs, in the same minute and buckets
        _finish(engine, job, seconds)
    engine.store.partitions.maintain(engine.clock.now())
    tables, rows_after = _rollup_reads(engine)
    assert not any(t.startswith("executions") for t in tables), tables
    assert rows_after == rows_before, "the rows read do not grow with the runs"

    metrics = api.ok("GET", "/metrics")
    assert metrics["throughput"] == {"last_minute": 2400, "last_5_minutes": 2400, "last_hour": 2400}
    assert metrics["failure_rate"] == {"last_5_minutes": 0.0, "last_hour": 0.0}
    assert metrics["alerts"] == {"late_start": 0, "overran": 2400}
    exact = statistics.quantiles(seconds, n=100, method="inclusive")
    for name, q_index in (("p50", 49), ("p95", 94), ("p99", 98)):
        lower, upper = _bucket_of(exact[q_index])
        shown = metrics["duration_ms"][name] / 1000
        assert lower - 0.001 <= shown <= upper + 0.001, (name, exact[q_index], shown)
    buckets = api.ok("GET", "/metrics/executions?window_s=3600&bucket_s=60")["buckets"]
    assert [(b["succeeded"], b["failed"]) for b in buckets] == [(2400, 0)]
    lower, upper = _bucket_of(exact[94])
    assert lower * 1000 - 1 <= buckets[0]["p95_duration_ms"] <= upper * 1000 + 1

    # An hour and a minute later the hour's figures are empty again.
    engine.clock.advance(3660)
    metrics = api.ok("GET", "/metrics")
    assert metrics["throughput"]["last_hour"] == 0
    assert metrics["duration_ms"] == {"p50": None, "p95": None, "p99": None}
    assert metrics["alerts"] == {"late_start": 0, "overran": 0}


def test_a_batch_triggers_answer_stays_under_the_budget_and_counts_every_run(
    api: Api, engine: Engine
) -> None:
    from jobsched.domain.bounded import MAX_PAGE_BYTES

    body = {"name": "fat-job", "handler": "test.echo", "payload": _fat_payload(0)}
    job = api.ok("POST", "/jobs", body, 201)
    # 60 runs that each carry the job's ~60 KB payload: 3.6 MB if all were listed.
    response = api.client.http.request(
        "POST",
        f"/api/v1/jobs/{job['id']}/trigger",
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        body=json.dumps({"runs": [{}] * 60}),
    )
    assert response.status_code == 202
    assert len(response.body) <= MAX_PAGE_BYTES
    answer = json.loads(response.body)
    assert answer["total"] == 60, "every run created is counted"
    assert 1 <= len(answer["items"]) < 60
    listed = api.ok("GET", f"/jobs/{job['id']}/executions?limit=200")
    assert listed["total"] == 60


def test_list_items_are_sent_as_their_own_answers_flagged_and_redacted(api: Api) -> None:
    """A list page's items are encoded once, when the page is weighed: what a run, a job
    or an audit entry says alone (a read key's redactions, why a run waits, a job's next
    runs) is what its list says, and the page is the API's compact ASCII JSON."""
    created = api.ok("POST", "/keys", {"name": "reader", "scope": "read"}, 201)
    reader = {"Authorization": f"Bearer {created['key']}"}
    body = {"name": "lists", "handler": "test.echo", "schedule": "0 * * * *"}
    job = api.ok("POST", "/jobs", {**body, "payload": {"password": "hunter2", "n": 1}}, 201)
    api.ok("POST", f"/jobs/{job['id']}/trigger", {"runs": [{}, {}]}, 202)

    def get(url: str) -> tuple[str, Any]:
        response = api.client.http.request("GET", "/api/v1" + url, headers=reader)
        assert response.status_code == 200, response.body
        text = response.body.decode()
        return text, json.loads(text)

    lists = {
        "/executions": "/executions/{}",
        f"/jobs/{job['id']}/executions": "/executions/{}",
        "/jobs": "/jobs/{}",
        "/audit": None,
    }
    for path, one in lists.items():
        text, page = get(path)
        assert text == json.dumps(page, separators=(",", ":")), path
        assert list(page) == ["next_cursor", "total", "items"], path
        assert page["items"] and "hunter2" not in text, path
        for item in page["items"]:
            if one is not None:
                assert item == get(one.format(item["id"]))[1], (path, item["id"])
    runs = get("/executions")[1]["items"]
    assert [r["waiting"] is not None for r in runs] == [True, True], "no worker serves it"
    assert get("/jobs")[1]["items"][0]["upcoming_runs"], "a scheduled job's next runs"
