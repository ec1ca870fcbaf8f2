"""The notification outbox: claimed, sent, failed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jobsched.sanitize import clean_text
from jobsched.store.database import MAX_ERROR_TEXT, Repository
from jobsched.store.queries import q


class Notifications(Repository):
    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[dict[str, Any]]:
        """Due notifications with their job's notify_url and secret, leased to the caller,
        in no particular order (an UPDATE returns its rows so)."""
        with self.tx() as conn:
            return conn.execute(
                q("claim_notifications"), {"now": now, "limit": limit, "lease_until": now + lease}
            ).fetchall()

    def sent(self, notification_id: Any, now: datetime) -> None:
        with self.tx() as conn:
            conn.execute(q("notification_sent"), {"id": notification_id, "now": now})

    def failed(
        self, notification_id: Any, error: str, retry_at: datetime, max_attempts: int
    ) -> None:
        with self.tx() as conn:
            conn.execute(
                q("notification_failed"),
                {
                    "id": notification_id,
                    "error": clean_text(error, MAX_ERROR_TEXT),
                    "retry_at": retry_at,
                    "max_attempts": max_attempts,
                },
            )
