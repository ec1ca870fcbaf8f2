"""The month view on a job's page (issue 25), in a real headless Chromium against the
local stack: business days, weekends and named holidays, the job's occurrences with
their outcome, and "why not?" answered by a click."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from jobsched.client import Client
from tests.e2e.dashboard.conftest import Dash

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_the_month_view_names_holidays_and_explains_a_skipped_occurrence(
    dash: Dash, api: Client
) -> None:
    page = dash.page
    tag = uuid.uuid4().hex[:8]
    calendar = api.create_calendar(
        {"name": f"fr-{tag}", "timezone": "Europe/Paris", "holidays": {"country": "FR"}}
    )
    job = api.create_job(
        name=f"ui-paris-{tag}",
        handler="test.echo",
        schedule="0 9 * * *",
        timezone="Europe/Paris",
        calendar=calendar["name"],
        non_business_day="skip",
    )
    try:
        # A month in the past, linked: Armistice Day, Wednesday 11 November 2026.
        dash.sign_in(f"jobs/{job['id']}?month=2026-11")
        card = page.get_by_test_id("job-month")
        expect(card).to_be_visible()
        expect(card.get_by_test_id("month-title")).to_have_text("November 2026")

        def day(date: str):
            return page.locator(f"[data-testid=month-day][data-date='{date}']")

        expect(day("2026-11-11")).to_have_attribute("data-kind", "holiday")
        expect(day("2026-11-11").get_by_test_id("month-day-reason")).to_have_text("Armistice Day")
        expect(day("2026-11-10")).to_have_attribute("data-kind", "business")
        expect(day("2026-11-14")).to_have_attribute("data-kind", "weekend")
        expect(day("2026-11-14").get_by_test_id("month-day-reason")).to_have_count(0)

        skipped = day("2026-11-11").get_by_test_id("month-occurrence")
        expect(skipped).to_have_attribute("data-outcome", "skipped")
        expect(skipped).to_have_text("09:00 skipped")
        skipped.click()
        explained = card.get_by_test_id("month-explain")
        expect(explained.get_by_test_id("month-explain-outcome")).to_have_text("Skipped")
        expect(explained.get_by_test_id("month-explain-reason")).to_contain_text("Armistice Day")
        expect(explained).not_to_contain_text("null")

        # The next month: Christmas Day on its Friday.
        card.get_by_test_id("month-next").click()
        expect(card.get_by_test_id("month-title")).to_have_text("December 2026")
        expect(day("2026-12-25").get_by_test_id("month-day-reason")).to_have_text("Christmas Day")
        expect(explained).to_be_hidden()
        assert "month=2026-12" in page.url  # the month shown can be linked

        # The Calendars page lists it; its own month names the same days.
        card.get_by_test_id("month-calendar-link").click()
        expect(page.get_by_test_id("calendar-name")).to_have_text(calendar["name"])
        page.get_by_role("link", name="← All calendars").click()
        row = page.locator(f"[data-testid=calendar-row][data-calendar-name='{calendar['name']}']")
        expect(row.get_by_test_id("calendar-holidays")).to_have_text("FR")
        row.get_by_test_id("calendar-link").click()
        expect(page.get_by_test_id("calendar-name")).to_have_text(calendar["name"])
        expect(page.get_by_test_id("month-title")).not_to_have_text("")
        dash.open(f"calendars/{calendar['name']}?month=2026-11")
        expect(page.get_by_test_id("month-title")).to_have_text("November 2026")
        expect(day("2026-11-11").get_by_test_id("month-day-reason")).to_have_text("Armistice Day")
        day("2026-11-11").get_by_test_id("month-day-button").click()
        expect(page.get_by_test_id("month-explain-day")).to_have_text(
            "Not a business day: Armistice Day."
        )
    finally:
        api.delete_job(job["id"])
        api.delete_calendar(calendar["name"])


def test_the_calendars_page_pages_past_the_first_fifty(dash: Dash, api: Client) -> None:
    # GET /calendars answers 50 a page by default: the page follows next_cursor, so a
    # calendar past the first page is reachable (named to sort after the others).
    tag = uuid.uuid4().hex[:8]
    names = [f"zz-page-{tag}-{i:02d}" for i in range(51)]
    for name in names:
        api.create_calendar({"name": name, "timezone": "UTC"})
    try:
        page = dash.page
        dash.sign_in("calendars")
        rows = page.get_by_test_id("calendar-row")
        expect(rows.first).to_be_visible()
        assert rows.count() <= 50
        last = page.locator(f"[data-testid=calendar-row][data-calendar-name='{names[-1]}']")
        for _ in range(10):  # as many pages as it takes, each of at most 50 rows
            if last.count():
                break
            expect(page.get_by_test_id("pagination-next")).to_be_enabled()
            before = page.get_by_test_id("pagination-info").inner_text()
            page.get_by_test_id("pagination-next").click()
            expect(page.get_by_test_id("pagination-info")).not_to_have_text(before)
            assert rows.count() <= 50
        expect(last).to_be_visible()
    finally:
        for name in names:
            api.delete_calendar(name)
