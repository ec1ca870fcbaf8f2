"""Health of the API's dependencies, probed at most once per ``ttl`` per process.

``/health`` is public and load balancers call it often, so one probe answers every
caller for a second: a flood of health checks costs PostgreSQL one ``SELECT 1`` per
second per API process, on a pooled connection. Callers wait for a probe under way
instead of starting their own.

Anyone sees up or down; key holders also see each dependency's status and latency.
Neither view carries the driver's message: it names internal hosts. The probe logs
it for operators instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger("jobsched.health")

OK = "ok"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class DependencyCheck:
    status: str
    latency_ms: float
    error: str | None = None
    """The exception's type only (``PoolTimeout``, ``ConnectionError``), never its text."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "latency_ms": self.latency_ms}
        if self.error is not None:
            data["error"] = self.error
        return data


@dataclass(frozen=True)
class Report:
    checks: dict[str, DependencyCheck]

    @property
    def status(self) -> str:
        return OK if all(c.status == OK for c in self.checks.values()) else UNAVAILABLE

    def public(self) -> dict[str, Any]:
        return {"status": self.status}

    def detailed(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checks": {name: check.to_dict() for name, check in self.checks.items()},
        }


def _probe(name: str, ping: Callable[[], object]) -> DependencyCheck:
    started = time.perf_counter()
    try:
        ping()
        status, error = OK, None
    except Exception as exc:  # any failure means "down", never a 500 from /health
        cause = exc.__cause__ or exc
        log.warning("health: %s unavailable: %s", name, exc)
        status, error = UNAVAILABLE, type(cause).__name__
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return DependencyCheck(status, latency_ms, error)


class HealthProbe:
    """Pings each dependency, and keeps the answer for ``ttl_s`` of ``now()`` time."""

    def __init__(
        self,
        pings: Mapping[str, Callable[[], object]],
        now: Callable[[], datetime],
        ttl_s: float = 1.0,
    ) -> None:
        self._pings = dict(pings)
        self._now = now
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._report: Report | None = None
        self._probed_at = now()

    def report(self) -> Report:
        with self._lock:
            now = self._now()
            report, probed_at = self._report, self._probed_at
            # A clock that went backwards also means "probe again".
            if report is None or not 0 <= (now - probed_at).total_seconds() < self._ttl_s:
                checks = {name: _probe(name, ping) for name, ping in self._pings.items()}
                report = Report(checks)
                self._report, self._probed_at = report, now
            return report
