"""Migration 0005: stored http.webhook timeouts written in seconds become milliseconds;
those already in milliseconds (the seed's way) and other handlers' payloads stay."""

from __future__ import annotations

from jobsched.store.migrations import migration_files
from tests.integration.engine import Engine

MIGRATION = dict(migration_files())["0005_webhook_timeout_ms.sql"]


def test_webhook_timeouts_in_seconds_become_milliseconds(engine: Engine) -> None:
    hook = "https://example.com/hook"
    seconds = engine.create_job(handler="http.webhook", payload={"url": hook, "timeout": 10})
    fraction = engine.create_job(handler="http.webhook", payload={"url": hook, "timeout": 0.5})
    millis = engine.create_job(handler="http.webhook", payload={"url": hook, "timeout": 30000})
    default = engine.create_job(handler="http.webhook", payload={"url": hook})
    other = engine.create_job(handler="test.echo", payload={"timeout": 10})
    run = engine.service.trigger_job(seconds, None)

    with engine.store.tx() as conn:
        conn.execute(MIGRATION)

    def timeout(job_id: str):
        return engine.store.jobs.get(job_id).payload.get("timeout")

    assert [timeout(j) for j in (seconds, fraction, millis, default, other)] == [
        10000,
        500,
        30000,
        None,
        10,
    ]
    assert engine.store.executions.get(run["id"]).payload["timeout"] == 10000
