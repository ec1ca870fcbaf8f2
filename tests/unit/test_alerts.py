"""Missed-run and SLA alerts as tables; notification signatures."""

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import alerts
from tests.signatures import readme_signature

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


DOCUMENTED_BODY = (
    b'{"at":"2026-01-01T00:00:00+00:00","detail":"boom","event":"dead_letter",'
    b'"execution_id":"e","job_id":"j","job_name":"nightly"}'
)
# Computed outside Python: printf '%s' '1767225600.<body>' | openssl dgst -sha256 -hmac s3cret
KNOWN_ANSWER = "sha256=c83b8799362b331f882c0bdd94dfd4153a80fe6be4bdd9fa0735397c93106102"


def test_an_alert_says_what_when_and_by_how_much() -> None:
    assert alerts.late_start(T0, ms(5000), 1000) == {
        "kind": "late_start",
        "at": ms(5000).isoformat(),
        "detail": "started 5000 ms late (allowed 1000 ms)",
    }
    assert alerts.overran(T0, ms(7000), 500) == {
        "kind": "overran",
        "at": ms(7000).isoformat(),
        "detail": "took 7000 ms (allowed 500 ms)",
    }


def test_a_signature_is_the_documented_hmac_of_timestamp_dot_body() -> None:
    body = alerts.body_bytes(alerts.event("dead_letter", "j", "nightly", "e", "boom", T0))
    assert body == DOCUMENTED_BODY  # sorted keys, no spaces: what the receiver is sent
    signature = alerts.sign("s3cret", 1767225600, body)
    assert signature == KNOWN_ANSWER
    assert signature == readme_signature("s3cret", "1767225600", body)


def test_a_signature_verifies_only_with_the_jobs_secret_and_the_same_body() -> None:
    body = alerts.body_bytes(alerts.event("dead_letter", "j", "nightly", "e", "boom", T0))
    signature = alerts.sign("s3cret", 1767225600, body)
    assert alerts.verify("s3cret", 1767225600, body, signature)
    assert not alerts.verify("other", 1767225600, body, signature)
    assert not alerts.verify("s3cret", 1767225601, body, signature)
    assert not alerts.verify("s3cret", 1767225600, body + b" ", signature)
    assert not alerts.verify("s3cret", 1767225600, body, signature.upper())
