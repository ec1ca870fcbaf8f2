"""Hostile input through the API: a 400 naming the field, never a 500, nothing written;
and a stored row that cannot be rendered does not break a list for everyone."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from psycopg.types.json import Jsonb

from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.test_api import Api, job_body

api = test_api.api  # the same in-process API fixture


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def raw_job(payload_json: str, **fields: str) -> str:
    """A create body written by hand: Python's json.dumps cannot produce these."""
    extra = "".join(f', "{k}": {v}' for k, v in fields.items())
    return f'{{"name": "raw", "handler": "test.echo", "payload": {payload_json}{extra}}}'


def cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def refused(api: Api, method: str, path: str, **request: Any) -> dict[str, str]:
    code, body = api.call(method, path, **request)
    assert code == 400, body
    assert body["error"]["code"] == "validation_error"
    return body["error"]["fields"]


def test_a_deeply_nested_payload_is_refused_and_the_list_keeps_working(api: Api) -> None:
    fields = refused(api, "POST", "/jobs", body=job_body(payload=nested(520)))
    assert set(fields) == {"payload"} and "nested" in fields["payload"]
    assert api.ok("GET", "/jobs")["total"] == 0  # nothing half-written
    # 32 levels is the documented bound: still accepted.
    api.ok("POST", "/jobs", job_body(payload=nested(32)), 201)
    assert api.ok("GET", "/jobs")["total"] == 1


def test_every_user_json_has_the_same_bounds(api: Api) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    trigger = f"/jobs/{job['id']}/trigger"
    assert set(refused(api, "POST", trigger, body={"payload": nested(600)})) == {"payload"}
    big = {"payload": {"blob": "x" * 900_000}}
    assert "bytes" in refused(api, "POST", trigger, body=big)["payload"]
    runs = {"runs": [{"payload": {}}, {"payload": {}}, {}, {"payload": nested(40)}]}
    assert set(refused(api, "POST", trigger, body=runs)) == {"runs[3].payload"}
    webhook = {"url": "https://example.com/hook", "body": nested(100)}
    body = job_body(name="hook", handler="http.webhook", payload=webhook)
    assert set(refused(api, "POST", "/jobs", body=body)) == {"payload"}
    assert api.ok("GET", f"/jobs/{job['id']}/executions")["total"] == 0


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"body": job_body(name="a\u0000b")}, "name"),
        ({"body": job_body(description="x\u0000")}, "description"),
        ({"body": job_body(payload={"a": "b\u0000"})}, "payload"),
        ({"body": job_body(payload={"a\u0000": 1})}, "payload"),
        ({"raw": raw_job('{"a": "\\ud800"}')}, "payload"),
        ({"raw": raw_job("{}", description='"\\udfff"')}, "description"),
        ({"raw": raw_job('{"a": NaN}')}, "body"),
        ({"raw": raw_job('{"a": -Infinity}')}, "body"),
        ({"raw": raw_job('{"a": 1e400}')}, "payload"),
        ({"raw": '{"a":' * 50_000 + "1" + "}" * 50_000}, "body"),
        ({"body": job_body(schedule="0 0 31 2 *")}, "schedule"),
        ({"body": job_body(schedule="* * * * " + ",".join(["1"] * 150_000))}, "schedule"),
        ({"body": job_body(timezone="Europe/" + "x" * 10_000)}, "timezone"),
    ],
)
def test_bad_job_input_is_a_400_naming_the_field(api: Api, request_: dict, field: str) -> None:
    assert set(refused(api, "POST", "/jobs", **request_)) == {field}
    assert api.ok("GET", "/jobs")["total"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/jobs?name=a%00b", "name"),
        ("/jobs?handler=%00", "handler"),
        ("/jobs?sort=name%00", "sort"),
        (f"/jobs?cursor={cursor(10**20)}", "cursor"),
        (f"/jobs?cursor={cursor(2**63)}", "cursor"),
        ("/jobs?cursor=%00%00", "cursor"),
        ("/jobs?limit=1%00", "limit"),
        ("/executions?handler=x%00", "handler"),
        ("/executions?job_id=not-a-uuid", "job_id"),
        (f"/dead-letter?cursor={cursor(10**30)}", "cursor"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_them(api: Api, query: str, field: str) -> None:
    assert set(refused(api, "GET", query)) == {field}


@pytest.mark.parametrize("path", ["/jobs/abc%00", "/executions/%00", "/dead-letter/x%00y"])
def test_ids_that_are_not_uuids_are_not_found(api: Api, path: str) -> None:
    assert api.call("GET", path)[0] == 404


def _store_raw_payload(engine: Engine, job_id: str, payload_json: str) -> None:
    with engine.store.tx() as conn:
        conn.execute("UPDATE jobs SET payload = %s::jsonb WHERE id = %s", (payload_json, job_id))


def test_a_stored_row_that_cannot_be_rendered_does_not_break_the_lists(
    api: Api, engine: Engine
) -> None:
    """Rows written before the bounds (or by another writer) are shown with a marker;
    the rest of the page is intact."""
    healthy = api.ok("POST", "/jobs", job_body(name="healthy"), 201)
    deep = api.ok("POST", "/jobs", job_body(name="deep"), 201)
    deeper = api.ok("POST", "/jobs", job_body(name="deeper"), 201)
    _store_raw_payload(engine, deep["id"], json.dumps(nested(520)))
    _store_raw_payload(engine, deeper["id"], '{"a":' * 5000 + "1" + "}" * 5000)
    api.ok("POST", f"/jobs/{deep['id']}/trigger", None, 202)
    with engine.store.tx() as conn:
        conn.execute(
            "UPDATE executions SET result = %s WHERE job_id = %s",
            (Jsonb(nested(300)), deep["id"]),
        )

    listed = {j["name"]: j for j in api.ok("GET", "/jobs")["items"]}
    assert listed["healthy"]["payload"] == healthy["payload"]
    assert "$unreadable" in listed["deep"]["payload"]
    assert "$unreadable" in listed["deeper"]["payload"]
    assert "$unreadable" in api.ok("GET", f"/jobs/{deep['id']}")["payload"]
    (execution,) = api.ok("GET", "/executions")["items"]
    assert "$unreadable" in execution["result"]
    # The bad rows can still be removed by their owner.
    assert api.call("DELETE", f"/jobs/{deeper['id']}")[0] == 204
