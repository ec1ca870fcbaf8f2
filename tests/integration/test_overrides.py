"""Payload overrides are a declared right (issue 20): a trigger by an ``operate`` key
may override only the payload fields its job's handler declares overridable; anything
else, and any field of a ``system.*`` handler, needs an ``admin`` key. Called through
the Chalice app over real Redis and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration import test_api
from tests.integration.test_access import bearer, new_key
from tests.integration.test_api import Api

api = test_api.api

WEBHOOK = {
    "url": "https://93.184.215.14/hook",
    "method": "POST",
    "headers": {"Authorization": "Bearer s3cret"},
    "body": {"event": "nightly"},
}


def make_job(api: Api, name: str, handler: str, payload: dict[str, Any]) -> str:
    body = {"name": name, "handler": handler, "payload": payload}
    return api.ok("POST", "/jobs", body, 201)["id"]


def runs_of(api: Api, job_id: str) -> int:
    return api.ok("GET", f"/jobs/{job_id}/executions")["total"]


def test_an_operate_key_cannot_shrink_the_cleanup_retention(api: Api) -> None:
    """The issue's case: system-cleanup triggered with retention_days 1e-9 would delete
    every finished run. Refused, naming the field, and nothing is queued."""
    job_id = make_job(api, "cleanup", "system.cleanup", {})
    operate = new_key(api, "operate")["key"]
    code, answer = api.call(
        "POST",
        f"/jobs/{job_id}/trigger",
        {"payload": {"retention_days": 1e-9}},
        headers=bearer(operate),
    )
    assert code == 403, answer
    assert answer["error"]["code"] == "forbidden"
    assert answer["error"]["required_scope"] == "admin"
    assert list(answer["error"]["fields"]) == ["payload.retention_days"]
    assert runs_of(api, job_id) == 0
    # Without an override, the operate key runs it as configured.
    code, _ = api.call("POST", f"/jobs/{job_id}/trigger", None, headers=bearer(operate))
    assert code == 202


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        ({"url": "https://93.184.215.15/elsewhere"}, ["payload.url"]),
        ({"method": "DELETE"}, ["payload.method"]),
        ({"headers": {"Authorization": "Bearer other"}}, ["payload.headers"]),
        ({"headers": None}, ["payload.headers"]),  # dropped: sent without them
    ],
    ids=["url", "method", "headers", "dropped-headers"],
)
def test_an_operate_key_cannot_redirect_a_webhook(
    api: Api, change: dict[str, Any], refused: list[str]
) -> None:
    job_id = make_job(api, "hook", "http.webhook", WEBHOOK)
    operate = new_key(api, "operate")["key"]
    payload = {k: v for k, v in {**WEBHOOK, **change}.items() if v is not None}
    code, answer = api.call(
        "POST", f"/jobs/{job_id}/trigger", {"payload": payload}, headers=bearer(operate)
    )
    assert code == 403, answer
    assert sorted(answer["error"]["fields"]) == refused
    assert runs_of(api, job_id) == 0


def test_an_operate_key_may_override_what_the_handler_declares(api: Api) -> None:
    job_id = make_job(api, "hook", "http.webhook", WEBHOOK)
    operate = new_key(api, "operate")["key"]
    payload = {**WEBHOOK, "body": {"event": "rerun"}, "timeout": 5000}
    code, answer = api.call(
        "POST", f"/jobs/{job_id}/trigger", {"payload": payload}, headers=bearer(operate)
    )
    assert code == 202, answer
    assert api.ok("GET", f"/executions/{answer['id']}")["payload"]["body"] == {"event": "rerun"}


def test_an_admin_key_may_override_any_field(api: Api) -> None:
    job_id = make_job(api, "hook", "http.webhook", WEBHOOK)
    admin = new_key(api, "admin")["key"]
    payload = {**WEBHOOK, "url": "https://93.184.215.15/elsewhere"}
    code, answer = api.call(
        "POST", f"/jobs/{job_id}/trigger", {"payload": payload}, headers=bearer(admin)
    )
    assert code == 202, answer


def test_a_batch_names_each_refused_run_and_writes_none(api: Api) -> None:
    job_id = make_job(api, "hook", "http.webhook", WEBHOOK)
    operate = new_key(api, "operate")["key"]
    runs = [
        {"payload": {**WEBHOOK, "body": {"n": 1}}},
        {"payload": {**WEBHOOK, "url": "https://93.184.215.15/x"}},
    ]
    code, answer = api.call(
        "POST", f"/jobs/{job_id}/trigger", {"runs": runs}, headers=bearer(operate)
    )
    assert code == 403, answer
    assert list(answer["error"]["fields"]) == ["runs[1].payload.url"]
    assert runs_of(api, job_id) == 0


def test_the_catalog_shows_what_each_handler_lets_operate_override(api: Api) -> None:
    items = {h["name"]: h["overridable"] for h in api.ok("GET", "/handlers")["items"]}
    assert items["system.cleanup"] == []
    assert items["shell.command"] == []
    assert set(items["http.webhook"]) == {"body", "timeout"}
    assert items["test.echo"] == ["*"]


def test_an_operate_key_cannot_edit_a_stored_payload(api: Api) -> None:
    """The stored payload is the other way to the same place: PUT /jobs needs admin."""
    job_id = make_job(api, "cleanup", "system.cleanup", {})
    operate = new_key(api, "operate")["key"]
    code, answer = api.call(
        "PUT", f"/jobs/{job_id}", {"payload": {"retention_days": 1}}, headers=bearer(operate)
    )
    assert code == 403, answer
    assert api.ok("GET", f"/jobs/{job_id}")["payload"] == {}
