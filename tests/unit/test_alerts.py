"""Missed-run and SLA alerts as tables; notification signatures."""

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import alerts

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ms(n: int) -> datetime:
    return T0 + timedelta(milliseconds=n)


@pytest.mark.parametrize(
    ("started", "limit", "kind"),
    [
        (ms(100), None, None),  # no limit declared
        (ms(100), 100, None),  # exactly at the limit: in time
        (ms(101), 100, "late_start"),
        (ms(5000), 1000, "late_start"),
    ],
)
def test_late_start(started: datetime, limit: int | None, kind: str | None) -> None:
    alert = alerts.late_start(T0, started, limit)
    assert (alert["kind"] if alert else None) == kind


@pytest.mark.parametrize(
    ("finished", "limit", "breach"),
    [(ms(500), None, False), (ms(500), 500, False), (ms(501), 500, True)],
)
def test_overran(finished: datetime, limit: int | None, breach: bool) -> None:
    alert = alerts.overran(T0, finished, limit)
    assert (alert is not None) == breach
    if breach:
        assert alert["detail"] == "took 501 ms (allowed 500 ms)"


def test_a_signature_verifies_only_with_the_jobs_secret_and_the_same_body() -> None:
    body = alerts.body_bytes(alerts.event("dead_letter", "j", "nightly", "e", "boom", T0))
    signature = alerts.sign("s3cret", 1767225600, body)
    assert signature.startswith("sha256=")
    assert alerts.verify("s3cret", 1767225600, body, signature)
    assert not alerts.verify("other", 1767225600, body, signature)
    assert not alerts.verify("s3cret", 1767225601, body, signature)
    assert not alerts.verify("s3cret", 1767225600, body + b" ", signature)
