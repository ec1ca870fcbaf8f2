"""Scopes as tables: the order of scopes, and the scope each route needs (the
contract's list, and what the OpenAPI document says of it)."""

from __future__ import annotations

import pytest

from jobsched.api.openapi import OPERATIONS, openapi_document
from jobsched.domain.access import allows, forbidden_overrides, route_scope

KEYED = [op for op in OPERATIONS if not op.public]


@pytest.mark.parametrize(
    ("have", "need", "allowed"),
    [
        ("read", "read", True),
        ("read", "operate", False),
        ("read", "admin", False),
        ("operate", "read", True),
        ("operate", "operate", True),
        ("operate", "admin", False),
        ("admin", "read", True),
        ("admin", "operate", True),
        ("admin", "admin", True),
    ],
)
def test_each_scope_allows_what_the_ones_below_it_allow(
    have: str, need: str, allowed: bool
) -> None:
    assert allows(have, need) is allowed


@pytest.mark.parametrize(
    ("method", "declared", "needs"),
    [
        ("GET", None, "read"),
        ("POST", None, "admin"),
        ("PUT", None, "admin"),
        ("DELETE", None, "admin"),
        ("POST", "operate", "operate"),
    ],
)
def test_a_route_that_declares_no_scope_is_read_for_a_get_and_admin_otherwise(
    method: str, declared: str | None, needs: str
) -> None:
    assert route_scope(method, declared) == needs


def test_the_scopes_are_the_ones_the_contract_names() -> None:
    """read: every GET but the worker list and the key inventory; operate: also the
    actions on runs and the workers (host names); admin: also defining jobs and managing
    keys, listing them included."""
    table = {(op.method, op.path): op.needs for op in KEYED}
    operate = {
        ("POST", "/jobs/{job_id}/trigger"),
        ("POST", "/jobs/{job_id}/backfill"),
        ("POST", "/schedules/preview"),
        ("POST", "/jobs/{job_id}/pause"),
        ("POST", "/jobs/{job_id}/resume"),
        ("POST", "/executions/{execution_id}/cancel"),
        ("POST", "/executions/{execution_id}/retry"),
        ("POST", "/dead-letter/{entry_id}/redrive"),
        ("DELETE", "/dead-letter/{entry_id}"),
        ("GET", "/workers"),
        ("POST", "/workflows/{workflow_id}/trigger"),
        ("POST", "/workflows/{workflow_id}/pause"),
        ("POST", "/workflows/{workflow_id}/resume"),
        ("POST", "/workflows/{workflow_id}/backfill"),
        ("POST", "/workflow-runs/{run_id}/cancel"),
        ("POST", "/workflow-runs/{run_id}/retry"),
    }
    admin = {
        ("POST", "/jobs"),
        ("PUT", "/jobs/{job_id}"),
        ("DELETE", "/jobs/{job_id}"),
        ("POST", "/keys"),
        ("GET", "/keys"),
        ("DELETE", "/keys/{key_id}"),
        ("POST", "/workflows"),
        ("PUT", "/workflows/{workflow_id}"),
        ("DELETE", "/workflows/{workflow_id}"),
        # Calendars are defined like jobs (issue 25).
        ("POST", "/calendars"),
        ("PUT", "/calendars/{name}"),
        ("DELETE", "/calendars/{name}"),
    }
    for route, needs in table.items():
        expected = "operate" if route in operate else "admin" if route in admin else "read"
        assert needs == expected, route
        assert (
            needs == "read" or route[0] != "GET" or route in {("GET", "/workers"), ("GET", "/keys")}
        )


def test_the_scope_table_is_the_openapi_documents() -> None:
    spec = openapi_document()
    for op in KEYED:
        doc = spec["paths"][op.path][op.method.lower()]
        assert ("403" in doc["responses"]) == (op.needs != "read"), op.path
        assert "Retry-After" in doc["responses"]["429"]["headers"]
        assert op.needs in doc["description"]


HOOK = {"url": "https://a.test/", "method": "POST", "body": {"n": 1}}


@pytest.mark.parametrize(
    ("scope", "handler", "overridable", "override", "refused"),
    [
        ("operate", "http.webhook", ("body",), {**HOOK, "body": {"n": 2}}, []),
        ("operate", "http.webhook", ("body",), {**HOOK, "url": "https://b.test/"}, ["url"]),
        ("operate", "http.webhook", ("body",), {"url": HOOK["url"], "body": {}}, ["method"]),
        ("operate", "http.webhook", ("body",), {**HOOK, "extra": 1}, ["extra"]),
        ("operate", "http.webhook", ("body",), dict(HOOK), []),  # the same: no override
        ("admin", "http.webhook", (), {"url": "https://b.test/"}, []),
        ("operate", "test.echo", ("*",), {"anything": 1}, []),
        ("operate", "system.cleanup", ("*",), {**HOOK, "retention_days": 1e-9}, ["retention_days"]),
        ("admin", "system.cleanup", (), {"retention_days": 2}, []),
        ("operate", "mine.job", (), {**HOOK, "body": 3}, ["body"]),
    ],
)
def test_which_payload_overrides_a_scope_may_make(
    scope: str, handler: str, overridable: tuple, override: dict, refused: list
) -> None:
    assert forbidden_overrides(scope, handler, overridable, HOOK, override) == refused
