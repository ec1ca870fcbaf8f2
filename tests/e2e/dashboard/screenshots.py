"""Screenshots of the dashboard for the README, taken from the real local stack.

    python -m tests.e2e.dashboard.screenshots            # starts its own stack, seeds it
    python -m tests.e2e.dashboard.screenshots --api-url URL --dashboard-url URL --api-key KEY

Seeds demo data through the API (the `jobsched seed` jobs, a few triggered runs, a job
that fails into the dead-letter queue, a paused job), waits until the workers have run
some of it, then drives headless Chromium through every page and writes
``docs/screenshots/*.png`` (desktop 1280x800, plus one 375 px wide phone shot).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from jobsched.cli_client import DEMO_JOBS
from jobsched.client import ApiError, Client
from tests.e2e.dashboard.browser import CHROMIUM, LAUNCH_ARGS, require_chromium

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.5)


def _create(api: Client, **job: object) -> dict:
    try:
        return api.create_job(**job)
    except ApiError as exc:
        if exc.status != 409:
            raise
        return api.find_job(str(job["name"]))


def seed(api: Client) -> dict[str, dict]:
    """Demo jobs and some history; returns the jobs by name."""
    jobs = {j["name"]: _create(api, **j) for j in DEMO_JOBS}
    jobs["invoice-export"] = _create(
        api,
        name="invoice-export",
        description="Pushes yesterday's invoices to the accounting system",
        handler="test.delay",
        payload={"durationMs": 150, "shouldFail": True, "failMessage": "403 from ledger API"},
        max_retries=0,
    )
    jobs["resize-thumbnails"] = _create(
        api,
        name="resize-thumbnails",
        description="Regenerates image thumbnails on demand",
        handler="test.echo",
        payload={"bucket": "media", "sizes": [64, 256, 1024]},
        priority=80,
    )
    jobs["weekly-digest"] = _create(
        api,
        name="weekly-digest",
        description="Monday morning summary email",
        handler="test.log",
        schedule="0 8 * * 1",
        timezone="America/New_York",
        payload={"message": "weekly digest sent"},
    )
    api.pause(jobs["weekly-digest"]["id"])
    api.trigger(jobs["invoice-export"]["id"])
    for size in (64, 256, 1024):
        api.trigger(jobs["resize-thumbnails"]["id"], payload={"bucket": "media", "sizes": [size]})
    api.trigger(jobs["flaky-sync"]["id"])  # retries twice, then the dead-letter queue
    api.trigger(jobs["echo-every-minute"]["id"], payload={"hello": "from the dashboard"})
    return jobs


def _statuses(api: Client, job_id: str) -> list[str]:
    return [x["status"] for x in api.list_executions(job_id, limit=200)["items"]]


def settle(api: Client, jobs: dict[str, dict]) -> None:
    """Wait until the seeded history is there: a DLQ of two, finished runs, retries."""
    wait_until(lambda: api.dead_letter()["total"] >= 2, 40, "two dead-letter entries")
    wait_until(
        lambda: _statuses(api, jobs["heartbeat-every-10s"]["id"]).count("SUCCEEDED") >= 2,
        30,
        "heartbeat runs",
    )


def _signin(page: Page, dashboard_url: str, api_key: str) -> None:
    page.goto(dashboard_url)
    page.get_by_test_id("signin-key").fill(api_key)
    page.get_by_test_id("signin-submit").click()
    expect(page.get_by_test_id("nav-overview")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_have_text("Overview")


def _shot(page: Page, name: str, *, full_page: bool = False) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.mouse.move(0, 0)  # no hover effects
    page.wait_for_timeout(300)  # let the last refresh paint
    page.screenshot(path=str(path), animations="disabled", caret="hide", full_page=full_page)
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    return path


def _go(page: Page, dashboard_url: str, route: str) -> None:
    page.goto(f"{dashboard_url}#/{route}")
    expect(page.locator("[data-testid=live-status]")).to_contain_text("Live ·", timeout=10_000)


def take(api_url: str, dashboard_url: str, api_key: str, jobs: dict[str, dict]) -> list[Path]:
    require_chromium()
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport=DESKTOP, color_scheme="light")
        page = context.new_page()
        _signin(page, dashboard_url, api_key)

        _go(page, dashboard_url, "overview")
        expect(page.get_by_test_id("throughput-chart")).to_be_visible()
        expect(page.get_by_test_id("metric-dead-letter")).not_to_have_text("—")
        written.append(_shot(page, "overview"))

        _go(page, dashboard_url, "jobs")
        for name in jobs:
            expect(page.locator(f'[data-testid=job-row][data-job-name="{name}"]')).to_be_visible()
        written.append(_shot(page, "jobs"))

        flaky = jobs["flaky-sync"]
        _go(page, dashboard_url, f"jobs/{flaky['id']}")
        expect(page.get_by_test_id("job-name")).to_have_text("flaky-sync")
        failed = page.locator("[data-testid=execution-row][data-status=FAILED]").first
        expect(failed).to_be_visible()
        failed.get_by_test_id("execution-expand").click()
        expect(page.get_by_test_id("attempts-table")).to_be_visible()
        written.append(_shot(page, "job-detail", full_page=True))

        api = Client(api_url, api_key, timeout=15)
        api.trigger(jobs["slow-report"]["id"])  # something RUNNING in the shot
        _go(page, dashboard_url, "executions")
        running = page.locator("[data-testid=execution-row][data-status=RUNNING]")
        expect(running.first).to_be_visible(timeout=15_000)
        written.append(_shot(page, "executions"))

        _go(page, dashboard_url, "workers")
        expect(page.get_by_test_id("worker-row")).to_have_count(2)
        written.append(_shot(page, "workers"))

        _go(page, dashboard_url, "dead-letter")
        expect(page.get_by_test_id("dlq-row").nth(1)).to_be_visible()
        page.get_by_test_id("dlq-inspect").first.click()
        expect(page.get_by_test_id("dlq-detail")).to_be_visible()
        written.append(_shot(page, "dead-letter"))

        _go(page, dashboard_url, "jobs")
        page.get_by_test_id("job-create").click()
        form = page.get_by_test_id("job-form")
        form.locator("[name=name]").fill("nightly-backup")
        form.locator("[name=handler]").fill("test.delay")
        form.locator("[name=schedule]").fill("every night")
        form.locator("[name=priority]").fill("500")
        form.locator("[name=payload]").fill('{"durationMs": "long"}')
        page.get_by_test_id("job-form-submit").click()
        expect(page.get_by_test_id("field-error-priority")).to_be_visible()
        written.append(_shot(page, "create-job-errors"))
        page.get_by_test_id("job-form-cancel").click()

        context.close()
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        _signin(page, dashboard_url, api_key)
        _go(page, dashboard_url, "jobs")
        for name in jobs:
            expect(page.locator(f'[data-testid=job-row][data-job-name="{name}"]')).to_be_visible()
        written.append(_shot(page, "jobs-phone"))
        browser.close()
    return written


@contextlib.contextmanager
def _target(args: argparse.Namespace) -> Iterator[tuple[str, str, str]]:
    given = [args.api_url, args.dashboard_url, args.api_key]
    if all(given):
        yield args.api_url, args.dashboard_url, args.api_key
        return
    if any(given):
        sys.exit("give all of --api-url, --dashboard-url and --api-key, or none")
    from tests.e2e.stack import default_local_stack

    with default_local_stack("shots") as stack:
        yield stack.api_url, stack.dashboard_url, stack.api_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url")
    parser.add_argument("--dashboard-url")
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    with _target(args) as (api_url, dashboard_url, api_key):
        api = Client(api_url, api_key, timeout=15)
        jobs = seed(api)
        settle(api, jobs)
        take(api_url, dashboard_url, api_key, jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
