"""How the dashboard tests and the screenshots script start Chromium."""

from __future__ import annotations

import os

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Fail (never skip) when the browser is missing: the dashboard must be tested."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(
            f"{CHROMIUM} is missing: the dashboard tests need Debian's Chromium. "
            "Install it with `infra/bootstrap.sh --browser` (`make test` does this)."
        )
