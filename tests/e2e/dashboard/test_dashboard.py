"""The dashboard, served from the S3 bucket of the running local stack, driven in a real
headless Chromium as an operator would use it. Each test asserts what the user sees."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Request, expect

from jobsched.client import ApiError, Client
from tests.e2e.dashboard.conftest import Dash

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LIVE = 15_000  # ms: long enough for a tick, a worker and a 1.5 s refresh


def unique(name: str) -> str:
    return f"ui-{name}-{uuid.uuid4().hex[:8]}"


def job_row(dash: Dash, name: str):
    return dash.page.locator("[data-testid=job-row]").filter(
        has=dash.page.get_by_test_id("job-link").get_by_text(name, exact=True)
    )


def test_sign_in_rejects_a_wrong_key_and_a_401_later_signs_out(dash: Dash) -> None:
    page = dash.page
    dash.allow_http_errors(401)
    dash.open("workers")
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    assert "#/signin?next=" in page.url  # remembers where the user was going

    page.get_by_test_id("signin-key").fill("not-the-key")
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("signin-error")).to_have_text("That API key was not accepted.")
    expect(page.get_by_test_id("signout")).to_be_hidden()

    page.get_by_test_id("signin-key").fill(dash.stack.api_key)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Workers")
    expect(page.get_by_test_id("worker-row")).to_have_count(2)

    # The key stops working (rotated, revoked): the next request is a 401.
    dash.mark_document()
    page.evaluate("sessionStorage.setItem('jobsched.apiKey', 'revoked-key')")
    page.get_by_test_id("nav-jobs").click()
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    expect(page.get_by_test_id("signin-message")).to_contain_text("Your API key was rejected")
    assert page.evaluate("sessionStorage.getItem('jobsched.apiKey')") is None
    dash.assert_not_reloaded()

    # Signing in again goes back to the page the 401 interrupted.
    page.get_by_test_id("signin-key").fill(dash.stack.api_key)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Jobs")


def test_create_job_shows_the_api_validation_next_to_each_field(dash: Dash, api: Client) -> None:
    page = dash.page
    dash.allow_http_errors(400)
    name = unique("created")
    dash.sign_in("jobs")
    page.get_by_test_id("job-create").click()
    form = page.get_by_test_id("job-form")
    expect(form).to_be_visible()
    form.locator("[name=name]").fill(name)
    form.locator("[name=handler]").fill("test.echo")
    form.locator("[name=schedule]").fill("every morning")
    form.locator("[name=priority]").fill("500")
    page.get_by_test_id("job-form-submit").click()

    priority_error = form.locator(".field-priority").get_by_test_id("field-error-priority")
    schedule_error = form.locator(".field-schedule").get_by_test_id("field-error-schedule")
    expect(priority_error).to_have_text("must be between 0 and 100")
    expect(schedule_error).to_contain_text("must have 5 fields")
    expect(form.locator("[name=priority]")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("[name=schedule]")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("form-error")).to_contain_text("priority, schedule")
    expect(form.get_by_test_id("field-error-name")).to_have_count(0)
    assert api.list_jobs(name=name)["total"] == 0  # nothing half-written

    form.locator("[name=priority]").fill("70")
    form.locator("[name=schedule]").fill("0 6 * * *")
    expect(page.get_by_test_id("schedule-preview")).to_have_text("→ at 06:00 every day")
    page.get_by_test_id("job-form-submit").click()

    expect(page.get_by_test_id("job-dialog")).to_have_count(0)
    expect(page.get_by_test_id("toast").filter(has_text=f"Created “{name}”")).to_be_visible()
    row = job_row(dash, name)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("job-status")).to_have_text("SCHEDULED")
    expect(row).to_contain_text("at 06:00 every day")
    created = api.list_jobs(name=name)["items"]
    assert [(j["priority"], j["schedule"]) for j in created] == [(70, "0 6 * * *")]
    api.delete_job(created[0]["id"])


def test_job_page_shows_new_executions_live_with_one_request_per_refresh(
    dash: Dash, api: Client
) -> None:
    page = dash.page
    job = api.create_job(name=unique("live"), handler="test.echo", payload={"n": 0})
    job_requests: list[str] = []

    def on_request(req: Request) -> None:
        if req.url.startswith(dash.stack.api_url + "/jobs/" + job["id"]):
            job_requests.append(req.url)

    page.on("request", on_request)
    dash.sign_in(f"jobs/{job['id']}")
    expect(page.get_by_test_id("job-name")).to_have_text(job["name"])
    # The executions table's: the job page also holds the (hidden) flow-control table.
    runs = page.get_by_test_id("executions-table")
    expect(runs.get_by_test_id("table-empty")).to_have_text("This job has not run yet.")
    dash.mark_document()

    rows = page.locator("[data-testid=execution-row]")
    api.trigger_many(job["id"], [{"payload": {"n": n}} for n in range(3)])
    expect(rows).to_have_count(3, timeout=LIVE)
    expect(page.locator("[data-testid=execution-row][data-status=SUCCEEDED]")).to_have_count(
        3, timeout=LIVE
    )
    expect(page.get_by_test_id("job-executions-total")).to_have_text("3 total")

    # More runs than the page shows at first: "Show more" still costs one request a tick.
    api.trigger_many(job["id"], [{"payload": {"n": n}} for n in range(3, 25)])
    expect(page.get_by_test_id("job-executions-shown")).to_have_text(
        "Latest 20 of 25", timeout=LIVE
    )
    expect(rows).to_have_count(20)
    page.get_by_test_id("job-executions-more").click()
    expect(rows).to_have_count(25)
    expect(page.get_by_test_id("job-executions-more")).to_be_hidden()
    dash.assert_not_reloaded()

    # Every refresh was one GET /jobs/{id}?include=executions, nothing else.
    job_url = f"{dash.stack.api_url}/jobs/{job['id']}"
    for _ in range(2):  # two more refreshes
        with page.expect_request(lambda r: r.url.startswith(job_url), timeout=LIVE):
            pass
    for url in job_requests:
        parts = urlsplit(url)
        assert parts.path.endswith(f"/jobs/{job['id']}"), url  # never .../executions
        query = parse_qs(parts.query)
        assert query["include"] == ["executions"], url
    assert {parse_qs(urlsplit(u).query)["executions_limit"][0] for u in job_requests} == {
        "20",
        "40",
    }
    api.delete_job(job["id"])


def test_job_page_show_more_follows_next_cursor_past_the_apis_largest_page(
    dash: Dash, api: Client
) -> None:
    """A job with more runs than one API page (200) shows them all, "Show more" after
    "Show more": past the page that comes with the job, the next pages follow its
    next_cursor and are appended, each run once, oldest last."""
    page = dash.page
    job = api.create_job(name=unique("many"), handler="test.echo", payload={})
    runs = 215
    api.trigger_many(job["id"], [{"payload": {"n": n}} for n in range(runs)])
    first = api.list_executions(job["id"], limit=200)
    rest = api.list_executions(job["id"], limit=200, cursor=first["next_cursor"])
    newest_first = [x["id"] for x in first["items"] + rest["items"]]
    assert len(set(newest_first)) == runs == first["total"]

    dash.sign_in(f"jobs/{job['id']}")
    rows = page.locator("[data-testid=execution-row]")
    more = page.get_by_test_id("job-executions-more")
    expect(rows).to_have_count(20, timeout=LIVE)
    dash.mark_document()
    for shown in range(40, 201, 20):
        more.click()
        expect(rows).to_have_count(shown, timeout=LIVE)
    expect(page.get_by_test_id("job-executions-shown")).to_have_text(f"Latest 200 of {runs}")
    expect(more).to_have_text("Show 15 more")
    with page.expect_request(lambda r: "/executions?" in r.url and "cursor=" in r.url):
        more.click()
    expect(rows).to_have_count(runs, timeout=LIVE)
    expect(more).to_be_hidden()
    expect(page.get_by_test_id("job-executions-shown")).to_be_hidden()
    shown_ids = rows.evaluate_all("rs => rs.map(r => r.dataset.executionId)")
    assert shown_ids == newest_first, "every run once, newest first, the oldest last"
    dash.assert_not_reloaded()

    # Filtering is still the Executions page's, for this job's runs.
    page.get_by_test_id("job-executions-all").click()
    expect(page.get_by_test_id("executions-total")).to_have_text(f"{runs} total")
    expect(page.locator("[data-testid=execution-row]")).to_have_count(50, timeout=LIVE)
    api.delete_job(job["id"])


def test_pause_resume_and_trigger_from_the_ui(dash: Dash, api: Client) -> None:
    page = dash.page
    job = api.create_job(name=unique("actions"), handler="test.echo", schedule="0 6 * * *")
    dash.sign_in("jobs")
    row = job_row(dash, job["name"])
    expect(row.get_by_test_id("job-status")).to_have_text("SCHEDULED")
    row.get_by_test_id("job-pause").click()
    expect(row.get_by_test_id("job-status")).to_have_text("PAUSED")
    expect(row).to_have_attribute("data-status", "PAUSED")
    assert api.get_job(job["id"])["status"] == "PAUSED"
    row.get_by_test_id("job-resume").click()
    expect(row.get_by_test_id("job-status")).to_have_text("SCHEDULED")

    row.get_by_test_id("job-link").click()
    expect(page.get_by_test_id("job-name")).to_have_text(job["name"])
    status = page.get_by_test_id("job-detail").get_by_test_id("job-status")
    page.get_by_test_id("job-pause").click()
    expect(status).to_have_text("PAUSED")
    expect(page.get_by_test_id("job-field-next_run_time")).to_have_text("paused")
    page.get_by_test_id("job-resume").click()
    expect(status).to_have_text("SCHEDULED")
    assert api.get_job(job["id"])["status"] == "SCHEDULED"

    page.get_by_test_id("job-trigger").click()
    expect(page.get_by_test_id("toast").filter(has_text="Triggered")).to_be_visible()
    run = page.locator("[data-testid=execution-row]")
    expect(run).to_have_count(1, timeout=LIVE)
    expect(run).to_have_attribute("data-status", "SUCCEEDED", timeout=LIVE)
    expect(run.get_by_test_id("execution-status")).to_have_text("SUCCEEDED")
    expect(run).to_contain_text("trigger")
    api.delete_job(job["id"])


def test_cancel_a_running_execution(dash: Dash, api: Client) -> None:
    page = dash.page
    job = api.create_job(
        name=unique("long"), handler="test.delay", payload={"durationMs": 60_000}, max_retries=0
    )
    run = api.trigger(job["id"])
    dash.sign_in(f"jobs/{job['id']}")
    row = page.locator(f"[data-testid=execution-row][data-execution-id='{run['id']}']")
    expect(row).to_have_attribute("data-status", "RUNNING", timeout=LIVE)
    expect(row.get_by_test_id("execution-status")).to_have_text("RUNNING")
    row.get_by_test_id("execution-cancel").click()
    expect(row).to_have_attribute("data-status", "CANCELLED", timeout=LIVE)
    expect(row.get_by_test_id("execution-status")).to_have_text("CANCELLED")
    expect(row.get_by_test_id("execution-cancel")).to_have_count(0)
    assert api.get_execution(run["id"])["status"] == "CANCELLED"
    api.delete_job(job["id"])


def test_redrive_a_dead_letter_entry(dash: Dash, api: Client) -> None:
    page = dash.page
    job = api.create_job(
        name=unique("doomed"),
        handler="test.delay",
        payload={"durationMs": 20, "shouldFail": True, "failMessage": "boom from the test"},
        max_retries=0,
    )
    api.trigger(job["id"])
    dash.sign_in("dead-letter")
    entry = page.locator(f"[data-testid=dlq-row][data-job-name='{job['name']}']")
    expect(entry).to_have_count(1, timeout=LIVE)
    expect(entry).to_contain_text("boom from the test")
    entry_id = entry.get_attribute("data-dlq-id")
    execution_id = next(d for d in api.dead_letter(limit=200)["items"] if d["id"] == entry_id)[
        "execution_id"
    ]

    entry.get_by_test_id("dlq-redrive").click()
    toast = page.get_by_test_id("toast").filter(has_text="Redriven")
    expect(toast).to_be_visible()
    expect(page.locator(f"[data-testid=dlq-row][data-dlq-id='{entry_id}']")).to_have_count(0)
    assert entry_id not in {d["id"] for d in api.dead_letter(limit=200)["items"]}

    # The same execution was queued again and ran a second attempt (failing again, by design).
    toast.get_by_role("link", name="View run").click()
    expect(page).to_have_url(re.compile(f"#/executions/{execution_id}$"))
    expect(page.get_by_test_id("attempt-row")).to_have_count(2, timeout=LIVE)
    expect(page.get_by_test_id("attempt-row").nth(1)).to_contain_text("boom from the test")
    api.delete_job(job["id"])


def test_a_job_name_with_html_is_shown_as_text(dash: Dash, api: Client) -> None:
    page = dash.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    name = f"<img src=x onerror=alert(1)> {uuid.uuid4().hex[:8]}"
    job = api.create_job(name=name, handler="test.echo", description="<b>bold?</b>")
    dash.sign_in("jobs")
    row = job_row(dash, name)
    expect(row.get_by_test_id("job-link")).to_have_text(name)
    expect(row).to_contain_text("<b>bold?</b>")

    row.get_by_test_id("job-link").click()
    expect(page.get_by_test_id("job-name")).to_have_text(name)
    expect(page.get_by_test_id("job-field-description")).to_have_text("<b>bold?</b>")
    assert page.title().startswith(name)
    page.get_by_test_id("job-trigger").click()
    expect(page.get_by_test_id("toast").filter(has_text=f"Triggered “{name}”")).to_be_visible()
    dash.open(f"executions?job_id={job['id']}")
    expect(page.get_by_test_id("execution-job").first).to_have_text(name, timeout=LIVE)

    assert page.locator("img").count() == 0
    assert page.locator("b").count() == 0
    assert dialogs == []
    api.delete_job(job["id"])


def test_workers_page_lists_the_stack_workers(dash: Dash, api: Client) -> None:
    page = dash.page
    workers = api.workers()["items"]
    assert len(workers) == 2
    dash.sign_in("workers")
    expect(page.get_by_test_id("worker-row")).to_have_count(2)
    expect(page.get_by_test_id("workers-summary")).to_contain_text("2 workers")
    for w in workers:
        row = page.locator(f"[data-testid=worker-row][data-worker-id='{w['id']}']")
        expect(row).to_have_attribute("data-stale", "false")
        cells = row.locator("td")
        expect(cells.nth(0)).to_have_text(w["id"])
        expect(row.get_by_test_id("worker-pools")).to_have_text("default")
        expect(cells.nth(2)).to_have_text(w["host"])
        expect(cells.nth(3)).to_have_text(str(w["pid"]))
        expect(row.get_by_test_id("worker-load")).to_have_text(re.compile(r"^\d+ / 4$"))
        expect(row.get_by_test_id("worker-heartbeat")).to_have_text(re.compile(r"ago|now"))


def test_delete_asks_for_confirmation(dash: Dash, api: Client) -> None:
    page = dash.page
    job = api.create_job(name=unique("delete-me"), handler="test.echo")
    dash.sign_in("jobs")
    row = job_row(dash, job["name"])
    expect(row).to_have_count(1)

    row.get_by_test_id("job-delete").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(job["name"])
    page.get_by_test_id("confirm-no").click()
    expect(dialog).to_have_count(0)
    expect(row).to_have_count(1)
    assert api.get_job(job["id"])["name"] == job["name"]

    row.get_by_test_id("job-delete").click()
    page.get_by_test_id("confirm-yes").click()
    expect(page.get_by_test_id("toast").filter(has_text=f"Deleted “{job['name']}”")).to_be_visible()
    expect(row).to_have_count(0)
    with pytest.raises(ApiError) as info:
        api.get_job(job["id"])
    assert info.value.status == 404


def test_jobs_page_is_usable_at_phone_width(new_dash: Callable[..., Dash], api: Client) -> None:
    dash = new_dash(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = dash.page
    job = api.create_job(name=unique("phone"), handler="test.echo", schedule="*/15 * * * *")
    dash.sign_in(f"jobs?name={job['name']}")
    row = job_row(dash, job["name"])
    expect(row).to_have_count(1)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the phone"

    # Every action of the row is on screen, and works with a tap.
    for testid in ("job-pause", "job-trigger", "job-edit", "job-delete"):
        box = row.get_by_test_id(testid).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, testid
    row.get_by_test_id("job-pause").tap()
    expect(row.get_by_test_id("job-status")).to_have_text("PAUSED")

    # The navigation is reachable too.
    nav = page.get_by_test_id("nav-dead-letter")
    box = nav.bounding_box()
    assert box and box["x"] + box["width"] <= 375
    nav.tap()
    expect(page.get_by_test_id("page-title")).to_have_text("Dead letter")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    api.delete_job(job["id"])


def test_the_dashboard_works_from_the_keyboard_alone(dash: Dash, api: Client) -> None:
    page = dash.page
    dash.open("jobs")
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    page.get_by_test_id("signin-key").focus()
    page.keyboard.type(dash.stack.api_key)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("page-title")).to_have_text("Jobs")

    # Tab from the top of the page reaches the navigation; Enter follows a link.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached = set()
    for _ in range(25):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.dataset.testid || ''"))
        if "nav-workers" in reached:
            break
    assert "nav-workers" in reached, reached
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("page-title")).to_have_text("Workers")

    # A dialog opened from the keyboard traps focus and closes with Escape.
    dash.open("jobs")
    page.get_by_test_id("job-create").focus()
    page.keyboard.press("Enter")
    form = page.get_by_test_id("job-form")
    expect(form).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        inside = page.evaluate("!!document.activeElement.closest('[data-testid=job-form], dialog')")
        assert inside, "focus left the open dialog"
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    expect(page.get_by_test_id("job-create")).to_be_focused()  # focus returns to the opener


def test_the_form_edits_the_overlap_policy(dash: Dash, api: Client) -> None:
    page = dash.page
    job = api.create_job(name=unique("overlap"), handler="test.echo", schedule="0 * * * *")
    dash.sign_in(f"jobs/{job['id']}")
    expect(page.get_by_test_id("job-field-overlap_policy")).to_contain_text("may overlap")
    page.get_by_test_id("job-edit").click()
    form = page.get_by_test_id("job-form")
    expect(form.locator("select[name=overlap_policy]")).to_have_value("allow")
    form.locator("select[name=overlap_policy]").select_option("skip")
    page.get_by_test_id("job-form-submit").click()
    expect(form).to_have_count(0)
    expect(page.get_by_test_id("job-field-overlap_policy")).to_contain_text("skip")
    assert api.get_job(job["id"])["overlap_policy"] == "skip"


def test_the_form_shows_the_next_runs_as_you_type(dash: Dash, api: Client) -> None:
    page = dash.page
    dash.allow_http_errors(400)  # the preview of a bad expression, on purpose
    dash.sign_in("jobs")
    page.get_by_test_id("job-create").click()
    form = page.get_by_test_id("job-form")
    form.locator("input[name=timezone]").fill("Europe/Paris")
    form.locator("input[name=schedule]").fill("30 2 * * *")
    runs = form.get_by_test_id("schedule-next-run")
    expect(runs).to_have_count(5, timeout=LIVE)
    expect(runs.first).to_contain_text("02:30")
    expect(runs.first).to_contain_text("UTC+0")  # the offset of each run is shown
    form.locator("input[name=schedule]").fill("61 * * * *")
    expect(form.get_by_test_id("schedule-next-runs-error")).to_be_visible(timeout=LIVE)
    page.keyboard.press("Escape")


def test_the_job_page_shows_its_occurrences_as_a_timeline(dash: Dash, api: Client) -> None:
    page = dash.page
    job = api.create_job(name=unique("timeline"), handler="test.echo", schedule="* * * * * *")
    dash.sign_in(f"jobs/{job['id']}")
    ran = page.locator("[data-testid=timeline-occurrence][data-outcome=ran]")
    expect(ran.first).to_be_visible(timeout=LIVE)
    expect(
        page.locator("[data-testid=timeline-occurrence][data-outcome=upcoming]").first
    ).to_be_attached()
    api.delete_job(job["id"])


def test_a_job_whose_schedule_broke_is_flagged_in_the_list_and_on_its_page(
    dash: Dash, api: Client
) -> None:
    import psycopg

    name = unique("broken-zone")
    job = api.create_job(name=name, handler="test.echo", schedule="0 * * * *")
    # A time zone the running system no longer knows (as after a tzdata upgrade).
    with psycopg.connect(dash.stack.database_url) as conn:
        conn.execute("UPDATE jobs SET timezone = 'Mars/Olympus_Mons' WHERE id = %s", (job["id"],))

    dash.sign_in("jobs")
    row = job_row(dash, name)
    expect(row.get_by_test_id("job-schedule-error")).to_be_visible()
    row.get_by_test_id("job-link").click()
    banner = dash.page.get_by_test_id("job-schedule-error")
    expect(banner).to_contain_text("cannot be scheduled")
    expect(banner).to_contain_text("Mars/Olympus_Mons")


def test_audit_page_shows_who_changed_what_with_filters(dash: Dash, api: Client) -> None:
    page = dash.page
    job = api.create_job(name=unique("audited"), handler="test.echo", payload={"n": 1})
    api.update_job(job["id"], priority=80, payload={"n": 2})
    dash.sign_in(f"jobs/{job['id']}")
    page.get_by_test_id("job-pause").click()  # a change made from the dashboard itself
    expect(page.get_by_test_id("job-detail").get_by_test_id("job-status")).to_have_text("PAUSED")

    page.get_by_test_id("job-history").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Audit log")
    expect(page.get_by_test_id("audit-filter-target")).to_contain_text(job["id"])
    rows = page.locator("[data-testid=audit-row]")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-action") for i in range(3)] == [
        "pause",
        "update",
        "create",
    ]
    key_id = "env-" + hashlib.sha256(dash.stack.api_key.encode()).hexdigest()[:12]
    expect(rows.get_by_test_id("audit-key").first).to_have_text(key_id)
    expect(rows.first.get_by_test_id("audit-summary")).to_have_text("status SCHEDULED → PAUSED")

    update = page.locator("[data-testid=audit-row][data-action=update]")
    expect(update.get_by_test_id("audit-summary")).to_have_text("payload, priority 50 → 80")
    update.get_by_test_id("audit-expand").click()
    detail = page.get_by_test_id("audit-detail")
    priority = detail.locator("[data-testid=audit-change-row][data-field=priority]")
    expect(priority.get_by_test_id("audit-before")).to_have_text("50")
    expect(priority.get_by_test_id("audit-after")).to_have_text("80")
    payload = detail.locator("[data-testid=audit-change-row][data-field=payload]")
    expect(payload.get_by_test_id("audit-after")).to_contain_text('"n": 2')

    # Live: a change made elsewhere appears; the filters narrow the list and live in the URL.
    api.resume(job["id"])
    expect(rows).to_have_count(4, timeout=LIVE)
    expect(detail).to_be_visible()  # the expanded row stayed expanded
    page.get_by_test_id("audit-filter-action").select_option("update")
    expect(rows).to_have_count(1)
    assert "action=update" in page.url
    page.get_by_test_id("audit-filter-action").select_option("delete")
    expect(page.get_by_test_id("table-empty")).to_have_text("No changes match these filters.")
    assert dash.stack.api_key not in page.content()
    api.delete_job(job["id"])


def test_the_job_form_builds_payload_fields_from_the_handler_schema(
    dash: Dash, api: Client
) -> None:
    import json

    import psycopg

    page = dash.page
    dash.allow_http_errors(400)
    handler = unique("greet").replace("-", ".")
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "title": "Name", "description": "who to greet"},
            "count": {"type": "integer", "minimum": 1},
            "loud": {"type": "boolean"},
            "mood": {"enum": ["calm", "cheery"]},
        },
        "required": ["name"],
    }
    # As a worker publishes it at start; on a pool no worker of the stack serves.
    with psycopg.connect(dash.stack.database_url) as conn:
        conn.execute(
            "INSERT INTO handler_catalog (name, description, schema, pool, isolation, updated_at)"
            " VALUES (%s, 'Greets.', %s, 'ui-pool', 'thread', now())",
            (handler, json.dumps(schema)),
        )
    name = unique("schema-form")
    dash.sign_in("jobs")
    page.get_by_test_id("job-create").click()
    form = page.get_by_test_id("job-form")
    form.locator("[name=name]").fill(name)
    form.locator("[name=handler]").fill(handler)
    form.locator("[name=handler]").dispatch_event("change")
    expect(form.get_by_test_id("handler-help")).to_contain_text("no live worker serves it")
    fields = form.get_by_test_id("payload-fields")
    expect(fields).to_contain_text("Name *")
    expect(fields).to_contain_text("who to greet")
    form.locator("[name=payload]").fill("{}")
    form.locator("[name=payload]").dispatch_event("input")
    form.get_by_test_id("payload-field-count").fill("3")
    form.get_by_test_id("payload-field-loud").check()
    form.get_by_test_id("payload-field-mood").select_option(label="cheery")
    payload = json.loads(form.locator("[name=payload]").input_value())
    assert payload == {"count": 3, "loud": True, "mood": "cheery"}

    page.get_by_test_id("job-form-submit").click()  # "name" is required by the schema
    expect(form.get_by_test_id("schema-error-name")).to_have_text("is required")
    assert api.list_jobs(name=name)["total"] == 0

    form.get_by_test_id("payload-field-name").fill("Ada")
    page.get_by_test_id("job-form-submit").click()
    expect(page.get_by_test_id("job-dialog")).to_have_count(0)
    (job,) = api.list_jobs(name=name)["items"]
    assert job["payload"] == {"count": 3, "loud": True, "mood": "cheery", "name": "Ada"}
    assert job["pool"] == "ui-pool"
    row = job_row(dash, name)
    expect(row.get_by_test_id("job-waiting")).to_be_visible()
    row.get_by_test_id("job-link").click()
    expect(page.get_by_test_id("job-waiting")).to_contain_text(
        f"no live worker serves handler '{handler}' on pool 'ui-pool'"
    )
    api.delete_job(job["id"])
