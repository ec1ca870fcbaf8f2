"""Use cases behind the API and the CLI: one method per action a user can take.

Adapters (the Chalice app, the CLI) parse input, call one method here and shape
the response. Validation errors name their fields; a failed push to Redis leaves
the run for the tick to push (jobsched/handoff.py), so nothing is lost.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from msgspec.structs import replace

from jobsched import calendar_life, execution_life, job_life, schedule_view, workflow_steps
from jobsched import trigger as asking
from jobsched.api import cursors, queries
from jobsched.catalog import handler_for, serving, waiting_reason
from jobsched.clock import Clock, SystemClock
from jobsched.domain import contract, cron
from jobsched.domain.access import BOOTSTRAP_SCOPE, allows
from jobsched.domain.audit import SYSTEM_ACTOR, Audit, shown
from jobsched.domain.bounded import PAGE_BUDGET_BYTES, fits_in_page, wire_json
from jobsched.domain.flow import Rate
from jobsched.domain.models import Execution, Job
from jobsched.domain.plain import plain
from jobsched.domain.redaction import redact
from jobsched.domain.triggering import needs_job
from jobsched.domain.validation import (
    idempotency_key_problem,
    load_body,
    load_query,
    utc,
    validate_job_create,
    validate_job_update,
    validate_trigger,
)
from jobsched.errors import DependencyError, ValidationError
from jobsched.flow_trigger import FlowEffects, settle
from jobsched.flow_view import flow_of_job
from jobsched.handler_settings import HandlerSettings
from jobsched.handoff import Handoff
from jobsched.health import HealthProbe
from jobsched.metrics_report import WORKER_FORGET_MS, WORKER_STALE_MS, MetricsReport
from jobsched.queue import RedisQueue
from jobsched.registry import HandlerLookup
from jobsched.settings import Settings
from jobsched.store import Store

log = logging.getLogger("jobsched.service")

UPCOMING_RUNS = 5
HEALTH_TIMEOUT_S = 2.0
"""How long a health probe waits for a pooled PostgreSQL connection: an uptime check
wants an answer, not the 10 s other requests wait out a restart."""


class JobService:
    def __init__(
        self,
        store: Store,
        queue: RedisQueue,
        registry: HandlerLookup,
        settings: Settings,
        clock: Clock | None = None,
        actor: str = SYSTEM_ACTOR,
        handler_settings: HandlerSettings | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.registry = registry
        self.settings = settings
        # What the handlers' payload rules read (a job is checked as a worker would run it).
        self.handler_settings = handler_settings or HandlerSettings()
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
        self.scope = BOOTSTRAP_SCOPE
        """The caller's scope, for the rights checked inside a use case (a trigger's
        payload overrides); ``admin`` when the core is used without an API caller."""

    def as_caller(self, key_id: str, scope: str = BOOTSTRAP_SCOPE) -> JobService:
        """This service acting for one API caller (a cheap copy per request)."""
        bound = copy.copy(self)
        bound.actor = key_id
        bound.scope = scope
        return bound

    def _audit(self, action: str) -> Audit:
        return Audit(self.actor, action)

    def _visible(self, models: list[Any]) -> list[Any]:
        """Jobs, runs or dead-letter entries as the caller may see them: a ``read`` key
        sees payloads and results with their secrets redacted (an operate key sees them
        whole: a trigger that overrides a payload resends the rest). The models are the
        caller's own reads: their fields are replaced, never the values they share."""
        if allows(self.scope, "operate"):
            return models
        for model in models:
            model.payload = redact(model.payload)
            if isinstance(model, Execution):
                model.result = redact(model.result)
        return models

    # ---------------------------------------------------- who serves what

    def _live_workers(self) -> list[dict[str, Any]] | None:
        """The workers, for saying why runs wait; None when Redis cannot say."""
        try:
            return self.queue.workers(self.clock.now(), WORKER_STALE_MS, WORKER_FORGET_MS)
        except DependencyError:
            return None

    def _flag_jobs(self, jobs: list[Job]) -> list[Job]:
        workers = self._live_workers()
        if workers is not None:
            for job in jobs:
                job.waiting = waiting_reason(workers, job.handler, job.pool)
        return jobs

    def _flag_executions(self, executions: list[Execution]) -> list[Execution]:
        """Say why each QUEUED run waits: a limit held it back, or no live worker
        serves its handler on its pool."""
        executions = self._visible(executions)
        waiting = [e for e in executions if e.status == "QUEUED"]
        workers = self._live_workers() if waiting else None
        if workers is None:
            return executions
        held: dict[str, str] = {}
        by_pool: dict[str, list[str]] = {}
        for e in waiting:
            by_pool.setdefault(e.pool, []).append(e.id)
        try:
            for pool, ids in by_pool.items():
                held.update(self.queue.for_pool(pool).held(ids))
        except DependencyError:
            pass
        for e in waiting:
            e.waiting = waiting_reason(workers, e.handler, e.pool) or held.get(e.id)
        return executions

    def handlers(self) -> dict[str, Any]:
        """The catalog: every handler jobs may name, and the live workers serving each."""
        handlers = self.registry.handlers()
        workers = self._live_workers() or []
        items = [{**h.describe(), "workers": serving(workers, h.name, h.pool)} for h in handlers]
        return {"items": items, "next_cursor": None, "total": len(items)}

    # ------------------------------------------------------------- calendars

    def create_calendar(self, body: Any) -> dict[str, Any]:
        return calendar_life.create(self.store, body, self.clock.now(), self._audit("create"))

    def list_calendars(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        query = load_query(queries.CalendarListQuery, params or {})
        return calendar_life.listing(self.store, query.size(), query.after_name())

    def get_calendar(self, name: str) -> dict[str, Any]:
        return calendar_life.get(self.store, name)

    def calendar_days(self, name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Each day of a range: a business day or not, and why not."""
        query = load_query(queries.CalendarDaysQuery, params)
        since = query.since or self.clock.now().date().replace(day=1)
        until = query.until or (since.replace(day=28) + timedelta(days=4)).replace(day=1)
        if query.until is None:
            until -= timedelta(days=1)  # the last day of since's month
        return calendar_life.days(self.store, name, since, until)

    def update_calendar(self, name: str, body: Any) -> dict[str, Any]:
        now = self.clock.now()
        return calendar_life.update(self.store, name, body, now, self._audit("update"))

    def delete_calendar(self, name: str) -> None:
        calendar_life.delete(self.store, name, self.clock.now(), self._audit("delete"))

    # ------------------------------------------------------------------ jobs

    def _shown(self, job: Job, now: datetime | None = None) -> Job:
        """The job as the caller sees it, with its next runs (``upcoming_runs``)."""
        upcoming: list[str] = []
        if job.status == "SCHEDULED":
            try:
                zone = cron.parse_timezone(job.timezone)
                after = now or self.clock.now()
                times, _ = schedule_view.upcoming_runs(self.store, job, after, UPCOMING_RUNS)
                upcoming = [t.astimezone(zone).isoformat() for t in times]
            except Exception as exc:
                # A stored schedule that no longer computes is shown, not a 500 for
                # every list that includes the job; the tick flags it the same way.
                job.schedule_error = job.schedule_error or f"{type(exc).__name__}: {exc}"
        job.upcoming_runs = upcoming
        return self._visible([job])[0]

    def next_runs(self, job_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """A job's next ``count`` runs, in its zone with their UTC offsets."""
        query = load_query(queries.NextRunsQuery, params)
        return schedule_view.next_runs(self.store, job_id, query.count, self.clock.now())

    def explain(self, job_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """What became of the job's occurrence at a time, and why (``domain.explain``)."""
        query = load_query(queries.ExplainQuery, params)
        return schedule_view.explain_at(self.store, job_id, utc(query.at), self.clock.now())

    def preview_schedule(self, body: Any) -> dict[str, Any]:
        """The next runs of an unsaved schedule, as a job with it would run."""
        preview = load_body(contract.SchedulePreview, body)
        return schedule_view.preview_runs(self.store, preview, self.clock.now())

    def backfill(self, job_id: str, body: Any) -> dict[str, Any]:
        """Run each occurrence of the job's schedule in ``[start, end)`` that has not
        run, once (a repeated backfill writes nothing new). Occurrences after now are
        the schedule's own: the range ends at now at the latest."""
        request = load_body(contract.Backfill, body)
        now = self.clock.now()
        start, end = utc(request.start), min(utc(request.end), now)
        if start >= now:
            raise ValidationError({"start": "must be in the past"})
        if utc(request.end) <= start:
            raise ValidationError({"end": "must be after start"})
        audit = self._audit("backfill")
        limit = self.settings.max_unfinished_runs_per_job or None  # 0: no limit
        written: list[int] = []

        def write() -> list[Any]:
            created, existing = asking.backfill(
                self.store, job_id, start, end, now, audit, max_unfinished=limit
            )
            written.append(existing)
            return created

        created = self.handoff.submit(write, now)
        return {
            "items": _weighed(plain(created)),
            "total": len(created),
            "existing": written[0],
        }

    def occurrences(self, job_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The ledger: each expected occurrence of a job in a range, and what became of it."""
        query = load_query(queries.OccurrenceQuery, params)
        now = self.clock.now()
        until = utc(query.until) or now
        since = utc(query.since) or until - timedelta(days=1)
        if since >= until:
            raise ValidationError({"since": "must be before until"})
        _, items, truncated = job_life.occurrences(
            self.store, job_id, since, until, query.limit, now
        )
        return {
            "items": items,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "truncated": truncated,
        }

    def create_job(self, body: Any) -> dict[str, Any]:
        data = validate_job_create(body, self.registry, self.handler_settings)
        # Its notify_secret is in this answer only, like a key's (``job_life.create_job``).
        job = job_life.create_job(self.store, data, self.clock.now(), self._audit("create"))
        return plain(self._flag_jobs([self._shown(job)])[0])

    def get_job(self, job_id: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A job; ``?include=executions`` adds its latest executions (``executions_limit``,
        default 50) so a detail page refreshes with one request."""
        query = load_query(queries.JobGetQuery, params or {})
        job = self._flag_jobs([self._shown(self.store.jobs.get(job_id))])[0]
        if query.include == "executions":
            found = self.store.executions.list(job_id=job_id, limit=query.executions_limit)
            found.items = self._flag_executions(found.items)
            job.executions = cursors.page(found, "executions")  # its JSON values
        return plain(job)

    def list_jobs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        query = load_query(queries.JobListQuery, params)
        sort, after = query.order(), cursors.job_after(query.cursor, query.order())
        found = self.store.jobs.list(**query.filters(), sort=sort, limit=query.size(), after=after)
        # Flagged before cursors.page weighs the items: what is weighed is what is sent.
        found.items = self._flag_jobs([self._shown(j) for j in found.items])
        return cursors.page(found, f"jobs:{sort}")

    def update_job(self, job_id: str, body: Any) -> dict[str, Any]:
        before = self.store.jobs.get(job_id)
        data = validate_job_update(body, plain(before), self.registry, self.handler_settings)
        # A job older than secrets gets one, shown in this answer (``job_life.update_job``).
        job = job_life.update_job(self.store, job_id, data, self.clock.now(), self._audit("update"))
        self.handoff.routes.forget(job_id)  # (a trigger would find it stale, and learn)
        if job.max_concurrency != before.max_concurrency:
            self._unpark(job)
        return plain(self._flag_jobs([self._shown(job)])[0])

    def _unpark(self, job: Job) -> None:
        """The job's runs in the queue take the new max_concurrency, and those parked at
        the old one go back to ready (else a raised or removed cap would leave them
        waiting for a slot that frees only when one of its runs ends). If Redis is down
        the update still stands; parked runs then wait for the job's next run to leave
        flight, and runs never looked at keep the cap they were queued with."""
        try:
            runs = self.store.jobs.unfinished_execution_ids(job.id)
            self.queue.for_pool(job.pool).unpark_job(job.id, job.max_concurrency, runs)
        except DependencyError as exc:
            log.warning("update: could not give the queued runs the new cap now: %s", exc)

    def delete_job(self, job_id: str) -> None:
        unfinished = job_life.delete(self.store, job_id, self.clock.now(), self._audit("delete"))
        self.handoff.routes.forget(job_id)
        # Running ones are told to stop; waiting ones leave the queue. If Redis is
        # down, workers drop them on claim: their rows no longer exist.
        try:
            for pool in self.queue.known_pools():
                self.queue.for_pool(pool).cancel(unfinished)
        except DependencyError as exc:
            log.warning("delete: could not clear Redis now: %s", exc)

    def pause_job(self, job_id: str) -> dict[str, Any]:
        job = job_life.set_job_status(
            self.store, job_id, "PAUSED", self.clock.now(), self._audit("pause")
        )
        return plain(self._shown(job))

    def resume_job(self, job_id: str) -> dict[str, Any]:
        now = self.clock.now()
        job = job_life.set_job_status(self.store, job_id, "SCHEDULED", now, self._audit("resume"))
        return plain(self._shown(job))

    def trigger_job(self, job_id: str, body: Any, key: str | None = None) -> dict[str, Any]:
        """Run a job now, or later (``run_at``, ``delay_ms``). ``{payload?, priority?}``
        overrides them for this run; ``{"runs": [...]}`` queues many runs at once. With
        an idempotency ``key``, a repeated request answers with the first one's runs."""
        if key is not None and (problem := idempotency_key_problem(key)):
            raise ValidationError({"Idempotency-Key": problem})

        def decide(job: Job, published: dict[str, Any] | None) -> list[dict[str, Any]]:
            # The job the trigger writes under and its handler's catalog entry, read
            # once in its transaction: the runs are checked against its handler, and
            # written as checked.
            handler = handler_for(self.registry, job.handler, published)
            if not allows(self.scope, "admin"):
                # The right first (403), then the values (400): a caller who may not
                # override a field learns no more about what it would accept.
                asked = validate_trigger(body, None, self.handler_settings)
                asking.refuse_overrides(
                    self.scope, job, handler, asked, batch="runs" in (body or {})
                )
            return validate_trigger(body, handler, self.handler_settings, now)

        now = self.clock.now()
        audit = self._audit("trigger")
        limit = self.settings.max_unfinished_runs_per_job or None  # 0: no limit
        effects = FlowEffects()
        early = self.handoff.early()
        unread = None
        # A bad body is left to the trigger that reads: an unknown job's 404 comes first.
        with contextlib.suppress(ValidationError):
            if not needs_job(body):
                unread = validate_trigger(body, None, self.handler_settings, now)
        # Written QUEUED and pushed: one transaction and one Redis call (handoff.py).
        created = self.handoff.submit(
            lambda: asking.trigger_executions(
                self.store,
                job_id,
                now,
                (),
                audit,
                decide,
                key,
                queued=True,
                max_unfinished=limit,
                unread=unread,
                effects=effects,
                admit=self._admit,
                early=early,
            ),
            now,
            early=early,
        )
        settle(self.queue, effects)
        items = plain(created)
        if isinstance(body, dict) and "runs" in body:
            return {"items": _weighed(items), "next_cursor": None, "total": len(items)}
        return items[0]

    def _admit(self, pool: str, rate: Rate, runs: int, now: datetime) -> int:
        """Runs under a reject-mode rate key: counted, or how long until there is room."""
        queue = self.queue.for_pool(pool)
        wait_ms = queue.admit(rate.key, rate.limit, rate.period_ms, runs, now)
        if wait_ms > 0:
            settle(self.queue, FlowEffects(outcomes=["rate_rejected"]))
        return wait_ms

    # ------------------------------------------------------------ executions

    def list_executions(
        self, params: Mapping[str, Any], job_id: str | None = None
    ) -> dict[str, Any]:
        if job_id is not None:
            self.store.jobs.get(job_id)  # 404 for an unknown job, not an empty list
        if job_id is None:
            query = load_query(queries.ExecutionListQuery, params)
            job_id, handler = query.job_id, query.handler
        else:
            query, handler = load_query(queries.JobExecutionsQuery, params), None
        after, size = query.after("executions"), query.size()
        found = self.store.executions.list(job_id, query.status, handler, size, after)
        found.items = self._flag_executions(found.items)
        return cursors.page(found, "executions")

    def get_execution(self, execution_id: str) -> dict[str, Any]:
        return plain(self._flag_executions([self.store.executions.get(execution_id)])[0])

    def cancel_execution(self, execution_id: str) -> dict[str, Any]:
        now = self.clock.now()
        execution = execution_life.cancel(self.store, execution_id, now, self._audit("cancel"))
        try:
            self.queue.for_pool(execution.pool).cancel([execution_id])
        except DependencyError as exc:
            # The row is CANCELLED already; a worker that claims it drops it.
            log.warning("cancel: could not reach Redis: %s", exc)
        # A workflow step's execution: its run moves on (the step ends CANCELLED).
        workflow_steps.after_ends(
            self.store, self.queue, [(execution.workflow_run_id, execution.status)], now
        )
        return plain(execution)

    def retry_execution(self, execution_id: str, action: str = "retry") -> dict[str, Any]:
        now = self.clock.now()
        audit = self._audit(action)
        self.handoff.submit(
            lambda: [execution_life.requeue(self.store, execution_id, now, audit)], now, again=True
        )
        return plain(self.store.executions.get(execution_id))

    # ----------------------------------------------------------- dead letter

    def list_dead_letter(self, params: Mapping[str, Any]) -> dict[str, Any]:
        query = load_query(queries.Paging, params)
        found = self.store.dead_letter.list(limit=query.size(), after=query.after("dead_letter"))
        found.items = self._visible(found.items)
        return cursors.page(found, "dead_letter")

    def get_dead_letter(self, entry_id: str) -> dict[str, Any]:
        return plain(self._visible([self.store.dead_letter.get(entry_id)])[0])

    def redrive_dead_letter(self, entry_id: str) -> dict[str, Any]:
        entry = self.store.dead_letter.get(entry_id)
        return self.retry_execution(entry.execution_id, action="redrive")

    def delete_dead_letter(self, entry_id: str) -> None:
        execution_life.drop_dead_letter(
            self.store, entry_id, self.clock.now(), self._audit("dlq_delete")
        )

    # ------------------------------------------------------------- audit log

    def flow(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A job's flow-control keys: running, waiting, and what holds them."""
        query = load_query(queries.FlowQuery, params)
        return flow_of_job(self.store, self.queue, query.job_id, self.clock.now())

    def list_audit(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Changes made through the API, newest first (time filters: since <= at < until),
        secrets redacted however old the entry (``audit.shown``)."""
        query = load_query(queries.AuditQuery, params)
        before = cursors.audit_before(query.cursor)
        found = self.store.audit.list(query.filters(), limit=query.size(), before_id=before)
        found.items = [replace(e, changes=shown(e.changes)) for e in found.items]
        return cursors.page(found, cursors.encode_audit)

    # ---------------------------------------------------------------- system

    def health(self, details: bool = False) -> dict[str, Any]:
        """``{"status": "ok" | "unavailable"}``; with ``details``, each dependency's
        status and latency too. Answers from a probe at most a second old."""
        report = self._health.report()
        return report.detailed() if details else report.public()

    def workers(self) -> dict[str, Any]:
        items = self.queue.workers(self.clock.now(), WORKER_STALE_MS, WORKER_FORGET_MS)
        return {"items": items, "next_cursor": None, "total": len(items)}

    def _metrics(self) -> MetricsReport:
        return MetricsReport(self.store, self.queue, self.clock, self.settings)

    def metrics(self) -> dict[str, Any]:
        return self._metrics().overview()

    def execution_metrics(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._metrics().buckets(load_query(queries.MetricsQuery, params))


def _weighed(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first of ``items`` that fit a page's byte budget (at least one): an answer
    listing the runs a request created (up to 500, each with its payload) stays as
    light as a list page; ``total`` still counts them all, and the job's executions
    list them all."""
    # Most answers fit whole: one encoding of the list costs half of one per item.
    if len(wire_json(items)) <= PAGE_BUDGET_BYTES:
        return items
    return items[: fits_in_page(len(wire_json(item)) for item in items)]
