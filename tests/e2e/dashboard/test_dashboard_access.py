"""The dashboard and API keys, in headless Chromium against the local stack: a key
sees its name and scope and is offered only what its scope allows; an admin creates
a key (shown once, copied with a button) and revokes it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from jobsched.client import ApiError, Client
from tests.e2e.dashboard.conftest import Dash

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LIVE = 15_000  # ms: long enough for a tick, a worker and a 1.5 s refresh
OPERATE = ["job-pause", "job-resume", "job-trigger", "job-trigger-custom"]
ADMIN = ["job-create", "job-edit", "job-delete"]
RUNS = ["execution-cancel", "execution-retry", "dlq-redrive", "dlq-delete"]


def unique(name: str) -> str:
    return f"ui-{name}-{uuid.uuid4().hex[:8]}"


def assert_absent(dash: Dash, testids: list[str]) -> None:
    for testid in testids:
        expect(dash.page.get_by_test_id(testid)).to_have_count(0)


def test_a_read_key_sees_its_scope_and_no_button_it_may_not_use(dash: Dash, api: Client) -> None:
    page = dash.page
    job = api.create_job(
        name=unique("watched"),
        handler="test.delay",
        payload={"durationMs": 10, "shouldFail": True, "failMessage": "watched failing"},
        max_retries=0,
        schedule="0 6 * * *",
    )
    api.trigger(job["id"])  # fails at once: a FAILED run and a dead-letter entry
    viewer = api.create_key(unique("viewer"), "read")
    dash.sign_in("jobs", key=viewer["key"])

    who = page.get_by_test_id("whoami")
    expect(who).to_have_attribute("data-scope", "read")
    expect(who).to_contain_text(viewer["name"])
    expect(page.get_by_test_id("nav-keys")).to_be_hidden()
    expect(page.locator(f"[data-testid=job-row][data-job-id='{job['id']}']")).to_be_visible()
    assert_absent(dash, OPERATE + ADMIN)

    dash.open(f"jobs/{job['id']}")
    row = page.locator("[data-testid=execution-row]")
    expect(row).to_have_attribute("data-status", "FAILED", timeout=LIVE)
    row.get_by_test_id("execution-expand").click()
    expect(page.get_by_test_id("execution-detail")).to_be_visible()
    assert_absent(dash, OPERATE + ADMIN + RUNS)
    expect(page.locator(".page-actions")).to_have_text("")  # no "false" where actions were

    dash.open("dead-letter")
    entry = page.locator(f"[data-testid=dlq-row][data-job-name='{job['name']}']")
    expect(entry).to_have_count(1, timeout=LIVE)
    assert_absent(dash, RUNS)

    dash.open("keys")
    expect(page.get_by_test_id("keys-forbidden")).to_contain_text("needs the admin scope")
    expect(page.get_by_test_id("key-form")).to_have_count(0)
    # Workers name hosts: operate keys and above (the API answers a read key 403).
    expect(page.get_by_test_id("nav-workers")).to_be_hidden()
    dash.open("workers")
    expect(page.get_by_test_id("workers-forbidden")).to_contain_text("needs the operate scope")
    expect(page.get_by_test_id("workers-table")).to_have_count(0)
    api.delete_job(job["id"])
    api.revoke_key(viewer["id"])


def test_an_operate_key_runs_jobs_but_cannot_redefine_them(dash: Dash, api: Client) -> None:
    job = api.create_job(name=unique("operated"), handler="test.echo", schedule="0 6 * * *")
    ci = api.create_key(unique("ci"), "operate")
    dash.sign_in("jobs", key=ci["key"])
    expect(dash.page.get_by_test_id("whoami")).to_have_attribute("data-scope", "operate")
    row = dash.page.locator(f"[data-testid=job-row][data-job-id='{job['id']}']")
    row.get_by_test_id("job-pause").click()
    expect(row.get_by_test_id("job-status")).to_have_text("PAUSED")
    expect(row.get_by_test_id("job-trigger")).to_be_visible()
    assert_absent(dash, ADMIN)
    api.delete_job(job["id"])
    api.revoke_key(ci["id"])


def test_the_admin_page_creates_a_key_shown_once_and_revokes_it(
    new_dash: Callable[..., Dash], api: Client
) -> None:
    dash = new_dash(permissions=["clipboard-read", "clipboard-write"])
    page = dash.page
    dash.sign_in("overview")
    expect(page.get_by_test_id("whoami")).to_have_attribute("data-scope", "admin")
    expect(page.get_by_test_id("whoami")).to_contain_text("API_KEYS #1")
    page.get_by_test_id("nav-keys").click()
    expect(page.get_by_test_id("page-title")).to_have_text("API keys")

    name = unique("reporting")
    form = page.get_by_test_id("key-form")
    form.locator("input[name=name]").fill(name)
    form.get_by_test_id("key-scope").select_option("operate")
    form.locator("input[name=rate_limit_per_minute]").fill("120")
    page.get_by_test_id("key-create-submit").click()

    secret = page.get_by_test_id("key-secret")
    expect(secret).to_contain_text("jsk_")
    key = secret.text_content() or ""
    assert key.startswith("jsk_")
    page.get_by_test_id("key-copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == key

    row = page.locator(f"[data-testid=key-row][data-key-name='{name}']")
    expect(row).to_have_attribute("data-scope", "operate")
    expect(row).to_contain_text("120/min")
    me = Client(dash.stack.api_url, key).me()
    assert (me["name"], me["scope"]) == (name, "operate"), "usable at once"

    page.get_by_test_id("key-secret-done").click()
    expect(page.get_by_test_id("key-secret")).to_have_count(0)
    page.reload()
    expect(row).to_be_visible()
    assert key not in page.content(), "shown once: never again"

    key_id = row.get_attribute("data-key-id")
    row.get_by_test_id("key-revoke").click()
    page.get_by_test_id("confirm-yes").click()
    expect(page.get_by_test_id("toast").filter(has_text="Revoked")).to_be_visible()
    expect(row).to_have_count(0)
    with pytest.raises(ApiError) as refused:
        Client(dash.stack.api_url, key).me()
    assert refused.value.status == 401

    # Both changes are in the audit log, under the admin's key id, without the key.
    dash.open(f"audit?target_type=key&target_id={key_id}")
    entries = page.get_by_test_id("audit-row")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_have_attribute("data-action", "key_revoke")
    expect(entries.nth(1)).to_have_attribute("data-action", "key_create")
    expect(entries.nth(1)).to_have_attribute("data-key-id", api.me()["id"])
    assert key not in page.content()
