"""Every operation of the OpenAPI document, called through the real Chalice app: it
answers the documented success status with a body that is exactly its response
model (no undocumented field, none missing), refuses what its request models
refuse naming the field, and each error it answers is documented.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import jsonschema
import msgspec
import pytest
import referencing

from jobsched.api.openapi import OPERATIONS, Operation, openapi_document
from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.test_api import AUTH, Api, job_body

api = test_api.api  # the same in-process API fixture
SPEC = openapi_document()
DOCUMENT = referencing.Resource.from_contents(
    SPEC, default_specification=referencing.jsonschema.DRAFT202012
)
REGISTRY = referencing.Registry().with_resource("urn:openapi", DOCUMENT)


def _matches_the_document(schema: dict[str, Any], body: Any) -> None:
    """``body`` is what the served document (the one generators read) says."""
    # The operation's schema refers to the document's components from outside it.
    schema = json.loads(json.dumps(schema).replace('"#/', '"urn:openapi#/'))
    validator = jsonschema.Draft202012Validator(schema, registry=REGISTRY)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert problems == [], problems


def _conforms(op: Operation, code: int, body: Any) -> None:
    documented = SPEC["paths"][op.path][op.method.lower()]["responses"]
    assert str(code) in documented, (op.method, op.path, code, body)
    if "application/json" in documented[str(code)].get("content", {}):
        _matches_the_document(documented[str(code)]["content"]["application/json"]["schema"], body)
    if code == op.status and op.response is not None:
        models = op.response if isinstance(op.response, tuple) else (op.response,)
        problems = []
        for model in models:
            try:
                msgspec.convert(body, model, strict=True)
                return
            except msgspec.ValidationError as exc:
                problems.append(f"{getattr(model, '__name__', model)}: {exc}")
        pytest.fail(f"{op.method} {op.path}: the body is not its model: {problems}")


def _path(op: Operation, ids: dict[str, str]) -> str:
    if op.path.endswith("/redrive") and "redriven_entry_id" in ids:
        ids = {**ids, "entry_id": ids["redriven_entry_id"]}
    return op.path.format(**{name: ids[name] for name in op.path_params})


def _world(api: Api, engine: Engine) -> dict[str, str]:
    """A job with executions, a dead-letter entry and a worker: something for every
    operation to return."""
    failing = api.ok(
        "POST",
        "/jobs",
        job_body(
            name="fails",
            handler="test.delay",
            max_retries=0,
            payload={"durationMs": 0, "shouldFail": True},
        ),
        201,
    )
    api.ok("POST", f"/jobs/{failing['id']}/trigger", {"runs": [{}, {}]}, 202)
    worker = engine.worker("contract-worker")
    engine.run_until(lambda: api.ok("GET", "/dead-letter")["total"] == 2)
    worker.heartbeat(engine.clock.now())
    entry, redriven = api.ok("GET", "/dead-letter")["items"]
    job = api.ok("POST", "/jobs", job_body(schedule="*/5 * * * *"), 201)
    execution = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    key = api.ok("POST", "/keys", {"name": "to-revoke", "scope": "read"}, 201)
    workflow = api.ok("POST", "/workflows", WORKFLOW, 201)
    run = api.ok("POST", f"/workflows/{workflow['id']}/trigger", None, 202)
    api.ok("POST", "/calendars", {"name": "contract-cal", "timezone": "UTC"}, 201)
    return {
        "workflow_id": workflow["id"],
        "run_id": run["id"],
        "name": "contract-cal",
        "key_id": key["id"],
        "job_id": job["id"],
        "execution_id": execution["id"],
        "entry_id": entry["id"],
        "redriven_entry_id": redriven["id"],  # a redrive removes its entry
    }


WORKFLOW = {"name": "etl", "steps": [{"id": "a", "handler": "test.echo"}], "schedule": "0 6 * * *"}
# Calls that need a particular order or body; everything else is called as it is.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/workflows"): {**WORKFLOW, "name": "another-etl"},
    ("PUT", "/workflows/{workflow_id}"): {"description": "nightly"},
    ("POST", "/jobs"): job_body(name="another"),
    ("PUT", "/jobs/{job_id}"): {"priority": 70},
    ("POST", "/jobs/{job_id}/backfill"): {
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-01-01T00:30:00Z",
    },
    ("POST", "/workflows/{workflow_id}/backfill"): {
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-01-03T00:00:00Z",
    },
    ("POST", "/schedules/preview"): {"schedule": "0 6 * * *", "timezone": "Europe/Paris"},
    ("POST", "/keys"): {"name": "ci", "scope": "operate", "rate_limit_per_minute": 600},
    ("POST", "/calendars"): {"name": "another-cal", "timezone": "Europe/Paris"},
    ("PUT", "/calendars/{name}"): {"timezone": "Europe/Paris", "dates": ["2026-12-24"]},
}
QUERIES = {
    ("GET", "/jobs/{job_id}"): "?include=executions",
    ("GET", "/jobs/{job_id}/explain"): "?at=2026-01-01T00:00:00Z",
    ("GET", "/calendars/{name}/days"): "?since=2026-12-24&until=2026-12-26",
    ("GET", "/flow"): "?job_id={job_id}",
}
AGAIN = {
    "/executions/{execution_id}/retry",
    "/dead-letter/{entry_id}/redrive",
    "/workflow-runs/{run_id}/retry",
}


def _order(op: Operation) -> int:
    """Cancel before retry (only a finished run is retried); deletes last."""
    return 2 if op.method == "DELETE" else 1 if op.path in AGAIN else 0


def test_every_operation_answers_its_documented_status_and_model(api: Api, engine: Engine) -> None:
    ids = _world(api, engine)
    # The trigger's other answer: a batch is a page of executions.
    trigger = next(op for op in OPERATIONS if op.path.endswith("/trigger"))
    batch = {"runs": [{"payload": {"n": 1}}, {"priority": 90}]}
    code, body = api.call("POST", _path(trigger, ids), batch)
    assert (code, body["total"]) == (202, 2)
    _conforms(trigger, code, body)
    called = set()
    for op in sorted(OPERATIONS, key=_order):
        path = _path(op, ids) + QUERIES.get((op.method, op.path), "").format(**ids)
        code, body = api.call(op.method, path, BODIES.get((op.method, op.path)))
        assert code == op.status, (op.method, path, body)
        _conforms(op, code, body)
        called.add((op.method, op.path))
    assert called == {(op.method, op.path) for op in OPERATIONS}


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.body], ids=lambda o: o.path)
def test_an_unknown_body_field_is_a_documented_400_naming_it(
    api: Api, engine: Engine, op: Operation
) -> None:
    job = api.ok("POST", "/jobs", job_body(name="target"), 201)
    workflow = api.ok("POST", "/workflows", WORKFLOW, 201)
    body = {**BODIES.get((op.method, op.path), {}), "colour": "blue"}
    ids = {"job_id": job["id"], "workflow_id": workflow["id"], "name": "cal"}
    code, answer = api.call(op.method, _path(op, ids), body)
    _conforms(op, code, answer)
    assert (code, answer["error"]["fields"]) == (400, {"colour": "unknown field"})
    assert api.ok("GET", "/jobs")["total"] == 1, "nothing written"


QUERY_OPS = [op for op in OPERATIONS if op.query]
NUL = quote("1\x00")


@pytest.mark.parametrize("op", QUERY_OPS, ids=lambda o: o.path)
def test_every_query_parameter_is_checked_by_its_model(
    api: Api, engine: Engine, op: Operation
) -> None:
    """A NUL fits no parameter's type (integer, enum, id, time or text): each is a
    documented 400 naming that parameter."""
    job = api.ok("POST", "/jobs", job_body(name="target"), 201)
    workflow = api.ok("POST", "/workflows", WORKFLOW, 201)
    ids = {"job_id": job["id"], "workflow_id": workflow["id"], "name": "any-calendar"}
    for f in msgspec.structs.fields(op.query):
        path = _path(op, ids) + f"?{f.name}={NUL}"
        code, answer = api.call("GET", path)
        _conforms(op, code, answer)
        assert (code, set(answer["error"]["fields"])) == (400, {f.name}), path


def test_a_bad_run_in_a_batch_is_named_by_its_index(api: Api) -> None:
    job = api.ok(
        "POST", "/jobs", job_body(handler="http.webhook", payload={"url": "https://a.b"}), 201
    )
    runs = [{"payload": {"url": "https://a.b"}}, {"priority": "high"}, {"payload": {}}, 7]
    code, body = api.call("POST", f"/jobs/{job['id']}/trigger", {"runs": runs})
    assert code == 400
    assert body["error"]["fields"] == {
        "runs[1].priority": "must be an integer between 0 and 100",
        "runs[2].payload.url": body["error"]["fields"]["runs[2].payload.url"],
        "runs[3]": "must be a JSON object",
    }
    assert api.ok("GET", f"/jobs/{job['id']}/executions")["total"] == 0


MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: f"{o.method} {o.path}")
def test_the_errors_any_request_may_get_are_documented(api: Api, op: Operation) -> None:
    """What the API answers a non-JSON Content-Type (415, every route: Chalice checks
    it with or without a body), a wrong key (401, where a key is read: /health too)
    and an id that names nothing (404): each documented for its operation."""
    ids = {name: MISSING for name in op.path_params} | {"name": "no-such-calendar"}
    path = _path(op, ids)
    code, body = api.call(op.method, path, raw="a,b", headers={**AUTH, "Content-Type": "text/csv"})
    assert (code, body["error"]["code"]) == (415, "unsupported_media_type")
    _conforms(op, code, body)
    if op.path != "/openapi.json":
        code, body = api.call(op.method, path, headers={"Authorization": "Bearer wrong"})
        assert (code, body["error"]["code"]) == (401, "unauthorized")
        _conforms(op, code, body)
    if op.path_params:
        query = QUERIES.get((op.method, op.path), "").format(**ids)
        code, body = api.call(op.method, path + query, BODIES.get((op.method, op.path)))
        assert code == 404, (op.method, path, body)
        _conforms(op, code, body)


CONTROLS = [
    {"concurrency": {"key": {"$ref": "payload.tenant"}, "limit": 2}},
    {"rate": {"key": "api", "limit": 5, "period_ms": 1000}},
    {"debounce": {"key": {"$ref": "payload.tenant"}, "delay_ms": 500}},
    {"singleton": {"key": "one", "mode": "replace_queued"}},
    {"spread": {"keys": ["a", "b"], "window_ms": 60000}, "schedule": "0 6 * * *"},
]


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: next(iter(c)))
def test_a_jobs_flow_control_comes_back_as_its_documented_component(
    api: Api, control: dict[str, Any]
) -> None:
    """A generated client reads a job's control as the component it sent it as."""
    name = next(iter(control))
    job = api.ok("POST", "/jobs", job_body(payload={"tenant": "t1"}, **control), 201)
    create = next(op for op in OPERATIONS if op.operation_id == "createJob")
    _conforms(create, 201, job)
    read = next(op for op in OPERATIONS if op.operation_id == "getJob")
    again = api.ok("GET", f"/jobs/{job['id']}")
    _conforms(read, 200, again)
    assert {k: v for k, v in again[name].items() if k in control[name]} == control[name]


def test_a_workflows_steps_come_back_as_documented_workflow_steps(api: Api) -> None:
    step = {
        "id": "b",
        "handler": "test.echo",
        "after": ["a"],
        "payload": {"tenant": "t1"},
        "rate": {"key": {"$ref": "payload.tenant"}, "limit": 3, "period_ms": 1000},
        "when": "always",
    }
    body = {**WORKFLOW, "name": "typed-steps", "steps": [*WORKFLOW["steps"], step]}
    workflow = api.ok("POST", "/workflows", body, 201)
    create = next(op for op in OPERATIONS if op.operation_id == "createWorkflow")
    _conforms(create, 201, workflow)
    assert workflow["steps"][1]["rate"]["key"] == {"$ref": "payload.tenant"}
