"""Which format ``GET /metrics`` answers in, as a table of ``Accept`` headers: the
Prometheus text only when the client rates text/plain above JSON, so browsers and
scripts that send nothing or ``*/*`` keep getting JSON."""

from __future__ import annotations

import pytest

from jobsched.api.http import prefers

PROMETHEUS_3 = (
    "application/openmetrics-text;version=1.0.0;q=0.5,"
    "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
)


@pytest.mark.parametrize(
    ("accept", "text"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("text/html,application/xhtml+xml,*/*;q=0.8", False),  # a browser
        ("text/plain", True),
        ("text/plain;version=0.0.4", True),
        (PROMETHEUS_3, True),
        ("application/json, text/plain;q=0.5", False),
        ("text/plain;q=0.9, application/json;q=0.5", True),
        ("text/*", True),
        ("text/plain;q=0", False),
        ("text/plain;q=banana", False),
    ],
)
def test_text_only_when_preferred_over_json(accept: str | None, text: bool) -> None:
    assert prefers(accept, "text/plain", "application/json") is text
