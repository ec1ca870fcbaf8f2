"""A job's flow-control keys on its page (issue 24), in a real headless Chromium against
the local stack: running and waiting runs per key, the limit holding them, and a waiting
run saying which limit holds it."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from jobsched.client import Client
from tests.e2e.dashboard.conftest import Dash

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LIVE = 20_000  # ms: a claim by a worker and a refresh


def test_the_job_page_shows_each_key_and_the_limit_holding_its_waiting_runs(
    dash: Dash, api: Client
) -> None:
    page = dash.page
    key = f"acme-{uuid.uuid4().hex[:6]}"
    job = api.create_job(
        name=f"ui-flow-{key}",
        handler="test.delay",
        payload={"durationMs": 6000},
        concurrency={"key": key, "limit": 1},
    )
    try:
        for _ in range(3):
            api.trigger(job["id"])
        dash.sign_in(f"jobs/{job['id']}")
        card = page.get_by_test_id("job-flow")
        expect(card).to_be_visible()
        expect(card.get_by_test_id("flow-control")).to_have_text(
            f"concurrency: at most 1 running at once, key “{key}”"
        )
        row = card.locator(f"[data-testid=flow-row][data-key='{key}']")
        expect(row.get_by_test_id("flow-running")).to_have_text("1", timeout=LIVE)
        expect(row.get_by_test_id("flow-waiting")).to_have_text("2")
        expect(row).to_have_attribute("data-limited-by", "concurrency")
        expect(row.get_by_test_id("flow-limited-by")).to_have_text("concurrency limit")

        # A waiting run says which limit holds it.
        queued = page.locator("[data-testid=execution-row][data-status=QUEUED]").first
        expect(queued.get_by_test_id("execution-waiting")).to_contain_text(
            f"its concurrency key {key} is at its limit", timeout=LIVE
        )
        # The key drains, one run at a time.
        expect(row.get_by_test_id("flow-waiting")).to_have_text("1", timeout=LIVE)
        expect(row.get_by_test_id("flow-running")).to_have_text("1")
    finally:
        api.delete_job(job["id"])
