"""The Chalice app in-process (chalice.test.Client) over real Redis and PostgreSQL.

Every route, its happy path and its error paths: 4xx bodies name the bad fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from chalice.test import Client

from jobsched.runtime import Runtime, set_runtime
from tests.integration.engine import Engine

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


class Api:
    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict | None = None,
        raw: str | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        response = self.client.http.request(
            method, "/api/v1" + path, headers=AUTH if headers is None else headers, body=data
        )
        if not response.body:
            return response.status_code, None
        text = response.headers.get("Content-Type", "").startswith("text/")
        payload = response.body.decode() if text else json.loads(response.body)
        return response.status_code, payload

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        code, payload = self.call(method, path, body)
        assert code == status, payload
        return payload


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    from app.app import app

    rt = Runtime(replace(engine.settings, api_keys=(KEY,)), engine.clock)
    rt.__dict__.update(store=engine.store, queue=engine.queue, registry=engine.registry)
    rt.__dict__["service"] = engine.service
    set_runtime(rt)
    with Client(app) as client:
        yield Api(client)
    set_runtime(None)


def job_body(**extra: Any) -> dict[str, Any]:
    return {"name": "nightly-report", "handler": "test.echo", "payload": {"a": 1}, **extra}


def test_health_needs_no_key_and_says_only_up_or_down(api: Api) -> None:
    code, body = api.call("GET", "/health", headers={})
    assert code == 200
    assert body == {"status": "ok"}


def test_health_details_need_a_valid_key(api: Api) -> None:
    code, body = api.call("GET", "/health")
    assert code == 200
    assert body["status"] == "ok"
    for name in ("postgres", "redis"):
        check = body["checks"][name]
        assert check["status"] == "ok", name
        assert check["latency_ms"] >= 0, name
    code, body = api.call("GET", "/health", headers={"Authorization": "Bearer wrong"})
    assert code == 401
    assert body["error"]["code"] == "unauthorized"


def test_a_flood_of_health_checks_probes_postgresql_once_per_second(
    api: Api, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    probes: list[float] = []
    real_ping = engine.store.ping

    def counting_ping(*args: Any, **kwargs: Any) -> bool:
        probes.append(1)
        return real_ping(*args, **kwargs)

    monkeypatch.setattr(engine.store, "ping", counting_ping)
    connections = engine.store.pool.get_stats()["connections_num"]
    for headers in ({}, AUTH) * 25:
        assert api.call("GET", "/health", headers=headers)[0] == 200
    assert len(probes) == 1, "50 checks within a second share one probe"
    assert engine.store.pool.get_stats()["connections_num"] == connections, "no new connection"
    engine.clock.advance(1.5)
    assert api.call("GET", "/health", headers={}) == (200, {"status": "ok"})
    assert len(probes) == 2, "a second later the answer is fresh again"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic dGVzdA=="},
        {"Authorization": "Bearer "},
    ],
)
def test_everything_else_needs_a_valid_key(api: Api, headers: dict) -> None:
    for path in ("/jobs", "/metrics", "/metrics/prometheus", "/workers", "/dead-letter"):
        code, body = api.call("GET", path, headers=headers)
        assert code == 401
        assert body["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_the_openapi_document_is_public(api: Api, headers: dict) -> None:
    """Client generators read the document from its URL, without a key."""
    code, spec = api.call("GET", "/openapi.json", headers=headers)
    assert code == 200
    assert spec["paths"]["/jobs"]["post"]["operationId"] == "createJob"


def test_job_lifecycle(api: Api, engine: Engine) -> None:
    job = api.ok("POST", "/jobs", job_body(schedule="0 6 * * *", timezone="Europe/Paris"), 201)
    assert job["status"] == "SCHEDULED"
    assert job["next_run_time"] is not None
    assert len(job["upcoming_runs"]) == 5
    assert all(t.endswith(("+01:00", "+02:00")) for t in job["upcoming_runs"])
    assert api.ok("GET", f"/jobs/{job['id']}")["name"] == "nightly-report"
    assert "executions" not in api.ok("GET", f"/jobs/{job['id']}")

    updated = api.ok("PUT", f"/jobs/{job['id']}", {"priority": 80, "description": "daily"})
    assert (updated["priority"], updated["description"], updated["name"]) == (
        80,
        "daily",
        "nightly-report",
    )
    paused = api.ok("POST", f"/jobs/{job['id']}/pause")
    assert (paused["status"], paused["next_run_time"]) == ("PAUSED", None)
    code, body = api.call("POST", f"/jobs/{job['id']}/trigger")
    assert (code, body["error"]["code"]) == (409, "conflict")
    resumed = api.ok("POST", f"/jobs/{job['id']}/resume")
    assert resumed["status"] == "SCHEDULED" and resumed["next_run_time"]

    execution = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    assert execution["status"] == "QUEUED"
    assert execution["priority"] == 80
    listed = api.ok("GET", f"/jobs/{job['id']}/executions")
    assert [e["id"] for e in listed["items"]] == [execution["id"]]
    detail = api.ok("GET", f"/jobs/{job['id']}?include=executions")
    assert [e["id"] for e in detail["executions"]["items"]] == [execution["id"]]
    assert api.call("GET", f"/jobs/{job['id']}?include=everything")[0] == 400
    code, body = api.call("GET", f"/jobs/{job['id']}?include=executions&executions_limit=500")
    assert (code, set(body["error"]["fields"])) == (400, {"executions_limit"})

    code, _ = api.call("DELETE", f"/jobs/{job['id']}")
    assert code == 204
    assert api.call("GET", f"/jobs/{job['id']}")[0] == 404
    assert engine.queue.depth()["ready"] == 0  # its queued run left the queue too


def test_trigger_overrides_and_batches(api: Api, engine: Engine) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    one = api.ok("POST", f"/jobs/{job['id']}/trigger", {"payload": {"x": 2}, "priority": 99}, 202)
    assert (one["payload"], one["priority"]) == ({"x": 2}, 99)
    many = api.ok(
        "POST",
        f"/jobs/{job['id']}/trigger",
        {"runs": [{"payload": {"n": i}} for i in range(25)]},
        202,
    )
    assert many["total"] == 25
    assert engine.queue.depth()["ready"] == 26
    assert engine.queue.ready_ids()[0] == one["id"]  # priority 99 first


def test_create_errors_name_every_bad_field(api: Api) -> None:
    code, body = api.call(
        "POST",
        "/jobs",
        {
            "name": "",
            "handler": "nope",
            "priority": 500,
            "schedule": "* *",
            "timezone": "X/Y",
            "extra": True,
            "overlap_policy": "sometimes",
        },
    )
    assert code == 400
    assert body["error"]["code"] == "validation_error"
    assert set(body["error"]["fields"]) == {
        "name",
        "handler",
        "priority",
        "schedule",
        "timezone",
        "extra",
        "overlap_policy",
    }


@pytest.mark.parametrize(
    ("raw", "field"),
    [("{not json", "body"), ("[1, 2]", "body"), ("", "body"), ("null", "body")],
)
def test_malformed_bodies_are_400(api: Api, raw: str, field: str) -> None:
    code, body = api.call("POST", "/jobs", raw=raw)
    assert code == 400
    assert field in body["error"]["fields"]


def test_payload_must_fit_the_handler(api: Api) -> None:
    code, body = api.call("POST", "/jobs", job_body(handler="http.webhook", payload={}))
    assert code == 400
    assert "payload.url" in body["error"]["fields"]
    code, body = api.call(
        "POST", "/jobs", job_body(handler="shell.command", payload={"command": "rm"})
    )
    assert code == 400
    assert "payload.command" in body["error"]["fields"]


def test_a_shell_payload_setting_a_bash_function_is_refused_naming_it(api: Api) -> None:
    payload = {"command": "backup.sh", "env": {"BASH_FUNC_echo%%": "() { env; }"}}
    code, body = api.call("POST", "/jobs", job_body(handler="shell.command", payload=payload))
    assert code == 400
    assert "payload.env.BASH_FUNC_echo%%" in body["error"]["fields"]
    assert api.ok("GET", "/jobs")["total"] == 0


def test_duplicate_names_conflict(api: Api) -> None:
    api.ok("POST", "/jobs", job_body(), 201)
    code, body = api.call("POST", "/jobs", job_body())
    assert code == 409
    assert body["error"]["fields"] == {"name": "already exists"}


def test_failed_create_writes_nothing(api: Api) -> None:
    api.call("POST", "/jobs", job_body(priority=-1))
    assert api.ok("GET", "/jobs")["total"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/nope",
        "/jobs/00000000-0000-0000-0000-000000000000",
        "/executions/42",
        "/dead-letter/00000000-0000-0000-0000-000000000000",
    ],
)
def test_unknown_ids_are_404(api: Api, path: str) -> None:
    code, body = api.call("GET", path)
    assert code == 404
    assert body["error"]["code"] == "not_found"


def test_list_filters_sorting_and_pagination(api: Api) -> None:
    for i in range(7):
        api.ok(
            "POST",
            "/jobs",
            job_body(
                name=f"job-{i}",
                priority=i * 10,
                handler="test.log" if i % 2 else "test.echo",
                payload={"message": "m"} if i % 2 else {},
            ),
            201,
        )
    api.ok("POST", f"/jobs/{api.ok('GET', '/jobs?name=job-3')['items'][0]['id']}/pause")
    assert api.ok("GET", "/jobs?status=PAUSED")["total"] == 1
    assert api.ok("GET", "/jobs?handler=test.log")["total"] == 3
    first = api.ok("GET", "/jobs?sort=-priority&limit=3")
    assert [j["name"] for j in first["items"]] == ["job-6", "job-5", "job-4"]
    assert first["total"] == 7
    second = api.ok("GET", f"/jobs?sort=-priority&limit=3&cursor={first['next_cursor']}")
    assert [j["name"] for j in second["items"]] == ["job-3", "job-2", "job-1"]
    third = api.ok("GET", f"/jobs?sort=-priority&limit=3&cursor={second['next_cursor']}")
    assert third["next_cursor"] is None and len(third["items"]) == 1
    for bad in ("status=DONE", "limit=0", "limit=abc", "sort=colour", "cursor=zzz"):
        code, body = api.call("GET", f"/jobs?{bad}")
        assert code == 400, bad
        assert bad.split("=")[0] in body["error"]["fields"]


def test_cancel_and_retry(api: Api, engine: Engine) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    execution = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    cancelled = api.ok("POST", f"/executions/{execution['id']}/cancel")
    assert cancelled["status"] == "CANCELLED"
    # No worker runs a cancelled execution: it left the queue, and a claim finds nothing.
    assert engine.queue.depth()["ready"] == 0
    assert engine.worker().run_once(engine.clock.now()) == 0
    assert engine.status(execution["id"]) == "CANCELLED"
    code, body = api.call("POST", f"/executions/{execution['id']}/cancel")
    assert (code, body["error"]["code"]) == (409, "conflict")
    retried = api.ok("POST", f"/executions/{execution['id']}/retry", None, 202)
    assert retried["status"] == "QUEUED"
    engine.run_until(lambda: engine.status(execution["id"]) == "SUCCEEDED")
    code, _ = api.call("POST", f"/executions/{execution['id']}/retry")
    assert code == 409  # succeeded runs are not retried


def test_dead_letter_inspect_redrive_delete(api: Api, engine: Engine) -> None:
    job = api.ok(
        "POST",
        "/jobs",
        job_body(
            handler="test.delay", max_retries=0, payload={"durationMs": 0, "shouldFail": True}
        ),
        201,
    )
    first = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    second = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    engine.run_until(lambda: api.ok("GET", "/dead-letter")["total"] == 2)
    entries = api.ok("GET", "/dead-letter")["items"]
    by_exec = {e["execution_id"]: e for e in entries}
    entry = api.ok("GET", f"/dead-letter/{by_exec[first['id']]['id']}")
    assert entry["error"] == "test.delay failed as asked"
    assert entry["job_name"] == "nightly-report"
    redriven = api.ok("POST", f"/dead-letter/{entry['id']}/redrive", None, 202)
    assert redriven["id"] == first["id"] and redriven["status"] == "QUEUED"
    assert api.call("DELETE", f"/dead-letter/{by_exec[second['id']]['id']}")[0] == 204
    assert api.ok("GET", "/dead-letter")["total"] == 0
    assert api.ok("GET", f"/executions/{second['id']}")["status"] == "FAILED"


def test_metrics_workers_and_openapi(api: Api, engine: Engine) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    worker = engine.worker("metrics-worker")
    engine.run_until(lambda: api.ok("GET", "/metrics")["executions"]["by_status"]["SUCCEEDED"])
    worker.heartbeat(engine.clock.now())
    metrics = api.ok("GET", "/metrics")
    assert metrics["jobs"]["total"] == 1
    empty = {"ready": 0, "in_flight": 0, "delayed": 0}
    assert metrics["queue"] == {**empty, "pools": {"default": empty}}
    assert metrics["leader"]["id"] == engine.settings.scheduler_instance_id
    assert metrics["throughput"]["last_minute"] == 1
    workers = api.ok("GET", "/workers")["items"]
    assert [w["id"] for w in workers] == ["metrics-worker"]
    assert workers[0]["capacity"] == engine.settings.max_concurrent_jobs
    assert workers[0]["pools"] == ["default"]
    assert "test.echo" in workers[0]["handlers"]
    buckets = api.ok("GET", "/metrics/executions?window_s=600&bucket_s=60")["buckets"]
    assert sum(b["succeeded"] for b in buckets) == 1
    code, body = api.call("GET", "/metrics/executions?window_s=10")
    assert code == 400 and "window_s" in body["error"]["fields"]
    spec = api.ok("GET", "/openapi.json")
    assert spec["openapi"].startswith("3.")


def test_requests_chalice_refuses_get_the_same_error_shape(api: Api) -> None:
    headers = {**AUTH, "Content-Type": "text/csv"}
    code, body = api.call("POST", "/jobs", raw="a,b", headers=headers)
    assert code == 415
    assert body["error"]["code"] == "unsupported_media_type"
    code, body = api.call("PATCH", "/jobs")
    assert code == 405
    assert body["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("cluster", [False, True], ids=["single", "cluster"])
def test_health_is_503_when_a_dependency_is_down(engine: Engine, cluster: bool) -> None:
    from app.app import app
    from jobsched.queue import RedisQueue
    from jobsched.queue.redis_queue import connect
    from jobsched.service import JobService

    # REDIS_CLUSTER=true: no node answers (the cluster client is made before it fails).
    dead = connect("redis://127.0.0.1:1/0", cluster=cluster)
    dead_redis = RedisQueue(dead, engine.queue.keys.prefix)
    rt = Runtime(replace(engine.settings, api_keys=(KEY,)), engine.clock)
    service = JobService(engine.store, dead_redis, engine.registry, engine.settings, engine.clock)
    rt.__dict__.update(store=engine.store, queue=dead_redis, service=service)
    set_runtime(rt)
    try:
        with Client(app) as client:
            response = client.http.get("/api/v1/health")
            assert response.status_code == 503
            assert json.loads(response.body) == {"status": "unavailable"}
            response = client.http.get("/api/v1/health", headers=AUTH)
            assert response.status_code == 503
            checks = json.loads(response.body)["checks"]
            assert (checks["postgres"]["status"], checks["redis"]["status"]) == (
                "ok",
                "unavailable",
            )
            # Other endpoints that need Redis say so with a 503, not a 500.
            response = client.http.get("/api/v1/metrics", headers=AUTH)
            assert response.status_code == 503
            error = json.loads(response.body)["error"]
            assert error["code"] == "dependency_unavailable"
            # The driver's text names internal hosts and ports: logs only, never the body.
            assert error["message"] == "Redis unavailable"
            assert "127.0.0.1" not in response.body.decode() and ":1" not in error["message"]
            # Triggering still works: the run is recorded QUEUED for the tick to push.
            job = json.loads(
                client.http.post("/api/v1/jobs", headers=AUTH, body=json.dumps(job_body())).body
            )
            response = client.http.post(f"/api/v1/jobs/{job['id']}/trigger", headers=AUTH)
            assert response.status_code == 202
            run = json.loads(response.body)
            assert run["status"] == "QUEUED"
            assert [(r["id"], r["priority"]) for r in engine.store.outbox.unfinished()] == [
                (run["id"], run["priority"])
            ]
    finally:
        set_runtime(None)


def test_public_health_names_no_host_when_postgresql_is_down(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone may call /health: it must not hand out internal host names or driver text."""
    from app.app import app
    from jobsched import service as service_module
    from jobsched.service import JobService
    from jobsched.store import Store

    monkeypatch.setattr(service_module, "HEALTH_TIMEOUT_S", 0.2)
    dead_store = Store("postgresql://scheduler@db-primary.internal.invalid:5432/jobsched")
    rt = Runtime(replace(engine.settings, api_keys=(KEY,)), engine.clock)
    service = JobService(dead_store, engine.queue, engine.registry, engine.settings, engine.clock)
    rt.__dict__.update(store=dead_store, queue=engine.queue, service=service)
    set_runtime(rt)
    try:
        with Client(app) as client:
            response = client.http.get("/api/v1/health")
            assert response.status_code == 503
            assert json.loads(response.body) == {"status": "unavailable"}
            response = client.http.get("/api/v1/health", headers=AUTH)
            assert response.status_code == 503
            body = json.loads(response.body)
            assert body["checks"]["postgres"]["status"] == "unavailable"
            assert body["checks"]["redis"]["status"] == "ok"
            assert b"db-primary" not in response.body, "not even key holders get host names"
    finally:
        set_runtime(None)
        dead_store.close()
