"""The dashboard takes its choices from the API's OpenAPI document, not from copies: a
value the document gains shows up in the filters and forms without touching the
dashboard (issue 21). The document is altered in flight, as a newer API would serve it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.dashboard.conftest import Dash

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def serve_altered_document(dash: Dash, alter: Any) -> None:
    """Answer GET /openapi.json with the stack's document after ``alter(schemas)``."""

    def handle(route: Route) -> None:
        response = route.fetch()
        doc = response.json()
        alter(doc["components"]["schemas"])
        route.fulfill(response=response, body=json.dumps(doc))

    dash.page.route("**/openapi.json", handle)


def enum_of(schemas: dict[str, Any], prop: dict[str, Any]) -> list[str]:
    """The values of a closed set: inline, or in the named component it refers to
    (the document names its enums: ``{"$ref": "#/components/schemas/ExecutionStatus"}``)."""
    if "$ref" in prop:
        return schemas[prop["$ref"].rsplit("/", 1)[1]]["enum"]
    return prop["enum"]


def options(dash: Dash, testid: str) -> list[str]:
    return (
        dash.page.get_by_test_id(testid)
        .locator("option")
        .evaluate_all("(els) => els.map((e) => e.value)")
    )


def test_filters_offer_every_value_the_document_lists(dash: Dash) -> None:
    def alter(schemas: dict[str, Any]) -> None:
        enum_of(schemas, schemas["Execution"]["properties"]["status"]).append("PARKED")
        enum_of(schemas, schemas["Job"]["properties"]["status"]).append("ARCHIVED")
        enum_of(schemas, schemas["AuditEntry"]["properties"]["action"]).append("archive")

    serve_altered_document(dash, alter)
    dash.sign_in("executions")
    status = dash.page.get_by_test_id("executions-filter-status")
    expect(status.locator("option[value=PARKED]")).to_have_count(1)
    # Known values keep their order and words; the new one comes after them.
    values = options(dash, "executions-filter-status")
    assert values[0] == "" and values[-1] == "PARKED"
    assert values.index("PENDING") < values.index("SUCCEEDED")

    dash.open("jobs")
    expect(
        dash.page.get_by_test_id("jobs-filter-status").locator("option[value=ARCHIVED]")
    ).to_have_count(1)
    expect(
        dash.page.get_by_test_id("jobs-filter-status").locator("option[value=PAUSED]")
    ).to_have_text("Paused")

    dash.open("audit")
    action = dash.page.get_by_test_id("audit-filter-action")
    expect(action.locator("option[value=archive]")).to_have_count(1)
    expect(action.locator("option[value=backfill]")).to_have_count(1)  # was missing when copied
    expect(action.locator("option[value=dlq_delete]")).to_have_text("delete dead-letter entry")


def test_the_key_form_takes_scopes_and_the_limit_from_the_document(dash: Dash) -> None:
    def alter(schemas: dict[str, Any]) -> None:
        scope = schemas["KeyCreate"]["properties"]["scope"]
        enum_of(schemas, scope).append("audit")
        scope["x-ranked"] = ["read", "audit", "operate", "admin"]
        limit = schemas["KeyCreate"]["properties"]["rate_limit_per_minute"]
        for variant in limit.get("anyOf", [limit]):
            if variant.get("type") == "integer":
                variant["maximum"] = 777

    serve_altered_document(dash, alter)
    dash.sign_in("keys")
    scope = dash.page.get_by_test_id("key-scope")
    expect(scope.locator("option[value=audit]")).to_have_count(1)
    expect(scope.locator("option[value=admin]")).to_contain_text("manage keys")
    expect(dash.page.locator("#key-rate-limit")).to_have_attribute("max", "777")
    # The ranking came from the document too: the bootstrap key (admin) still sees the
    # admin-only sections.
    expect(dash.page.locator('[data-section="keys"]')).to_be_visible()
