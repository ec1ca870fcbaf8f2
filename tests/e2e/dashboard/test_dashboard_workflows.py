"""The dashboard's workflow pages, in a real headless Chromium against the local stack:
the list, a workflow's runs, and a run drawn as its graph (issue 23)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from jobsched.client import Client
from tests.e2e.dashboard.conftest import Dash

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LIVE = 20_000  # ms: a tick, the workers running five steps, and a 1.5 s refresh


def etl(name: str) -> dict[str, Any]:
    """extract fans out to transform (3 items) and to a check that fails; load waits
    for both (so it is skipped), alert runs because the check failed."""
    return {
        "name": name,
        "steps": [
            {"id": "extract", "handler": "test.echo", "payload": {"files": ["a", "b", "c"]}},
            {
                "id": "transform",
                "handler": "test.echo",
                "after": ["extract"],
                "for_each": {"$ref": "steps.extract.result.files"},
                "payload": {"file": {"$ref": "item"}},
            },
            {
                "id": "check",
                "handler": "test.delay",
                "after": ["extract"],
                "max_retries": 0,
                "payload": {"durationMs": 2500, "shouldFail": True, "failMessage": "bad checksum"},
            },
            {"id": "load", "handler": "test.echo", "after": ["transform", "check"]},
            {"id": "alert", "handler": "test.echo", "after": ["check"], "when": "failure"},
        ],
    }


def test_a_workflow_run_is_drawn_as_its_graph_live_and_can_be_retried(
    dash: Dash, api: Client
) -> None:
    page = dash.page
    name = f"ui-wf-{uuid.uuid4().hex[:8]}"
    wf = api.request("POST", "/workflows", etl(name))
    run = api.request("POST", f"/workflows/{wf['id']}/trigger", {"input": {"day": "monday"}})
    try:
        dash.sign_in("workflows")
        row = page.get_by_test_id("workflow-row").filter(
            has=page.get_by_test_id("workflow-link").get_by_text(name, exact=True)
        )
        expect(row).to_have_count(1)
        expect(row).to_contain_text("trigger only")
        expect(row.get_by_test_id("workflow-last-run")).to_be_visible()
        row.get_by_test_id("workflow-link").click()

        expect(page.get_by_test_id("workflow-name")).to_have_text(name)
        run_row = page.locator(f"[data-testid=workflow-run-row][data-run-id='{run['id']}']")
        expect(run_row).to_have_count(1)
        run_row.get_by_test_id("workflow-run-link").click()

        # The run, live: it ends FAILED without a reload.
        expect(page.get_by_test_id("workflow-run-status")).to_have_text("FAILED", timeout=LIVE)

        def node(step: str):
            return page.locator(f"[data-testid=wf-step][data-step-id='{step}']")

        expected = {
            "extract": "SUCCEEDED",
            "transform": "SUCCEEDED",
            "check": "FAILED",
            "load": "SKIPPED",
            "alert": "SUCCEEDED",
        }
        for step, status in expected.items():
            expect(node(step)).to_have_attribute("data-status", status)
            expect(node(step)).to_have_class(f"wf-node step-{status.lower()}")
            expect(node(step).get_by_test_id("wf-step-status")).to_contain_text(status)
        expect(node("transform")).to_contain_text("3 items")
        expect(page.get_by_test_id("wf-legend")).to_contain_text("skipped")
        expect(page.get_by_test_id("wf-edge")).to_have_count(5)
        expect(page.locator("[data-testid=wf-step-reason][data-step-id=load]")).to_contain_text(
            "upstream step 'check' FAILED"
        )

        # Placed by depth, left to right: extract | transform, check | load, alert.
        x = {step: node(step).bounding_box()["x"] for step in expected}
        assert x["extract"] < x["transform"] == x["check"] < x["load"] == x["alert"]

        # A fan-out step: its items and their statuses.
        node("transform").click()
        panel = page.get_by_test_id("wf-step-panel")
        expect(panel.get_by_test_id("wf-step-panel-id")).to_have_text("transform")
        expect(panel.get_by_test_id("wf-step-items")).to_have_text("3 — 3 succeeded")
        expect(panel.get_by_test_id("wf-step-execution")).to_have_count(3)
        expect(panel.get_by_test_id("wf-execution-result").first).to_contain_text('"file": "a"')

        # The failed step: its error, one click from its execution's page.
        node("check").click()
        expect(panel.get_by_test_id("wf-step-panel-status")).to_have_text("FAILED")
        expect(panel.get_by_test_id("wf-execution-error")).to_have_text("bad checksum")
        panel.get_by_test_id("wf-execution-open").click()
        expect(page.get_by_test_id("execution-error")).to_contain_text("bad checksum")
        # ...and back from the execution to its step in the run.
        page.get_by_test_id("execution-workflow-run").click()
        expect(page.get_by_test_id("wf-step-panel-id")).to_have_text("check")

        expect(page.locator(".page-actions")).to_have_text("Retry from failure")
        # Retry from failure: the failed step's execution runs again (its second attempt).
        expect(panel.get_by_test_id("wf-execution-attempt")).to_have_text("1")
        page.get_by_test_id("workflow-run-retry").click()
        page.get_by_test_id("confirm-yes").click()
        toast = page.get_by_test_id("toast").filter(has_text="Retrying the failed steps")
        expect(toast).to_be_visible()
        expect(page.get_by_test_id("workflow-run-status")).to_have_text("RUNNING", timeout=LIVE)
        expect(node("check")).to_have_attribute("data-status", "RUNNING", timeout=LIVE)
        expect(page.get_by_test_id("workflow-run-cancel")).to_be_visible()
        expect(page.get_by_test_id("workflow-run-status")).to_have_text("FAILED", timeout=LIVE)
        expect(panel.get_by_test_id("wf-execution-attempt")).to_have_text("2")
        expect(panel.get_by_test_id("wf-execution-error")).to_have_text("bad checksum")
        expect(node("extract")).to_have_attribute("data-status", "SUCCEEDED")
        extract = api.request("GET", f"/workflow-runs/{run['id']}")["steps"][0]
        assert len(extract["execution_ids"]) == 1  # a succeeded step keeps its run
    finally:
        api.request("DELETE", f"/workflows/{wf['id']}")
