"""A trigger under a singleton or a debounce (jobsched/domain/flow.py decides): in the
trigger's transaction, under a lock of the job and key, the key's runs are read, and the
trigger either joins one (a debounce's burst: the run takes its payload and later time;
a singleton's ``skip``: the run already there), writing no run, or writes its run and
cancels what the singleton's mode says. Joined and skipped triggers are audited; what
Redis must learn (the cancelled runs, the counters) is left for after the commit.

Singleton and debounce keys are scoped to their job, and apply to triggers (a schedule's
runs have ``overlap_policy``). A trigger of several runs at once is refused for such a
job: each run would join or skip the one before."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobsched.domain import attempts, flow
from jobsched.domain import audit as changes
from jobsched.domain.audit import Audit
from jobsched.domain.models import NewExecution, new_execution
from jobsched.domain.states import AttemptOutcome, ExecutionStatus
from jobsched.domain.triggering import overridden
from jobsched.errors import DependencyError, ValidationError
from jobsched.store import Store
from jobsched.store.rows import execution_from_row

log = logging.getLogger(__name__)


@dataclass
class FlowEffects:
    """What a flow-controlled trigger leaves for after its commit."""

    cancelled: list[tuple[str, str]] = field(default_factory=list)
    """(pool, id) of the runs a singleton cancelled: Redis drops or stops them."""
    outcomes: list[str] = field(default_factory=list)
    """``debounce_joined``, ``singleton_skipped``, ``singleton_replaced``: counted."""


@dataclass
class Gate:
    answer: list[NewExecution] | None = None
    """The runs the trigger joined (nothing is written), or None: write its run."""
    run: dict[str, Any] | None = None
    """The run to write, its time set by a debounce."""
    columns: dict[str, Any] = field(default_factory=dict)
    """singleton_key, debounce_key, debounce_until of the run written."""


def gate(
    store: Store,
    conn: Any,
    job: dict[str, Any],
    controls: dict[str, Any],
    runs: list[dict[str, Any]],
    now: datetime,
    audit: Audit | None,
    effects: FlowEffects,
) -> Gate:
    """The trigger's fate under its job's singleton and debounce (``controls``)."""
    columns = {"singleton_key": None, "debounce_key": None, "debounce_until": None}
    debounce, single = controls.get("debounce"), controls.get("singleton")
    if not debounce and not single:
        return Gate(columns=columns)
    if len(runs) != 1:
        raise ValidationError(
            {"runs": "a job under debounce or singleton is triggered one run at a time"}
        )
    run = dict(runs[0])
    payload = overridden(job["payload"], run.get("payload"))
    if debounce:
        key = flow.resolve_key(debounce["key"], payload)
        store.flow.lock_key(conn, job["id"], "debounce:" + key)
        row = store.flow.debounce_run(conn, job["id"], key, now)
        if row is not None:
            due = flow.debounce_due(now, debounce["delay_ms"], row["debounce_until"])
            joined = store.flow.join_debounce(conn, row, payload, due, now)
            if joined is not None:
                _audit(store, conn, audit, job, joined.id, run, "debounce_joined", now)
                effects.outcomes.append("debounce_joined")
                return Gate(answer=[new_execution(joined, row["max_concurrency"])])
        until = flow.debounce_until(now, debounce)
        run.pop("delay_ms", None)
        run["run_at"] = flow.debounce_due(now, debounce["delay_ms"], until)
        columns.update(debounce_key=key, debounce_until=until)
    if single:
        key = flow.resolve_key(single["key"], payload)
        store.flow.lock_key(conn, job["id"], "singleton:" + key)
        rows = store.flow.singleton_runs(conn, job["id"], key)
        fate = flow.singleton(single["mode"], [(str(r["id"]), r["status"]) for r in rows])
        if fate.existing is not None:
            (row,) = [r for r in rows if str(r["id"]) == fate.existing]
            _audit(store, conn, audit, job, fate.existing, run, "singleton_skipped", now)
            effects.outcomes.append("singleton_skipped")
            return Gate(answer=[new_execution(execution_from_row(row), row["max_concurrency"])])
        for row in rows:
            if str(row["id"]) in fate.cancel:
                _cancel(store, conn, row, now, audit)
                effects.cancelled.append((row["pool"], str(row["id"])))
                effects.outcomes.append("singleton_replaced")
        columns["singleton_key"] = key
    return Gate(run=run, columns=columns)


def settle(queue: Any, effects: FlowEffects) -> None:
    """After the commit: the cancelled runs leave Redis (or their worker is told), and
    the outcomes are counted. Redis unreachable: the rows are CANCELLED already (a
    worker that claims one drops it), and a count is lost."""
    try:
        for pool, execution_id in effects.cancelled:
            queue.for_pool(pool).cancel([execution_id])
        if effects.outcomes:
            queue.count_flow(effects.outcomes)
    except DependencyError as exc:
        log.warning("flow control: could not reach Redis after a trigger: %s", exc)


def _cancel(
    store: Store, conn: Any, row: dict[str, Any], now: datetime, audit: Audit | None
) -> None:
    locked = store.executions.for_update(conn, row["id"])
    if locked["status"] in flow.UNFINISHED:
        history = attempts.close(locked["attempts"], AttemptOutcome.CANCELLED, now, "cancelled")
        store.executions.write_cancel(conn, locked, history, now)
        change = changes.status_change(locked["status"], ExecutionStatus.CANCELLED.value)
        store.audit.write(conn, changes.entry(audit, "execution", row["id"], change), now)


def _audit(
    store: Store,
    conn: Any,
    audit: Audit | None,
    job: dict[str, Any],
    execution_id: str,
    run: dict[str, Any],
    outcome: str,
    now: datetime,
) -> None:
    """A joined or skipped trigger is logged like a trigger, naming the run it joined."""
    change = changes.triggered([execution_id], [changes.plain(run)])
    change["flow"] = {"after": outcome}
    store.audit.write(conn, changes.entry(audit, "job", job["id"], change), now)
