"""What one API request can cost (docs/reliability.md, "What one request can cost"):
a statement the API runs is cancelled past API_STATEMENT_TIMEOUT_MS and answered 503,
a list page stays under its byte budget however big its items, and /metrics reads
per-minute rollups whose size does not grow with the runs of the hour."""

from __future__ import annotations

import json
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
