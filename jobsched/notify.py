"""Sends what the notifications outbox holds to each job's notify_url, signed.

Alerts, failed attempts and dead-letter entries are written to the outbox in the same
transaction as what they report (``Store.start``, ``Store.finish``); every worker
process sends due ones from a thread of its own (``run_once(now)`` plus a thin loop),
through the ``http.webhook`` handler, so the same address rules apply
(``WEBHOOK_ALLOWED_HOSTS``). A failed send is retried with backoff, up to
``MAX_ATTEMPTS``; several workers share the outbox (rows are leased).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from jobsched.clock import Clock, SystemClock
from jobsched.domain import alerts
from jobsched.errors import DependencyError
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import HandlerContext, HandlerRegistry
from jobsched.settings import Settings
from jobsched.store import Store

log = logging.getLogger("jobsched.notify")

BATCH = 20
LEASE = timedelta(seconds=60)
"""A sender has this long to deliver what it claimed before another may."""
TIMEOUT_MS = 5_000
MAX_ATTEMPTS = 8
INTERVAL_S = 1.0


class Notifier:
    def __init__(
        self,
        store: Store,
        registry: HandlerRegistry,
        settings: Settings,
        clock: Clock | None = None,
        handler_settings: HandlerSettings | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.settings = settings
        self.handler_settings = handler_settings or HandlerSettings()  # WEBHOOK_ALLOWED_HOSTS
        self.clock = clock or SystemClock()

    def run_once(self, now: datetime | None = None) -> int:
        """Send the due notifications; returns how many were delivered."""
        now = now or self.clock.now()
        webhook = self.registry.get("http.webhook")
        if webhook is None:
            return 0
        delivered = 0
        for row in alerts.delivery_order(self.store.notifications.claim(now, BATCH, LEASE)):
            body = alerts.body_bytes(row["body"])
            stamp = int(now.timestamp())
            payload = {
                "url": row["notify_url"],
                "method": "POST",
                "headers": {
                    "Content-Type": "application/json",
                    "X-Jobsched-Event": row["kind"],
                    "X-Jobsched-Timestamp": str(stamp),
                    "X-Jobsched-Signature": alerts.sign(row["notify_secret"] or "", stamp, body),
                },
                "body": body.decode(),
                "timeout": TIMEOUT_MS,
            }
            ctx = HandlerContext(
                execution_id=str(row["id"]),
                job_id=str(row["body"].get("job_id", "")),
                attempt=row["attempts"],
                deadline=time.monotonic() + TIMEOUT_MS / 1000 + 1,
                settings=self.settings,
                idempotency_key=str(row["id"]),
                handler_settings=self.handler_settings,
            )
            try:
                if not row["notify_url"]:
                    raise ValueError("the job has no notify_url any more")
                webhook.run(payload, ctx)
            except Exception as exc:  # any failure to deliver is retried, then given up
                backoff = timedelta(seconds=min(2 ** row["attempts"], 600))
                self.store.notifications.failed(row["id"], str(exc), now + backoff, MAX_ATTEMPTS)
                log.warning("notification not delivered: %s", exc, extra={"kind": row["kind"]})
                continue
            self.store.notifications.sent(row["id"], now)
            delivered += 1
        return delivered

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.wait(INTERVAL_S):
            try:
                self.run_once()
            except DependencyError as exc:
                log.warning("notifications wait: %s", exc)
            except Exception:
                log.exception("notifications failed")
