"""Redis: the priority queue, leases, leader lock and worker heartbeats."""

from jobsched.queue.keys import Keys
from jobsched.queue.redis_queue import Claim, RedisQueue

__all__ = ["Claim", "Keys", "RedisQueue"]
