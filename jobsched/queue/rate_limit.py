"""Per-key rate limits: a token bucket in Redis, shared by every API instance."""

from __future__ import annotations

from datetime import datetime

from redis import Redis

from jobsched.clock import to_ms
from jobsched.queue.keys import Keys
from jobsched.queue.redis_queue import redis_errors
from jobsched.queue.scripts import load_script


class RateLimiter:
    def __init__(self, client: Redis, prefix: str = "job_scheduler") -> None:
        self.client = client
        self.keys = Keys(prefix)
        self._take = load_script(client, "rate_limit")

    @redis_errors
    def take(self, key_id: str, per_minute: int, now: datetime) -> int:
        """Count one request of a key limited to ``per_minute``: 0 when it may go ahead,
        else how many ms until it may (``jobsched/queue/lua/rate_limit.lua``)."""
        allowed, wait_ms = self._take(
            keys=[self.keys.rate_limit(key_id)], args=[to_ms(now), per_minute]
        )
        return 0 if allowed else int(wait_ms)
