"""Use cases behind the API and the CLI: one method per action a user can take.

Adapters (the Chalice app, the CLI) parse input, call one method here and shape
the response. Validation errors name their fields; a failed push to Redis leaves
the execution PENDING for the tick's outbox pass, so nothing is lost.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jobsched.clock import Clock, SystemClock
from jobsched.domain import audit, cron
from jobsched.domain.audit import SYSTEM_ACTOR, Audit
from jobsched.domain.bounded import object_problem, text_problem
from jobsched.domain.models import Job
from jobsched.domain.validation import (
    MAX_PAYLOAD_BYTES,
    validate_job_create,
    validate_job_update,
)
from jobsched.errors import DependencyError, ValidationError
from jobsched.handoff import Handoff
from jobsched.health import HealthProbe
from jobsched.queue import RedisQueue
from jobsched.registry import HandlerRegistry
from jobsched.settings import Settings
from jobsched.store import Store
from jobsched.store.postgres import Page

log = logging.getLogger("jobsched.service")

JOB_STATUSES = ("SCHEDULED", "PAUSED")
EXECUTION_STATUSES = (
    "PENDING",
    "QUEUED",
    "RUNNING",
    "RETRYING",
    "SUCCEEDED",
    "FAILED",
    "CANCELLED",
    "SKIPPED",
)
MAX_TRIGGER_BATCH = 500
UPCOMING_RUNS = 5
WORKER_STALE_MS = 15_000
WORKER_FORGET_MS = 3_600_000
HEALTH_TIMEOUT_S = 2.0
"""How long a health probe waits for a pooled PostgreSQL connection: an uptime check
wants an answer, not the 10 s other requests wait out a restart."""


MAX_PARAM_CHARS = 200
MAX_CURSOR_CHARS = 2048
"""A cursor holds its page's last sort value: a job name of 200 characters fits."""


def _param(params: Mapping[str, Any], name: str, max_len: int = MAX_PARAM_CHARS) -> str | None:
    """A query parameter as text PostgreSQL can take (no NUL, valid Unicode), or None.
    The service reads every parameter through here, so none reaches a query unchecked."""
    value = params.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError({name: "must be a string"})
    if problem := text_problem(value, max_len):
        raise ValidationError({name: problem})
    return value


def _one_of(params: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    value = _param(params, name)
    if value is not None and value not in allowed:
        raise ValidationError({name: "must be one of " + ", ".join(allowed)})
    return value


def _uuid_param(params: Mapping[str, Any], name: str) -> str | None:
    value = _param(params, name, 64)
    try:
        return None if value is None else str(uuid.UUID(value))
    except ValueError:
        raise ValidationError({name: "must be a UUID"}) from None


def _int_param(params: Mapping[str, Any], name: str) -> int | None:
    value = _param(params, name, 20)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError({name: "must be an integer"}) from None


class JobService:
    def __init__(
        self,
        store: Store,
        queue: RedisQueue,
        registry: HandlerRegistry,
        settings: Settings,
        clock: Clock | None = None,
        actor: str = SYSTEM_ACTOR,
    ) -> None:
        self.store = store
        self.queue = queue
        self.registry = registry
        self.settings = settings
        self.clock = clock or SystemClock()
        self.handoff = Handoff(store, queue)
        self._health = HealthProbe(
            {
                "postgres": lambda: self.store.ping(timeout_s=HEALTH_TIMEOUT_S),
                "redis": lambda: self.queue.ping(),
            },
            now=self.clock.now,
        )
        self.actor = actor
        """The key id every change made through this service is audited under."""

    def as_caller(self, key_id: str) -> JobService:
        """This service acting for one API caller (a cheap copy per request)."""
        bound = copy.copy(self)
        bound.actor = key_id
        return bound

    def _audit(self, action: str) -> Audit:
        return Audit(self.actor, action)

    # ------------------------------------------------------------------ jobs

    def job_view(self, job: Any, now: datetime | None = None) -> dict[str, Any]:
        data = job.to_dict()
        upcoming: list[str] = []
        if job.schedule and job.status == "SCHEDULED":
            try:
                zone = cron.parse_timezone(job.timezone)
                after = now or self.clock.now()
                times = cron.next_runs(job.schedule, job.timezone, after, UPCOMING_RUNS)
                upcoming = [t.astimezone(zone).isoformat() for t in times]
            except Exception as exc:
                # A stored schedule that no longer computes is shown, not a 500 for
                # every list that includes the job; the tick flags it the same way.
                data["schedule_error"] = data["schedule_error"] or f"{type(exc).__name__}: {exc}"
        data["upcoming_runs"] = upcoming
        return data

    def create_job(self, body: Any) -> dict[str, Any]:
        data = validate_job_create(body, self.registry, self.settings)
        return self.job_view(self.store.create_job(data, self.clock.now(), self._audit("create")))

    def get_job(self, job_id: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A job; ``?include=executions`` adds its latest executions (``executions_limit``,
        default 50) so a detail page refreshes with one request."""
        params = params or {}
        view = self.job_view(self.store.get_job(job_id))
        include = _one_of(params, "include", ("executions",))
        if include == "executions":
            limit = _int_param(params, "executions_limit") or 50
            if not 1 <= limit <= 200:
                raise ValidationError({"executions_limit": "must be between 1 and 200"})
            page = self.store.list_executions(job_id=job_id, limit=limit)
            view["executions"] = page.to_dict()
        return view

    def list_jobs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        page = self.store.list_jobs(
            status=_one_of(params, "status", JOB_STATUSES),
            handler=_param(params, "handler"),
            name=_param(params, "name"),
            sort=_param(params, "sort"),
            limit=_int_param(params, "limit"),
            cursor=_param(params, "cursor", MAX_CURSOR_CHARS),
        )
        return {**page.to_dict(), "items": [self.job_view(j) for j in page.items]}

    def update_job(self, job_id: str, body: Any) -> dict[str, Any]:
        current = self.store.get_job(job_id).to_dict()
        data = validate_job_update(body, current, self.registry, self.settings)
        job = self.store.update_job(job_id, data, self.clock.now(), self._audit("update"))
        return self.job_view(job)

    def delete_job(self, job_id: str) -> None:
        unfinished = self.store.delete_job(job_id, self.clock.now(), self._audit("delete"))
        # Running ones are told to stop; waiting ones leave the queue. If Redis is
        # down, workers drop them on claim: their rows no longer exist.
        try:
            self.queue.cancel(unfinished)
        except DependencyError as exc:
            log.warning("delete: could not clear Redis now: %s", exc)

    def pause_job(self, job_id: str) -> dict[str, Any]:
        job = self.store.set_job_status(job_id, "PAUSED", self.clock.now(), self._audit("pause"))
        return self.job_view(job)

    def resume_job(self, job_id: str) -> dict[str, Any]:
        now = self.clock.now()
        job = self.store.set_job_status(job_id, "SCHEDULED", now, self._audit("resume"))
        return self.job_view(job)

    def trigger_job(self, job_id: str, body: Any) -> dict[str, Any]:
        """Run a job now. ``{payload?, priority?}`` overrides them for this run;
        ``{"runs": [{payload?, priority?}, ...]}`` queues many runs at once."""
        body = {} if body is None else body
        if not isinstance(body, dict):
            raise ValidationError({"body": "must be a JSON object"})
        batch = "runs" in body
        runs = body["runs"] if batch else [body]

        def check(job: Job) -> None:
            # Called with the job the trigger writes under, read once in its transaction.
            if batch:
                unknown = set(body) - {"runs"}
                if unknown:
                    raise ValidationError({k: "unknown field" for k in unknown})
                if not isinstance(runs, list) or not 1 <= len(runs) <= MAX_TRIGGER_BATCH:
                    limit = MAX_TRIGGER_BATCH
                    raise ValidationError({"runs": f"must be a list of 1 to {limit} runs"})
            errors: dict[str, str] = {}
            for i, run in enumerate(runs):
                prefix = f"runs[{i}]." if batch else ""
                errors.update(self._check_run(run, job.handler, prefix))
            if errors:
                raise ValidationError(errors)

        now = self.clock.now()
        audit = self._audit("trigger")
        created = self.handoff.submit(
            lambda: self.store.create_triggered(job_id, now, runs, audit, check=check), now
        )
        items = [e.to_dict() for e in created]
        if batch:
            return {"items": items, "next_cursor": None, "total": len(items)}
        return items[0]

    def _check_run(self, run: Any, handler_name: str, prefix: str) -> dict[str, str]:
        if not isinstance(run, dict):
            return {prefix.rstrip(".") or "body": "must be a JSON object"}
        errors = {f"{prefix}{k}": "unknown field" for k in run if k not in ("payload", "priority")}
        if "priority" in run:
            p = run["priority"]
            if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 100:
                errors[f"{prefix}priority"] = "must be an integer between 0 and 100"
        if "payload" in run:
            # The same bounds as a job's own payload: an override is stored the same way.
            payload = run["payload"]
            if problem := object_problem(payload, MAX_PAYLOAD_BYTES):
                errors[f"{prefix}payload"] = problem
            else:
                handler = self.registry.get(handler_name)
                if handler:
                    for field, problem in handler.validate(payload, self.settings).items():
                        errors[f"{prefix}{field}"] = problem
        return errors

    # ------------------------------------------------------------ executions

    def list_executions(
        self, params: Mapping[str, Any], job_id: str | None = None
    ) -> dict[str, Any]:
        if job_id is not None:
            self.store.get_job(job_id)  # 404 for an unknown job, not an empty list
        page: Page = self.store.list_executions(
            job_id=job_id or _uuid_param(params, "job_id"),
            status=_one_of(params, "status", EXECUTION_STATUSES),
            handler=_param(params, "handler"),
            limit=_int_param(params, "limit"),
            cursor=_param(params, "cursor", MAX_CURSOR_CHARS),
        )
        return page.to_dict()

    def get_execution(self, execution_id: str) -> dict[str, Any]:
        return self.store.get_execution(execution_id).to_dict()

    def cancel_execution(self, execution_id: str) -> dict[str, Any]:
        execution = self.store.cancel(execution_id, self.clock.now(), self._audit("cancel"))
        try:
            self.queue.cancel([execution_id])
        except DependencyError as exc:
            # The row is CANCELLED already; a worker that claims it drops it.
            log.warning("cancel: could not reach Redis: %s", exc)
        return execution.to_dict()

    def retry_execution(self, execution_id: str, action: str = "retry") -> dict[str, Any]:
        now = self.clock.now()
        audit = self._audit(action)
        self.handoff.submit(lambda: [self.store.requeue(execution_id, now, audit)], now, again=True)
        return self.store.get_execution(execution_id).to_dict()

    # ----------------------------------------------------------- dead letter

    def list_dead_letter(self, params: Mapping[str, Any]) -> dict[str, Any]:
        page = self.store.list_dead_letter(
            limit=_int_param(params, "limit"), cursor=_param(params, "cursor", MAX_CURSOR_CHARS)
        )
        return page.to_dict()

    def get_dead_letter(self, entry_id: str) -> dict[str, Any]:
        return self.store.get_dead_letter(entry_id).to_dict()

    def redrive_dead_letter(self, entry_id: str) -> dict[str, Any]:
        entry = self.store.get_dead_letter(entry_id)
        return self.retry_execution(entry.execution_id, action="redrive")

    def delete_dead_letter(self, entry_id: str) -> None:
        self.store.delete_dead_letter(entry_id, self.clock.now(), self._audit("dlq_delete"))

    # ------------------------------------------------------------- audit log

    def list_audit(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Changes made through the API, newest first (time filters: since <= at < until)."""
        page = self.store.list_audit(
            audit.filters(params),
            limit=_int_param(params, "limit"),
            cursor=_param(params, "cursor", MAX_CURSOR_CHARS),
        )
        return page.to_dict()

    # ---------------------------------------------------------------- system

    def health(self, details: bool = False) -> dict[str, Any]:
        """``{"status": "ok" | "unavailable"}``; with ``details``, each dependency's
        status and latency too. Answers from a probe at most a second old."""
        report = self._health.report()
        return report.detailed() if details else report.public()

    def workers(self) -> dict[str, Any]:
        items = self.queue.workers(self.clock.now(), WORKER_STALE_MS, WORKER_FORGET_MS)
        return {"items": items, "next_cursor": None, "total": len(items)}

    def metrics(self) -> dict[str, Any]:
        now = self.clock.now()
        counts = self.store.counts()
        activity = self.store.recent_activity(now)
        depth = self.queue.depth()
        leader, ttl = self.queue.leader()
        workers = self.queue.workers(now, WORKER_STALE_MS, WORKER_FORGET_MS)

        def rate(failed: int, total: int) -> float:
            return round(failed / total, 4) if total else 0.0

        def ms(value: Any) -> int | None:
            return None if value is None else round(float(value))

        return {
            "jobs": {
                "total": sum(counts["jobs"].values()),
                "by_status": {s: counts["jobs"].get(s, 0) for s in JOB_STATUSES},
                "schedule_errors": counts["schedule_errors"],
            },
            "executions": {
                "by_status": {s: counts["executions"].get(s, 0) for s in EXECUTION_STATUSES}
            },
            "queue": depth,
            "dead_letter": counts["dead_letter"],
            "throughput": {
                "last_minute": activity["last_minute"],
                "last_5_minutes": activity["last_5_minutes"],
                "last_hour": activity["last_hour"],
            },
            "failure_rate": {
                "last_5_minutes": rate(activity["failed_5_minutes"], activity["last_5_minutes"]),
                "last_hour": rate(activity["failed_hour"], activity["last_hour"]),
            },
            "duration_ms": {
                "p50": ms(activity["p50"]),
                "p95": ms(activity["p95"]),
                "p99": ms(activity["p99"]),
            },
            "leader": {"id": leader.rsplit(":", 1)[0] if leader else None, "ttl_ms": ttl},
            "workers": {"total": len(workers), "stale": sum(1 for w in workers if w["stale"])},
            "generated_at": now.isoformat(),
        }

    def execution_metrics(self, params: Mapping[str, Any]) -> dict[str, Any]:
        window = _int_param(params, "window_s") or 3600
        bucket = _int_param(params, "bucket_s") or 60
        errors = {}
        if not 60 <= window <= 7 * 86400:
            errors["window_s"] = "must be between 60 and 604800"
        if not 1 <= bucket <= window:
            errors["bucket_s"] = "must be between 1 and window_s"
        elif window // bucket > 1000:
            errors["bucket_s"] = "gives more than 1000 buckets; use a larger bucket"
        if errors:
            raise ValidationError(errors)
        rows = self.store.execution_buckets(self.clock.now(), window, bucket)
        buckets = [
            {
                "start": r["start"].isoformat(),
                "succeeded": r["succeeded"],
                "failed": r["failed"],
                "p95_duration_ms": None
                if r["p95_duration_ms"] is None
                else round(float(r["p95_duration_ms"])),
            }
            for r in rows
        ]
        return {"buckets": buckets, "window_s": window, "bucket_s": bucket}
