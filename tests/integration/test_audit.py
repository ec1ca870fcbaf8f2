"""The audit log through the Chalice app over real Redis and PostgreSQL: every change
made through the API writes exactly one entry naming the caller's key id (never the
key), refused changes write none, and GET /audit filters and pages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from chalice.test import Client

from jobsched.api import cursors
from jobsched.errors import DependencyError
from jobsched.runtime import Runtime, set_runtime
from jobsched.store import audit as audit_store
from tests.integration.engine import Engine

ALICE = "alice-secret-key-0123456789abcdef"
BOB = "bob-secret-key-fedcba9876543210"


def key_id(key: str) -> str:
    return "env-" + hashlib.sha256(key.encode()).hexdigest()[:12]


class Api:
    def __init__(self, client: Client) -> None:
        self.client = client

    def call(self, method: str, path: str, body: Any = None, key: str = ALICE) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        response = self.client.http.request(
            method,
            "/api/v1" + path,
            headers=headers,
            body=None if body is None else json.dumps(body),
        )
        return response.status_code, json.loads(response.body) if response.body else None

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, key: str = ALICE):
        code, payload = self.call(method, path, body, key)
        assert code == status, payload
        return payload

    def audit(self, query: str = "") -> list[dict[str, Any]]:
        return self.ok("GET", "/audit" + (f"?{query}" if query else ""))["items"]


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    from app.app import app

    rt = Runtime(replace(engine.settings, api_keys=(ALICE, BOB)), engine.clock)
    rt.__dict__.update(store=engine.store, queue=engine.queue, registry=engine.registry)
    rt.__dict__["service"] = engine.service
    set_runtime(rt)
    with Client(app) as client:
        yield Api(client)
    set_runtime(None)


def new_job(api: Api, **extra: Any) -> dict[str, Any]:
    body = {"name": "report", "handler": "test.echo", "payload": {"a": 1}, **extra}
    return api.ok("POST", "/jobs", body, 201)


def dead_lettered(api: Api, engine: Engine, runs: int) -> list[dict[str, Any]]:
    job = new_job(
        api, handler="test.delay", max_retries=0, payload={"durationMs": 0, "shouldFail": True}
    )
    api.ok("POST", f"/jobs/{job['id']}/trigger", {"runs": [{}] * runs}, 202)
    engine.run_until(lambda: api.ok("GET", "/dead-letter")["total"] == runs)
    return api.ok("GET", "/dead-letter")["items"]


def test_each_job_change_is_one_entry_with_the_callers_key_id_and_what_changed(
    api: Api, engine: Engine
) -> None:
    job = new_job(api, schedule="0 6 * * *")
    jid = job["id"]
    created = api.audit()
    assert len(created) == 1
    entry = created[0]
    assert (entry["key_id"], entry["action"], entry["target_type"], entry["target_id"]) == (
        key_id(ALICE),
        "create",
        "job",
        jid,
    )
    assert entry["changes"]["name"] == {"after": "report"}
    assert entry["changes"]["payload"] == {"after": {"a": 1}}
    assert entry["changes"]["schedule"] == {"after": "0 6 * * *"}

    api.ok("PUT", f"/jobs/{jid}", {"priority": 80, "payload": {"a": 2}}, key=BOB)
    api.ok("POST", f"/jobs/{jid}/pause")
    api.ok("POST", f"/jobs/{jid}/resume", key=BOB)
    one = api.ok("POST", f"/jobs/{jid}/trigger", {"payload": {"x": 1}, "priority": 90}, 202)
    many = api.ok("POST", f"/jobs/{jid}/trigger", {"runs": [{}, {}]}, 202)
    api.ok("POST", f"/executions/{one['id']}/cancel", key=BOB)
    api.ok("POST", f"/executions/{one['id']}/retry", None, 202)
    api.ok("DELETE", f"/jobs/{jid}", status=204, key=BOB)

    entries = api.audit()
    assert [(e["action"], e["key_id"]) for e in entries] == [  # newest first
        ("delete", key_id(BOB)),
        ("retry", key_id(ALICE)),
        ("cancel", key_id(BOB)),
        ("trigger", key_id(ALICE)),
        ("trigger", key_id(ALICE)),
        ("resume", key_id(BOB)),
        ("pause", key_id(ALICE)),
        ("update", key_id(BOB)),
        ("create", key_id(ALICE)),
    ]
    by_action = {e["action"]: e for e in reversed(entries)}  # the first trigger wins
    assert by_action["update"]["changes"] == {
        "priority": {"before": 50, "after": 80},
        "payload": {"before": {"a": 1}, "after": {"a": 2}},
    }
    assert by_action["pause"]["changes"] == {"status": {"before": "SCHEDULED", "after": "PAUSED"}}
    assert by_action["resume"]["changes"] == {"status": {"before": "PAUSED", "after": "SCHEDULED"}}
    assert entries[4]["changes"] == {
        "executions": {"after": [one["id"]]},
        "overrides": {"after": [{"payload": {"x": 1}, "priority": 90}]},
    }
    assert entries[3]["changes"] == {"executions": {"after": [e["id"] for e in many["items"]]}}
    assert (by_action["cancel"]["target_type"], by_action["cancel"]["target_id"]) == (
        "execution",
        one["id"],
    )
    assert by_action["cancel"]["changes"] == {"status": {"before": "QUEUED", "after": "CANCELLED"}}
    assert by_action["retry"]["changes"] == {"status": {"before": "CANCELLED", "after": "PENDING"}}
    assert by_action["delete"]["changes"]["name"] == {"before": "report"}
    assert by_action["delete"]["changes"]["priority"] == {"before": 80}
    # The job is gone; its history is not.
    assert len(api.audit(f"target_id={jid}")) == 7


def test_redrive_and_dead_letter_delete_are_audited(api: Api, engine: Engine) -> None:
    first, second = dead_lettered(api, engine, 2)
    api.ok("POST", f"/dead-letter/{first['id']}/redrive", None, 202, key=BOB)
    api.ok("DELETE", f"/dead-letter/{second['id']}", status=204)

    deleted, redriven = api.audit()[:2]
    assert (redriven["action"], redriven["key_id"]) == ("redrive", key_id(BOB))
    assert (redriven["target_type"], redriven["target_id"]) == ("execution", first["execution_id"])
    assert redriven["changes"] == {
        "status": {"before": "FAILED", "after": "PENDING"},
        "dead_letter_id": {"before": first["id"], "after": None},
    }
    assert (deleted["action"], deleted["key_id"]) == ("dlq_delete", key_id(ALICE))
    assert (deleted["target_type"], deleted["target_id"]) == ("dead_letter", second["id"])
    assert deleted["changes"]["execution_id"] == {"before": second["execution_id"]}
    assert deleted["changes"]["error"] == {"before": "test.delay failed as asked"}


def test_refused_and_empty_changes_write_no_entry(api: Api, engine: Engine) -> None:
    job = new_job(api)
    jid = job["id"]
    execution = api.ok("POST", f"/jobs/{jid}/trigger", None, 202)
    api.ok("POST", f"/executions/{execution['id']}/cancel")
    before = api.audit()
    missing = "00000000-0000-0000-0000-000000000000"
    refused = [
        ("POST", "/jobs", {"name": "x", "handler": "test.echo", "priority": 500}, 400),
        ("POST", "/jobs", {"name": "report", "handler": "test.echo"}, 409),
        ("PUT", f"/jobs/{jid}", {"timezone": "Mars/Olympus"}, 400),
        ("PUT", f"/jobs/{missing}", {"priority": 1}, 404),
        ("DELETE", f"/jobs/{missing}", None, 404),
        ("POST", f"/jobs/{missing}/pause", None, 404),
        ("POST", f"/jobs/{jid}/trigger", {"priority": -1}, 400),
        ("POST", f"/executions/{execution['id']}/cancel", None, 409),
        ("POST", f"/executions/{missing}/retry", None, 404),
        ("POST", f"/dead-letter/{missing}/redrive", None, 404),
        ("DELETE", f"/dead-letter/{missing}", None, 404),
    ]
    for method, path, body, status in refused:
        assert api.call(method, path, body)[0] == status, (method, path)
    api.ok("POST", f"/jobs/{jid}/pause")
    api.ok("POST", f"/jobs/{jid}/trigger", None, 409)  # paused: refused
    api.ok("POST", f"/jobs/{jid}/pause")  # already paused: nothing changes
    api.ok("PUT", f"/jobs/{jid}", {"priority": 50, "payload": {"a": 1}})  # same values

    after = api.audit()
    assert after[1:] == before
    assert after[0]["action"] == "pause"


def _backfill_body(engine: Engine) -> dict[str, str]:
    now = engine.clock.now()
    return {"start": (now - timedelta(hours=3)).isoformat(), "end": now.isoformat()}


def test_a_backfill_is_one_entry_naming_its_runs_and_range(api: Api, engine: Engine) -> None:
    job = new_job(api, schedule="0 * * * *")
    body = _backfill_body(engine)
    written = api.ok("POST", f"/jobs/{job['id']}/backfill", body, 202)
    entry = api.audit("action=backfill")[0]
    assert (entry["target_type"], entry["target_id"]) == ("job", job["id"])
    assert entry["changes"]["executions"] == {"after": [e["id"] for e in written["items"]]}
    assert len(written["items"]) == 3
    assert set(entry["changes"]["range"]["after"]) == {"start", "end"}


CHANGES = [
    "create",
    "update",
    "pause",
    "delete",
    # not "trigger": its entry is written by the same statement as its runs
    # (insert_triggered), so one cannot fail without the other; a failed trigger write
    # leaving nothing is test_single_trigger.py's.
    "backfill",
    "cancel",
    "retry",
    "dlq_delete",
    "key_create",
    "key_revoke",
]


@pytest.mark.parametrize("action", CHANGES)
def test_a_change_is_never_committed_without_its_entry(
    api: Api, engine: Engine, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """The use case writes the entry in the transaction of its change: when writing
    the entry fails, the change is rolled back too (and the caller told 503)."""
    job = new_job(api, name="hourly", schedule="0 * * * *")
    jid = job["id"]
    execution = api.ok("POST", f"/jobs/{jid}/trigger", None, 202)
    entry = dead_lettered(api, engine, 1)[0] if action in ("retry", "dlq_delete") else None
    key = api.ok("POST", "/keys", {"name": "k", "scope": "read"}, 201)
    state = {
        "jobs": lambda: api.ok("GET", "/jobs")["items"],
        "runs": lambda: api.ok("GET", "/executions")["items"],
        "dead letter": lambda: api.ok("GET", "/dead-letter")["items"],
        "keys": lambda: api.ok("GET", "/keys")["items"],
    }
    before = {name: read() for name, read in state.items()}
    entries = api.audit()
    requests = {
        "create": ("POST", "/jobs", {"name": "other", "handler": "test.echo"}),
        "update": ("PUT", f"/jobs/{jid}", {"priority": 80}),
        "pause": ("POST", f"/jobs/{jid}/pause", None),
        "delete": ("DELETE", f"/jobs/{jid}", None),
        "trigger": ("POST", f"/jobs/{jid}/trigger", None),
        "backfill": ("POST", f"/jobs/{jid}/backfill", _backfill_body(engine)),
        "cancel": ("POST", f"/executions/{execution['id']}/cancel", None),
        "retry": ("POST", f"/executions/{entry and entry['execution_id']}/retry", None),
        "dlq_delete": ("DELETE", f"/dead-letter/{entry and entry['id']}", None),
        "key_create": ("POST", "/keys", {"name": "other", "scope": "read"}),
        "key_revoke": ("DELETE", f"/keys/{key['id']}", None),
    }

    def broken_write(*args: Any) -> None:
        raise DependencyError("PostgreSQL unavailable: connection lost")

    monkeypatch.setattr(audit_store, "record", broken_write)
    code, _ = api.call(*requests[action])
    assert code == 503
    monkeypatch.undo()
    assert {name: read() for name, read in state.items()} == before
    assert api.audit() == entries
    # With the log writable again, the same change lands with its one entry.
    code, _ = api.call(*requests[action])
    assert code < 300
    after = api.audit()
    assert [e["action"] for e in after[: len(after) - len(entries)]] == [action]


def test_the_key_itself_is_never_recorded(api: Api, engine: Engine) -> None:
    job = new_job(api, payload={"note": "no secrets here"})
    api.ok("PUT", f"/jobs/{job['id']}", {"description": "changed"}, key=BOB)
    api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    code, body = api.call("GET", "/audit")
    assert code == 200 and len(body["items"]) == 3
    text = json.dumps(body)
    with engine.store.tx() as conn:
        text += "".join(r["t"] for r in conn.execute("SELECT audit_log::text AS t FROM audit_log"))
    for key in (ALICE, BOB):
        assert key not in text
        assert key[:8] not in text
    assert {e["key_id"] for e in body["items"]} == {key_id(ALICE), key_id(BOB)}


def test_big_payloads_are_recorded_by_size_and_digest(api: Api) -> None:
    small = new_job(api)
    big_payload = {"blob": "x" * 20_000}
    api.ok("PUT", f"/jobs/{small['id']}", {"payload": big_payload})
    (entry,) = api.audit("action=update")
    after = entry["changes"]["payload"]["after"]
    assert after["truncated"] is True
    assert after["bytes"] > 20_000
    assert len(after["sha256"]) == 64
    assert entry["changes"]["payload"]["before"] == {"a": 1}


def test_filters_and_paging(api: Api, engine: Engine) -> None:
    start = engine.clock.now()
    jobs = [new_job(api, name=f"job-{i}") for i in range(3)]
    engine.clock.advance(minutes=10)
    later = engine.clock.now()
    for job in jobs:
        api.ok("POST", f"/jobs/{job['id']}/pause", key=BOB)
    target = jobs[1]["id"]

    assert [e["action"] for e in api.audit("action=create")] == ["create"] * 3
    assert len(api.audit(f"key_id={key_id(BOB)}")) == 3
    assert {e["action"] for e in api.audit(f"target_type=job&target_id={target.upper()}")} == {
        "create",
        "pause",
    }
    assert api.audit("target_type=execution") == []
    assert len(api.audit(f"until={later.isoformat().replace('+00:00', 'Z')}")) == 3
    naive = later.replace(tzinfo=None).isoformat()  # no offset: taken as UTC
    assert [e["action"] for e in api.audit(f"since={naive}")] == ["pause"] * 3
    assert len(api.audit(f"since={start.isoformat().replace('+00:00', 'Z')}")) == 6

    seen: list[str] = []
    page = api.ok("GET", "/audit?limit=4")
    assert page["total"] == 6
    seen += [e["id"] for e in page["items"]]
    new_job(api, name="written-while-paging")  # does not shift the next page
    page = api.ok("GET", f"/audit?limit=4&cursor={page['next_cursor']}")
    seen += [e["id"] for e in page["items"]]
    assert page["next_cursor"] is None
    assert len(seen) == len(set(seen)) == 6
    assert [e["action"] for e in page["items"]] == ["create", "create"]

    past_bigint = cursors.encode_audit([2**63])
    for bad in (
        "action=launch",
        "target_type=worker",
        "since=yesterday",
        "until=2026-13-01",
        "limit=0",
        "cursor=zzz",
        f"cursor={past_bigint}",
        "key_id=" + "k" * 65,
        "key_id=%00",
        "target_id=a%00b",
        "target_id=%ED%A0%80",
    ):
        code, body = api.call("GET", f"/audit?{bad}")
        assert code == 400, bad
        assert list(body["error"]["fields"]) == [bad.split("=")[0]]


def test_cleanup_keeps_the_audit_log(api: Api, engine: Engine) -> None:
    job = new_job(api)
    api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    engine.run_until(lambda: api.ok("GET", "/executions?status=SUCCEEDED")["total"] == 1)
    removed = engine.store.retention.delete_executions_older_than(
        engine.clock.now() + timedelta(days=1)
    )
    assert removed == 1
    assert [e["action"] for e in api.audit()] == ["trigger", "create"]
