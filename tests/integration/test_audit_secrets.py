"""The audit log cannot be blinded, and secrets are not for every reader (issue 20):
a padded payload still shows in the log where its run sends and what it runs; a
webhook's credentials are never stored in the log, nor shown to read keys in jobs,
runs or the log (entries from before included). Through the Chalice app over real
Redis and PostgreSQL."""

from __future__ import annotations

import json

from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.test_access import bearer, new_key
from tests.integration.test_api import Api

api = test_api.api

SECRET = "Bearer s3cret-value"
HOOK = {
    "url": "https://93.184.215.14/hook",
    "method": "POST",
    "headers": {"Authorization": SECRET, "Accept": "application/json"},
    "body": {"event": "nightly"},
}


def hook_job(api: Api) -> dict:
    body = {"name": "hook", "handler": "http.webhook", "payload": HOOK}
    return api.ok("POST", "/jobs", body, 201)


def read_as(api: Api, key: str, path: str) -> str:
    code, body = api.call("GET", path, headers=bearer(key))
    assert code == 200, body
    return json.dumps(body)


def test_a_read_key_never_sees_a_webhooks_credentials(api: Api) -> None:
    job = hook_job(api)
    reader, operator = new_key(api, "read")["key"], new_key(api, "operate")["key"]
    run = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    for path in (
        "/jobs",
        f"/jobs/{job['id']}",
        f"/jobs/{job['id']}?include=executions",
        f"/jobs/{job['id']}/executions",
        "/executions",
        f"/executions/{run['id']}",
        "/audit",
    ):
        text = read_as(api, reader, path)
        assert "s3cret" not in text, path
    shown = json.loads(read_as(api, reader, f"/jobs/{job['id']}"))["payload"]
    assert shown["headers"] == {"Authorization": "<redacted>", "Accept": "application/json"}
    assert shown["url"] == HOOK["url"]
    # An operate key sees the payload whole (a trigger override resends it).
    assert json.loads(read_as(api, operator, f"/jobs/{job['id']}"))["payload"] == HOOK


def test_the_audit_log_never_stores_a_secret(api: Api, engine: Engine) -> None:
    job = hook_job(api)
    api.ok("PUT", f"/jobs/{job['id']}", {"payload": {**HOOK, "body": {"event": "x"}}})
    api.ok("POST", f"/jobs/{job['id']}/trigger", {"payload": HOOK}, 202)
    with engine.store.tx() as conn:
        stored = conn.execute("SELECT changes::text AS t FROM audit_log").fetchall()
    assert len(stored) == 3
    assert not [r for r in stored if "s3cret" in r["t"]]


def test_entries_written_before_redaction_are_listed_without_secrets(
    api: Api, engine: Engine
) -> None:
    hook_job(api)
    with engine.store.tx() as conn:  # as an older release wrote it
        conn.execute(
            "UPDATE audit_log SET changes = jsonb_set(changes, '{payload,after}', %s::jsonb)",
            (json.dumps(HOOK),),
        )
    (entry,) = api.ok("GET", "/audit")["items"]
    assert entry["changes"]["payload"]["after"]["headers"]["Authorization"] == "<redacted>"


def test_a_padded_override_still_shows_where_the_run_sends(api: Api) -> None:
    job = hook_job(api)
    padded = {**HOOK, "url": "https://93.184.215.15/elsewhere", "body": {"pad": "x" * 20_000}}
    api.ok("POST", f"/jobs/{job['id']}/trigger", {"payload": padded}, 202)
    (entry,) = api.ok("GET", "/audit?action=trigger")["items"]
    (run,) = entry["changes"]["overrides"]["after"]
    assert run["payload"]["truncated"] is True
    assert run["payload"]["kept"] == {"url": padded["url"], "method": "POST"}
