"""Browser fixtures for the dashboard tests: one headless Chromium per session, a fresh
context and page per test, and a check after each test that the page logged no errors
and threw nothing (apart from the 4xx responses a test provoked on purpose)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.e2e.dashboard.browser import CHROMIUM, LAUNCH_ARGS, require_chromium
from tests.e2e.stack import Stack

DESKTOP = {"width": 1280, "height": 800}
# What Chromium logs (as a console error) for any response >= 400 to a fetch.
FAILED_RESOURCE = re.compile(
    r"^Failed to load resource: the server responded with a status of (\d{3}) \([^)]*\)$"
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        require_chromium()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@dataclass
class Dash:
    """A signed-out page on the dashboard, and what it logged."""

    page: Page
    stack: Stack
    errors: list[str] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)

    def allow_http_errors(self, *statuses: int) -> None:
        """This test provokes these 4xx answers from the API on purpose."""
        assert all(400 <= s < 500 for s in statuses)
        self.allowed.update(statuses)

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        m = FAILED_RESOURCE.match(msg.text)
        url = (msg.location or {}).get("url", "")
        if m and int(m.group(1)) in self.allowed and url.startswith(self.stack.api_url):
            return
        self.errors.append(f"console.error: {msg.text} ({url})")

    def open(self, route: str = "") -> None:
        """Go to a hash route (a same-document navigation once the app is loaded)."""
        self.page.goto(f"{self.stack.dashboard_url}#/{route}")

    def sign_in(self, route: str = "overview", key: str | None = None) -> None:
        """Sign in with ``key`` (the stack's bootstrap key, scope admin, by default)."""
        self.open(route)
        expect(self.page.get_by_test_id("signin-form")).to_be_visible()
        self.page.get_by_test_id("signin-key").fill(key or self.stack.api_key)
        self.page.get_by_test_id("signin-submit").click()
        expect(self.page.get_by_test_id("signout")).to_be_visible()
        expect(self.page.get_by_test_id("signin-form")).to_have_count(0)

    def mark_document(self) -> None:
        """Tag the loaded document; `assert_not_reloaded` fails if it was replaced."""
        self.page.evaluate("window.__e2eMarker = 'same-document'")

    def assert_not_reloaded(self) -> None:
        assert self.page.evaluate("window.__e2eMarker") == "same-document", "the page reloaded"


@pytest.fixture
def new_dash(browser: Browser, stack: Stack) -> Iterator[Callable[..., Dash]]:
    """new_dash(**context_options) -> Dash on a fresh context; checked at teardown."""
    made: list[tuple[Any, Dash]] = []

    def make(**options: Any) -> Dash:
        context = browser.new_context(**{"viewport": DESKTOP, **options})
        page = context.new_page()
        dash = Dash(page, stack)
        page.on("console", dash.on_console)
        page.on("pageerror", lambda exc: dash.errors.append(f"page error: {exc}"))
        made.append((context, dash))
        return dash

    yield make
    problems = [e for _, dash in made for e in dash.errors]
    for context, _ in made:
        context.close()
    assert not problems, "the dashboard logged errors:\n" + "\n".join(problems)


@pytest.fixture
def dash(new_dash: Callable[..., Dash]) -> Dash:
    return new_dash()
