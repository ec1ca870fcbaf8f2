"""The workflow routes over HTTP (the Chalice app in-process, real PostgreSQL and Redis):
400s naming the problem, 404s and 409s, scopes, the audit log, Idempotency-Key, and step
executions in the executions API (issue 23)."""

from __future__ import annotations

from typing import Any

from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.test_api import AUTH, Api

api = test_api.api  # the same in-process API fixture

ETL = {
    "name": "etl",
    "steps": [
        {"id": "extract", "handler": "test.echo", "payload": {"rows": [1, 2, 3]}},
        {
            "id": "each",
            "handler": "test.echo",
            "after": ["extract"],
            "for_each": {"$ref": "steps.extract.result.rows"},
            "payload": {"row": {"$ref": "item"}, "day": {"$ref": "input.day"}},
        },
        {"id": "load", "handler": "test.echo", "after": ["each"]},
        {
            "id": "page",
            "handler": "test.log",
            "after": ["load"],
            "when": "failure",
            "payload": {"message": "etl failed"},
        },
    ],
}


def _ended(api: Api, engine: Engine, run_id: str) -> dict[str, Any]:
    return engine.run_until(
        lambda: (
            (r := api.ok("GET", f"/workflow-runs/{run_id}"))["status"]
            in ("SUCCEEDED", "FAILED", "CANCELLED")
            and r
        )
    )


def test_a_workflow_is_created_triggered_and_its_run_read_back(api: Api, engine: Engine):
    wf = api.ok("POST", "/workflows", ETL, 201)
    assert (wf["version"], wf["status"], wf["timezone"]) == (1, "SCHEDULED", "UTC")
    assert api.ok("GET", f"/workflows/{wf['id']}")["steps"][1]["for_each"] == {
        "$ref": "steps.extract.result.rows"
    }
    assert api.ok("GET", "/workflows")["total"] == 1
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", {"input": {"day": "mon"}}, 202)
    assert run["workflow_id"] == wf["id"] and run["status"] in ("PENDING", "RUNNING")
    assert [s["status"] for s in run["steps"]] == ["RUNNING", "WAITING", "WAITING", "WAITING"]
    ended = _ended(api, engine, run["id"])
    assert ended["status"] == "SUCCEEDED"
    steps = {s["id"]: s for s in ended["steps"]}
    assert steps["page"]["status"] == "SKIPPED" and steps["page"]["reason"]
    assert len(steps["each"]["execution_ids"]) == 3
    first = api.ok("GET", f"/executions/{steps['each']['execution_ids'][0]}")
    assert (first["workflow_run_id"], first["step_id"]) == (run["id"], "each")
    assert first["result"] == {"row": 1, "day": "mon"}
    runs = api.ok("GET", f"/workflows/{wf['id']}/runs")
    assert [r["id"] for r in runs["items"]] == [run["id"]]
    assert api.ok("GET", f"/workflows/{wf['id']}/runs?status=FAILED")["total"] == 0
    # a workflow's internal job is no job of the API
    assert api.ok("GET", "/jobs")["total"] == 0
    internal = first["job_id"]
    for method, path in [
        ("GET", f"/jobs/{internal}"),
        ("PUT", f"/jobs/{internal}"),
        ("DELETE", f"/jobs/{internal}"),
        ("POST", f"/jobs/{internal}/trigger"),
        ("POST", f"/jobs/{internal}/pause"),
    ]:
        assert api.call(method, path, {} if method == "PUT" else None)[0] == 404, path
    assert api.ok("GET", f"/workflows/{wf['id']}")["id"] == wf["id"]


def test_a_bad_definition_is_a_400_naming_each_problem_and_writes_nothing(api: Api):
    body = {
        "name": "bad",
        "steps": [
            {"id": "a", "handler": "test.echo", "after": ["c"]},
            {"id": "b", "handler": "no.such.handler"},
            {"id": "c", "handler": "test.echo", "after": ["a"]},
        ],
    }
    code, answer = api.call("POST", "/workflows", body)
    assert code == 400 and answer["error"]["code"] == "validation_error"
    assert "steps[1].handler" in answer["error"]["fields"]
    body["steps"][1]["handler"] = "test.echo"
    code, answer = api.call("POST", "/workflows", body)
    assert (code, answer["error"]["fields"]) == (400, {"steps": "cycle: a -> c -> a"})
    code, answer = api.call("POST", "/workflows", {"name": "x", "steps": [{"id": "a"}]})
    assert (code, answer["error"]["fields"]) == (400, {"steps[0].handler": "is required"})
    assert api.ok("GET", "/workflows")["total"] == 0


def test_a_name_taken_is_a_409_and_an_unknown_id_a_404(api: Api):
    wf = api.ok("POST", "/workflows", ETL, 201)
    code, answer = api.call("POST", "/workflows", ETL)
    assert (code, answer["error"]["fields"]) == (409, {"name": "already exists"})
    for method, path in [
        ("GET", "/workflows/00000000-0000-0000-0000-000000000000"),
        ("GET", "/workflows/not-an-id"),
        ("POST", "/workflows/00000000-0000-0000-0000-000000000000/trigger"),
        ("GET", "/workflow-runs/00000000-0000-0000-0000-000000000000"),
        ("POST", "/workflow-runs/00000000-0000-0000-0000-000000000000/cancel"),
    ]:
        assert api.call(method, path)[0] == 404, path
    updated = api.ok("PUT", f"/workflows/{wf['id']}", {"description": "nightly"})
    assert (updated["version"], updated["description"]) == (2, "nightly")
    code, answer = api.call("PUT", f"/workflows/{wf['id']}", {"steps": []})
    assert code == 400 and "steps" in answer["error"]["fields"]


def test_a_trigger_with_an_idempotency_key_answers_the_first_run(api: Api):
    wf = api.ok("POST", "/workflows", ETL, 201)
    headers = {**AUTH, "Idempotency-Key": "night-1"}
    first = api.call("POST", f"/workflows/{wf['id']}/trigger", {"input": {"day": "mon"}}, headers)
    again = api.call("POST", f"/workflows/{wf['id']}/trigger", {"input": {"day": "tue"}}, headers)
    assert first[0] == again[0] == 202 and first[1]["id"] == again[1]["id"]
    code, answer = api.call(
        "POST", f"/workflows/{wf['id']}/trigger", {"run_at": "2026-01-01T00:00:00Z", "delay_ms": 5}
    )
    assert (code, answer["error"]["fields"]) == (
        400,
        {"delay_ms": "not allowed together with run_at"},
    )


def test_a_read_key_may_look_but_not_trigger_and_changes_are_audited(api: Api, engine: Engine):
    wf = api.ok("POST", "/workflows", ETL, 201)
    reader = api.ok("POST", "/keys", {"name": "reader", "scope": "read"}, 201)
    as_reader = {**AUTH, "Authorization": f"Bearer {reader['key']}"}
    assert api.call("GET", f"/workflows/{wf['id']}", headers=as_reader)[0] == 200
    code, answer = api.call("POST", f"/workflows/{wf['id']}/trigger", None, as_reader)
    assert (code, answer["error"]["code"]) == (403, "forbidden")
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", {"input": {"day": "mon"}}, 202)
    api.ok("POST", f"/workflow-runs/{run['id']}/cancel")
    code, _ = api.call("POST", f"/workflow-runs/{run['id']}/cancel")
    assert code == 409
    api.ok("POST", f"/workflow-runs/{run['id']}/retry", None, 202)
    api.ok("DELETE", f"/workflows/{wf['id']}", None, 204)
    entries = api.ok("GET", "/audit")["items"]
    logged = [(e["action"], e["target_type"]) for e in entries if "workflow" in e["target_type"]]
    assert logged == [
        ("delete", "workflow"),
        ("retry", "workflow_run"),
        ("cancel", "workflow_run"),
        ("trigger", "workflow"),
        ("create", "workflow"),
    ]
    assert api.call("GET", f"/workflow-runs/{run['id']}")[0] == 404


def test_cancelling_a_steps_execution_ends_its_run(api: Api, engine: Engine):
    slow = {
        "name": "slow",
        "steps": [
            {"id": "wait", "handler": "test.delay", "payload": {"durationMs": 60_000}},
            {"id": "next", "handler": "test.echo", "after": ["wait"]},
        ],
    }
    wf = api.ok("POST", "/workflows", slow, 201)
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", None, 202)
    (eid,) = run["steps"][0]["execution_ids"]
    api.ok("POST", f"/executions/{eid}/cancel")
    ended = api.ok("GET", f"/workflow-runs/{run['id']}")
    assert ended["status"] == "CANCELLED"
    assert [(s["status"], s["reason"]) for s in ended["steps"]] == [
        ("CANCELLED", "its execution was cancelled"),
        ("SKIPPED", "upstream step 'wait' CANCELLED"),
    ]


def test_a_failed_steps_execution_retries_with_its_run_not_alone(api: Api, engine: Engine):
    body = {
        "name": "fails",
        "steps": [
            {
                "id": "a",
                "handler": "test.delay",
                "max_retries": 0,
                "payload": {"durationMs": 0, "shouldFail": True},
            }
        ],
    }
    wf = api.ok("POST", "/workflows", body, 201)
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", None, 202)
    ended = _ended(api, engine, run["id"])
    assert ended["status"] == "FAILED"
    (eid,) = ended["steps"][0]["execution_ids"]
    code, answer = api.call("POST", f"/executions/{eid}/retry")
    assert code == 409 and f"/workflow-runs/{run['id']}/retry" in answer["error"]["message"]
    (entry,) = api.ok("GET", "/dead-letter")["items"]
    assert api.call("POST", f"/dead-letter/{entry['id']}/redrive")[0] == 409
    assert api.ok("POST", f"/workflow-runs/{run['id']}/retry", None, 202)["status"] == "RUNNING"
    assert api.ok("GET", "/dead-letter")["total"] == 0


def test_a_read_key_sees_step_secrets_redacted_and_the_log_never_holds_them(api: Api):
    secret = {
        "name": "hooks",
        "steps": [
            {
                "id": "call",
                "handler": "http.webhook",
                "payload": {
                    "url": "https://example.com/hook",
                    "headers": {"Authorization": "Bearer s3cr3t"},
                },
            }
        ],
    }
    wf = api.ok("POST", "/workflows", secret, 201)
    assert wf["steps"][0]["payload"]["headers"]["Authorization"] == "Bearer s3cr3t"
    reader = api.ok("POST", "/keys", {"name": "reader", "scope": "read"}, 201)
    as_reader = {**AUTH, "Authorization": f"Bearer {reader['key']}"}
    code, seen = api.call("GET", f"/workflows/{wf['id']}", headers=as_reader)
    assert code == 200 and "s3cr3t" not in str(seen)
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", {"input": {"token": "t0k"}}, 202)
    code, seen = api.call("GET", f"/workflow-runs/{run['id']}", headers=as_reader)
    assert code == 200 and "t0k" not in str(seen)
    rows = [e for e in api.ok("GET", "/audit")["items"] if e["target_type"] == "workflow"]
    assert rows and "s3cr3t" not in str(rows) and "t0k" not in str(rows)


def test_workflow_runs_by_status_are_in_the_metrics(api: Api, engine: Engine):
    wf = api.ok("POST", "/workflows", ETL, 201)
    run = api.ok("POST", f"/workflows/{wf['id']}/trigger", {"input": {"day": "mon"}}, 202)
    assert _ended(api, engine, run["id"])["status"] == "SUCCEEDED"
    api.ok("POST", f"/workflows/{wf['id']}/trigger", {"delay_ms": 60_000}, 202)
    by_status = api.ok("GET", "/metrics")["workflow_runs"]["by_status"]
    assert by_status == {"PENDING": 1, "RUNNING": 0, "SUCCEEDED": 1, "FAILED": 0, "CANCELLED": 0}
    response = api.client.http.get("/api/v1/metrics?format=prometheus", headers=AUTH)
    text = response.body.decode()
    assert 'jobsched_workflow_runs{status="SUCCEEDED"} 1' in text
    assert 'jobsched_workflow_runs{status="PENDING"} 1' in text


def test_the_runs_list_pages_newest_first(api: Api, engine: Engine):
    wf = api.ok("POST", "/workflows", ETL, 201)
    ids = []
    for _ in range(3):
        ids.append(api.ok("POST", f"/workflows/{wf['id']}/trigger", None, 202)["id"])
        engine.clock.advance(seconds=1)
    first = api.ok("GET", f"/workflows/{wf['id']}/runs?limit=2")
    assert [r["id"] for r in first["items"]] == ids[:0:-1] and first["total"] == 3
    rest = api.ok("GET", f"/workflows/{wf['id']}/runs?limit=2&cursor={first['next_cursor']}")
    assert [r["id"] for r in rest["items"]] == ids[:1] and rest["next_cursor"] is None
    assert all(len(r["steps"]) == 4 for r in first["items"] + rest["items"])
    code, answer = api.call("GET", f"/workflows/{wf['id']}/runs?cursor=nope")
    assert (code, list(answer["error"]["fields"])) == (400, ["cursor"])


def test_a_workflows_internal_job_takes_no_trigger_of_the_jobs_api(api: Api, engine: Engine):
    """The job a workflow keeps for its steps is no job of /jobs: a trigger of it, one
    run (trigger_one) or a batch (trigger_unread), is a 404 and writes no run."""
    wf = api.ok("POST", "/workflows", ETL, 201)
    with engine.store.tx() as conn:
        found = conn.execute("SELECT id FROM jobs WHERE workflow_id = %s", (wf["id"],))
        internal = str(found.fetchone()["id"])
    for body in (None, {"runs": [{}, {}]}):
        status, _ = api.call("POST", f"/jobs/{internal}/trigger", body)
        assert status == 404, body
    with engine.store.tx() as conn:
        n = conn.execute("SELECT count(*) AS n FROM executions WHERE job_id = %s", (internal,))
        assert n.fetchone()["n"] == 0
