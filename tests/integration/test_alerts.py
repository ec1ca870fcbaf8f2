"""Missed-run and SLA alerts end to end: recorded on the execution, counted in the
metrics, and sent to the job's notify_url signed with its secret (also failures and
dead-letter entries). The rules are tests/unit/test_alerts.py's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from msgspec import UNSET

from jobsched import execution_record
from jobsched.domain.recording import Finish
from jobsched.domain.retry import RetryPolicy
from jobsched.domain.states import AttemptOutcome
from jobsched.handler_settings import HandlerSettings
from jobsched.notify import Notifier
from tests.integration.engine import Engine
from tests.signatures import readme_signature


class Receiver:
    """An HTTP endpoint that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def local(engine: Engine) -> Engine:
    """The engine, allowed to call the receiver on loopback."""
    allowed = HandlerSettings(webhook_allowed_hosts=("127.0.0.1",))
    return Engine(
        engine.store, engine.queue, engine.settings, engine.registry, engine.clock, allowed
    )


def test_a_late_and_overlong_run_is_recorded_counted_and_sent_signed(
    local: Engine, receiver: Receiver
) -> None:
    job_id = local.create_job(
        max_start_delay_ms=1_000, max_duration_ms=500, notify_url=receiver.url
    )
    run = local.service.trigger_job(job_id, {"delay_ms": 10_000})
    # The workers were busy: it starts 5 s after its time, and takes 2 s.
    local.clock.advance(seconds=15)
    (claim,) = local.queue.claim(1, local.clock.now(), 30_000)
    lease = [(claim.execution_id, claim.token)]
    execution_record.start(local.store, lease, "busy-worker", local.clock.now())
    local.clock.advance(seconds=2)
    done = Finish(claim.execution_id, claim.token, AttemptOutcome.SUCCEEDED)
    execution_record.finish(local.store, [done], local.clock.now(), RetryPolicy(max_deliveries=10))
    assert local.status(run["id"]) == "SUCCEEDED"
    recorded = local.store.executions.get(run["id"])
    assert [a.kind for a in recorded.alerts] == ["late_start", "overran"]
    assert recorded.alerts[0].detail == "started 5000 ms late (allowed 1000 ms)"
    assert local.service.metrics()["alerts"] == {"late_start": 1, "overran": 1}

    assert (
        Notifier(
            local.store, local.registry, local.settings, local.clock, local.handler_settings
        ).run_once()
        == 2
    )
    secret = _stored_secret(local, job_id)
    events = []
    for headers, body in receiver.received:
        stamp = int(headers["X-Jobsched-Timestamp"])
        # Checked as a receiver reading the README would, on the raw body it got.
        signature = headers["X-Jobsched-Signature"]
        assert signature == readme_signature(secret, headers["X-Jobsched-Timestamp"], body)
        assert signature != readme_signature("another job's secret", str(stamp), body)
        assert stamp == int(local.clock.now().timestamp())  # the time it was sent
        events.append(headers["X-Jobsched-Event"])
    assert events == ["late_start", "overran"]
    # Delivered once: nothing is due any more.
    assert (
        Notifier(
            local.store, local.registry, local.settings, local.clock, local.handler_settings
        ).run_once()
        == 0
    )


def test_failed_attempts_and_dead_letters_are_sent_too(local: Engine, receiver: Receiver) -> None:
    job_id = local.create_job(
        handler="test.delay",
        payload={"durationMs": 0, "shouldFail": True, "failMessage": "boom"},
        max_retries=1,
        retry_backoff_ms=0,
        notify_url=receiver.url,
    )
    run = local.service.trigger_job(job_id, None)
    local.run_until(lambda: local.status(run["id"]) == "FAILED")
    notifier = Notifier(
        local.store, local.registry, local.settings, local.clock, local.handler_settings
    )
    assert notifier.run_once() == 2
    assert [h["X-Jobsched-Event"] for h, _ in receiver.received] == [
        "attempt_failed",
        "dead_letter",
    ]


def test_an_unreachable_receiver_is_retried_later(local: Engine, receiver: Receiver) -> None:
    job_id = local.create_job(max_start_delay_ms=1, notify_url=receiver.url)
    receiver.server.shutdown()
    receiver.server.server_close()
    run = local.service.trigger_job(job_id, {"delay_ms": 1_000})
    local.clock.advance(seconds=5)
    local.run_until(lambda: local.status(run["id"]) == "SUCCEEDED")
    notifier = Notifier(
        local.store, local.registry, local.settings, local.clock, local.handler_settings
    )
    assert notifier.run_once() == 0  # refused: kept for later
    assert notifier.run_once() == 0  # not due again yet
    with local.store.tx() as conn:
        (row,) = conn.execute("SELECT attempts, sent_at, last_error FROM notifications").fetchall()
    assert row["attempts"] == 1 and row["sent_at"] is None and row["last_error"]


def test_a_notify_url_is_checked_like_a_webhook(engine: Engine) -> None:
    from jobsched.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        engine.create_job(notify_url="http://169.254.169.254/latest")
    assert "notify_url" in refused.value.fields


def test_the_secret_is_shown_once_when_the_job_is_created(
    local: Engine, receiver: Receiver
) -> None:
    created = local.service.create_job(
        {"name": "signed", "handler": "test.echo", "notify_url": receiver.url}
    )
    assert len(created["notify_secret"]) >= 32
    assert "notify_secret" not in local.service.get_job(created["id"])
    assert "notify_secret" not in local.service.update_job(created["id"], {"priority": 60})
    assert _stored_secret(local, created["id"]) == created["notify_secret"]
    # A read never carries it: only the signer reads it (jobsched/notify.py).
    assert local.store.jobs.get(created["id"]).notify_secret is UNSET


def _stored_secret(engine: Engine, job_id: str) -> str:
    with engine.store.tx() as conn:
        row = conn.execute("SELECT notify_secret FROM jobs WHERE id = %s", [job_id]).fetchone()
    return row["notify_secret"]
