"""The API's use cases of workflows (issue 23): create, read, list, update and delete a
workflow; trigger it; read, cancel and retry its runs. Each opens its unit of work,
reads through ``store.workflows``, decides with the domain
(``jobsched.domain.workflows``: the definition's rules; ``workflow_advance``: what a
run does next, what a cancel or retry touches; ``audit``: what the log says), writes,
and commits; executions a change launches are pushed after the commit
(``workflow_steps.push``: the outbox, so a lost push is the tick's). Every change is
audited in its own transaction (target ``workflow`` or ``workflow_run``).

Pause, resume, backfill and the occurrence ledger are here too; what they decide is
``jobsched.workflow_schedule``'s (the tick's scheduled runs are as well).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from jobsched.api import cursors
from jobsched.api.queries import OccurrenceQuery
from jobsched.api.workflow_queries import WorkflowListQuery, WorkflowRunListQuery
from jobsched.clock import Clock
from jobsched.domain import attempts
from jobsched.domain import audit as changes
from jobsched.domain import workflow_advance as flow
from jobsched.domain.access import allows
from jobsched.domain.audit import Audit
from jobsched.domain.contract import MAX_DELAY_MS, Backfill
from jobsched.domain.plain import plain
from jobsched.domain.redaction import redact
from jobsched.domain.states import AttemptOutcome
from jobsched.domain.validation import (
    Handlers,
    field_values,
    idempotency_key_problem,
    load_body,
    load_query,
    utc,
)
from jobsched.domain.workflow_models import Workflow
from jobsched.domain.workflows import (
    WRITABLE,
    WorkflowTrigger,
    stored_steps_problem,
    validate_workflow,
    validate_workflow_update,
)
from jobsched.errors import ConflictError, DependencyError, NotFoundError, ValidationError
from jobsched.handoff import Handoff
from jobsched.queue import RedisQueue
from jobsched.store import Store
from jobsched.store.database import StoredPage, parse_uuid
from jobsched.store.workflows import WORKFLOW_FIELDS, WorkflowNameTaken, workflow_from_row
from jobsched.workflow_schedule import backfill, next_occurrence, occurrences, set_status
from jobsched.workflow_steps import advance_in, push, start_held, states_of

AUDITED = (*WORKFLOW_FIELDS, "steps")
"""What an audit entry of a workflow's change names: its stored fields and its steps."""
MAX_SHOWN = 100
"""A backfill answers at most this many of its runs (``total`` counts them all)."""
CANCELLED_BY_USER = "the workflow run was cancelled"
SCHEDULE_FIELDS = ("schedule", "timezone", "dst_gap", "dst_overlap")
"""An edit of one of these moves the workflow's next occurrence on from now."""


def trigger_time(body: Any, now: datetime) -> tuple[dict[str, Any], datetime]:
    """A trigger's input and when the run is due; every problem named."""
    body = {} if body is None else body
    errors: dict[str, str] = {}
    values = field_values(WorkflowTrigger, body, errors)
    if values is not None and "run_at" in values and "delay_ms" in values:
        errors["delay_ms"] = "not allowed together with run_at"
    if errors or values is None:
        raise ValidationError(errors)
    when = now
    if "run_at" in values:
        when = utc(values["run_at"])  # type: ignore[assignment]
        if when > now + timedelta(milliseconds=MAX_DELAY_MS):
            raise ValidationError({"run_at": "must be at most 366 days from now (as delay_ms)"})
        when = max(when, now)
    elif "delay_ms" in values:
        when = now + timedelta(milliseconds=values["delay_ms"])
    return values.get("input", {}), when


def _redacted_steps(steps: Any) -> Any:
    """Steps as a ``read`` key sees them: each payload's secrets redacted. Steps stored
    in another shape (damaged) are redacted whole, and still shown."""
    if not isinstance(steps, list):
        return redact(steps)
    return [
        {**s, "payload": redact(s.get("payload"))} if isinstance(s, dict) else redact(s)
        for s in steps
    ]


def _sound(workflow: dict[str, Any]) -> dict[str, Any]:
    """The workflow, if its stored steps still read; a 409 saying to send them if not."""
    if problem := stored_steps_problem(workflow["steps"]):
        raise ConflictError(f"the workflow cannot run: {problem}; PUT it with its steps")
    return workflow


def _logged(row: dict[str, Any]) -> dict[str, Any]:
    """A workflow's row as the audit log keeps it: its steps' secrets redacted."""
    return {**row, "steps": redact(row["steps"])}


@contextmanager
def _unique_name() -> Iterator[None]:
    try:
        yield
    except WorkflowNameTaken as taken:
        raise ConflictError(
            f"a workflow named {taken.args[0]!r} already exists", fields={"name": "already exists"}
        ) from None


class WorkflowLife:
    """The workflow use cases for one caller (``actor``: the key id audited)."""

    def __init__(
        self,
        store: Store,
        queue: RedisQueue,
        handlers: Handlers,
        handler_settings: object,
        clock: Clock,
        actor: str,
        scope: str = "admin",
    ) -> None:
        self.store = store
        self.queue = queue
        self.handlers = handlers
        self.handler_settings = handler_settings
        self.clock = clock
        self.actor = actor
        self.scope = scope
        """The caller's: a ``read`` key sees payloads and inputs with secrets redacted."""
        self.handoff = Handoff(store, queue)

    def _audit(self, action: str) -> Audit:
        return Audit(self.actor, action)

    def _redacted(self, models: list[Any]) -> list[Any]:
        """Workflows or runs as the caller may see them: a ``read`` key sees step
        payloads and run inputs with their secrets redacted, as for jobs."""
        if not allows(self.scope, "operate"):
            for m in models:
                if isinstance(m, Workflow):
                    m.steps = _redacted_steps(m.steps)
                else:
                    m.input = redact(m.input)
        return models

    def _shown(self, model: Any) -> dict[str, Any]:
        return plain(self._redacted([model])[0])

    def _page(self, found: StoredPage, kind: str) -> dict[str, Any]:
        """A page as the caller may see it, redacted before ``cursors.page`` weighs
        (and so encodes) its items: what is weighed is what is sent."""
        found.items = self._redacted(found.items)
        return cursors.page(found, kind)

    # ---------------------------------------------------------- definitions

    def create(self, body: Any) -> dict[str, Any]:
        data = validate_workflow(body, self.handlers, self.handler_settings)
        now = self.clock.now()
        with _unique_name(), self.store.tx() as conn:
            row = self.store.workflows.write_create(conn, data, now)
            self.store.workflows.write_next_run(conn, row["id"], next_occurrence(row, now))
            change = changes.created(_logged(row), AUDITED)
            entry = changes.entry(self._audit("create"), "workflow", row["id"], change)
            self.store.audit.write(conn, entry, now)
        return self._shown(self.store.workflows.get(str(row["id"])))

    def get(self, workflow_id: str) -> dict[str, Any]:
        return self._shown(self.store.workflows.get(workflow_id))

    def list(self, params: Mapping[str, Any]) -> dict[str, Any]:
        query = load_query(WorkflowListQuery, params)
        found = self.store.workflows.list(
            query.name, limit=query.size(), after=query.after("workflows")
        )
        return self._page(found, "workflows")

    def update(self, workflow_id: str, body: Any) -> dict[str, Any]:
        """A partial update (steps, when sent, replace them all): a new version, unless
        it changes nothing."""
        now = self.clock.now()
        with _unique_name(), self.store.tx() as conn:
            current = self.store.workflows.for_update(conn, workflow_id)
            data = validate_workflow_update(body, current, self.handlers, self.handler_settings)
            if all(data[k] == current[k] for k in WRITABLE):
                # Nothing changes: no new version, nothing audited (an apply of an
                # unchanged file is a no-op).
                return self._shown(workflow_from_row(current))
            row = self.store.workflows.write_update(conn, current["id"], data, now)
            if any(row[k] != current[k] for k in SCHEDULE_FIELDS) and row["status"] != "PAUSED":
                self.store.workflows.write_next_run(conn, row["id"], next_occurrence(row, now))
            change = changes.diff(_logged(current), _logged(row), AUDITED)
            entry = changes.entry(self._audit("update"), "workflow", row["id"], change)
            self.store.audit.write(conn, entry, now)
        return self._shown(self.store.workflows.get(workflow_id))

    def delete(self, workflow_id: str) -> None:
        """The workflow, its runs and their executions (a step running now is acked away
        by its worker once its row is gone)."""
        now = self.clock.now()
        with self.store.tx() as conn:
            current = self.store.workflows.for_update(conn, workflow_id)
            self.store.workflows.write_delete(conn, current["id"])
            change = changes.deleted(_logged(current), AUDITED)
            entry = changes.entry(self._audit("delete"), "workflow", current["id"], change)
            self.store.audit.write(conn, entry, now)

    # ---------------------------------------------------------- occurrences

    def pause(self, workflow_id: str) -> dict[str, Any]:
        return self._set_status(workflow_id, "PAUSED", "pause")

    def resume(self, workflow_id: str) -> dict[str, Any]:
        return self._set_status(workflow_id, "SCHEDULED", "resume")

    def _set_status(self, workflow_id: str, status: str, action: str) -> dict[str, Any]:
        now = self.clock.now()
        with self.store.tx() as conn:
            current = self.store.workflows.for_update(conn, workflow_id)
            row = set_status(self.store, conn, current, status, now)
            change = changes.status_change(current["status"], status)
            entry = changes.entry(self._audit(action), "workflow", row["id"], change)
            self.store.audit.write(conn, entry, now)
        return self._shown(self.store.workflows.get(workflow_id))

    def backfill(self, workflow_id: str, body: Any) -> dict[str, Any]:
        """A run for each occurrence of the schedule in ``[start, end)`` that has none
        (a repeat writes none); the range ends at now at the latest."""
        request = load_body(Backfill, body)
        now = self.clock.now()
        start, end = utc(request.start), min(utc(request.end), now)
        if start >= now:
            raise ValidationError({"start": "must be in the past"})
        if utc(request.end) <= start:
            raise ValidationError({"end": "must be after start"})
        with self.store.tx() as conn:
            workflow = _sound(self.store.workflows.for_update(conn, workflow_id))
            runs, existing, launched = backfill(self.store, conn, workflow, start, end, now)
            change = {
                "workflow_runs": {"after": runs},
                "range": {"after": {"start": start.isoformat(), "end": end.isoformat()}},
            }
            entry = changes.entry(self._audit("backfill"), "workflow", workflow["id"], change)
            self.store.audit.write(conn, entry, now)
        push(self.handoff, launched, now)
        items = [self._shown(self.store.workflows.get_run(r)) for r in runs[:MAX_SHOWN]]
        return {"items": items, "total": len(runs), "existing": existing}

    def occurrences(self, workflow_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The ledger: each expected occurrence in a range and what became of it."""
        query = load_query(OccurrenceQuery, params)
        now = self.clock.now()
        until = utc(query.until) or now
        since = utc(query.since) or until - timedelta(days=1)
        if since >= until:
            raise ValidationError({"since": "must be before until"})
        items, truncated = occurrences(self.store, workflow_id, since, until, query.limit, now)
        return {
            "items": items,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "truncated": truncated,
        }

    # ----------------------------------------------------------------- runs

    def trigger(self, workflow_id: str, body: Any, key: str | None = None) -> dict[str, Any]:
        """A new run (202): its first steps' executions written with it, in one
        transaction, and pushed after. With an Idempotency-Key, a repeat answers the
        first request's run."""
        if key is not None and (problem := idempotency_key_problem(key)):
            raise ValidationError({"Idempotency-Key": problem})
        now = self.clock.now()
        run_input, when = trigger_time(body, now)
        with self.store.tx() as conn:
            workflow = _sound(self.store.workflows.for_update(conn, workflow_id))
            first = self.store.workflows.run_by_key(conn, workflow["id"], key) if key else None
            if first is not None:
                run_id, launched = first["id"], ([], [])
            else:
                run = self.store.workflows.write_run(conn, workflow, run_input, when, key, now)
                run_id = run["id"]
                launched = advance_in(conn, self.store, run_id, now)
                change = {
                    "workflow_run_id": {"after": str(run_id)},
                    "input": {"after": changes.cap_payload(run_input)},
                    "scheduled_for": {"after": when.isoformat()},
                }
                entry = changes.entry(self._audit("trigger"), "workflow", workflow["id"], change)
                self.store.audit.write(conn, entry, now)
        push(self.handoff, launched, now)
        return self._shown(self.store.workflows.get_run(str(run_id)))

    def runs(self, workflow_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        query = load_query(WorkflowRunListQuery, params)
        found = self.store.workflows.runs_of(
            workflow_id, query.status, limit=query.size(), after=query.after("workflow_runs")
        )
        return self._page(found, "workflow_runs")

    def get_run(self, run_id: str) -> dict[str, Any]:
        return self._shown(self.store.workflows.get_run(run_id))

    def cancel_run(self, run_id: str) -> dict[str, Any]:
        """Cancel a run: its waiting and running steps end CANCELLED, and so do their
        unfinished executions (a worker running one is told to stop)."""
        rid = parse_uuid(run_id, "workflow run")
        now = self.clock.now()
        with self.store.tx() as conn:
            run = self._locked(conn, rid)
            if run["status"] in flow.RUN_ENDED:
                raise ConflictError(f"workflow run is {run['status']}; only unfinished runs cancel")
            step_rows, exec_rows = self.store.workflows.run_state(conn, run)
            states = states_of(step_rows, exec_rows)
            rounds = {s["step_id"]: s["round"] for s in step_rows}
            ended = [
                {
                    "step_id": sid,
                    "status": flow.CANCELLED,
                    "reason": CANCELLED_BY_USER,
                    "items": states[sid].items,
                    "round": rounds[sid],
                    "started": False,
                    "finished": True,
                }
                for sid in sorted(flow.cancel_steps(states))
            ]
            self.store.workflows.write_steps(conn, rid, ended, now)
            stopped = self.store.workflows.unfinished_executions(conn, run)
            for row in stopped:
                stop = AttemptOutcome.CANCELLED
                history = attempts.close(row["attempts"], stop, now, "cancelled")
                self.store.executions.write_cancel(conn, row, history, now)
            self.store.workflows.write_run_status(conn, rid, flow.CANCELLED, now)
            launched = start_held(conn, self.store, run, now)
            change = changes.status_change(run["status"], flow.CANCELLED)
            entry = changes.entry(self._audit("cancel"), "workflow_run", rid, change)
            self.store.audit.write(conn, entry, now)
        push(self.handoff, launched, now)
        by_pool: dict[str, list[str]] = {}
        for row in stopped:
            by_pool.setdefault(row["pool"], []).append(str(row["id"]))
        try:
            for pool, ids in by_pool.items():
                self.queue.for_pool(pool).cancel(ids)
        except DependencyError:
            pass  # the rows are CANCELLED already: a worker that claims one drops it
        return self.get_run(run_id)

    def retry_run(self, run_id: str) -> dict[str, Any]:
        """Retry from failure: the failed, skipped and cancelled steps and their
        downstream run again (each execution in its own row, with a fresh retry
        budget); succeeded steps keep their results."""
        rid = parse_uuid(run_id, "workflow run")
        now = self.clock.now()
        with self.store.tx() as conn:
            run = self._locked(conn, rid)
            if run["status"] not in (flow.FAILED, flow.CANCELLED):
                raise ConflictError(
                    f"workflow run is {run['status']}; only FAILED or CANCELLED runs retry"
                )
            if problem := stored_steps_problem(run["steps"]):
                # The run keeps its version's steps: damaged, they cannot run again.
                raise ConflictError(f"the run cannot be retried: {problem}; trigger anew")
            step_rows, exec_rows = self.store.workflows.run_state(conn, run)
            states = states_of(step_rows, exec_rows)
            again = flow.retry_steps(run["steps"], states)
            rounds = {s["step_id"]: s["round"] for s in step_rows}
            reset = [
                {
                    "step_id": sid,
                    "status": flow.WAITING,
                    "reason": None,
                    "items": None,
                    "round": rounds[sid] + 1,
                    "started": False,
                    "finished": False,
                }
                for sid in sorted(again)
            ]
            self.store.workflows.write_steps(conn, rid, reset, now)
            self.store.workflows.write_run_status(conn, rid, flow.RUNNING, now)
            launched = advance_in(conn, self.store, rid, now)
            change = {**changes.status_change(run["status"], flow.RUNNING)}
            change["steps"] = {"after": sorted(again)}
            entry = changes.entry(self._audit("retry"), "workflow_run", rid, change)
            self.store.audit.write(conn, entry, now)
        push(self.handoff, launched, now)
        return self.get_run(run_id)

    def _locked(self, conn: Any, rid: Any) -> dict[str, Any]:
        run = self.store.workflows.lock_run(conn, rid)
        if run is None:
            raise NotFoundError("no workflow run has this id")
        return run
