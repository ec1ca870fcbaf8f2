"""Two handlers, one per isolation mode.

``example.greet`` is I/O-shaped and cheap: it runs in a thread of the worker
(``isolation="thread"``, the default), on the default pool.

``example.primes`` is CPU-bound: it runs in a child process of the worker
(``isolation="process"``), so its timeout kills it for real and a crash fails only
its attempt, on the ``reports`` pool (start workers with ``WORKER_POOLS=reports``).
"""

from __future__ import annotations

import math
import time
from typing import Any

from jobsched import FailNow, handler

GREET_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100, "title": "Name"},
        "excited": {"type": "boolean", "title": "Excited", "default": False},
    },
    "required": ["name"],
    "additionalProperties": False,
}

PRIMES_SCHEMA = {
    "type": "object",
    "properties": {
        "below": {"type": "integer", "minimum": 2, "maximum": 50_000_000, "title": "Below"},
        "spin": {
            "type": "boolean",
            "title": "Spin",
            "description": "loop forever, ignoring the context (to see the timeout kill it)",
        },
    },
    "required": ["below"],
    "additionalProperties": False,
}


@handler("example.greet", schema=GREET_SCHEMA, description="Greets someone by name.")
def greet(payload: dict[str, Any], ctx: Any) -> dict[str, str]:
    mark = "!" if payload.get("excited") else "."
    return {"greeting": f"Hello, {payload['name']}{mark}"}


@handler(
    "example.primes",
    schema=PRIMES_SCHEMA,
    pool="reports",
    isolation="process",
    description="Counts the primes below a number (CPU-bound, in a child process).",
)
def primes(payload: dict[str, Any], ctx: Any) -> dict[str, int]:
    below = payload["below"]
    if payload.get("spin"):
        while True:  # ignores ctx on purpose: only process isolation can stop this
            time.sleep(0.01)
    if below > 10_000_000 and ctx.remaining() < 5:
        raise FailNow("not enough time left for a sieve this large")
    sieve = bytearray([1]) * below
    sieve[0:2] = b"\x00\x00"
    for n in range(2, math.isqrt(below - 1) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytearray(len(range(n * n, below, n)))
    return {"below": below, "primes": sum(sieve)}
