"""The use case that moves workflow runs on (issue 23): a run's steps and their
executions read locked, ``jobsched.domain.workflow_advance.advance`` decides, and the
steps that ended, the steps they release, their new executions (written QUEUED, as a
trigger's runs are) and the run's end are written in ONE transaction; then the new
executions are pushed (``Handoff.submit``: a lost push is left to the tick's repair, so
losing Redis loses nothing; executions run again are written PENDING: the outbox).

Who calls it: the worker, which records the ends of a batch holding step executions
and advances their runs in one transaction (``record_ends``: the step that ends and the
steps it releases commit together, or neither does); the API, after a cancel of a
step's execution, a workflow run's cancel or retry; and the tick's catch-up pass
(``catch_up``), which advances every unfinished run not advanced for ``LAG_S``: an
advancement that failed apart from its end (a refused result, a bug, the API's or the
tick's advancement killed) leaves the run for the next pass, never stuck. Advancing a
run that is up to date changes nothing, so any of them may race another: the run's row
lock makes them take turns.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from jobsched import execution_record
from jobsched.domain import flow as controls
from jobsched.domain import workflow_advance as flow
from jobsched.domain.models import NewExecution, new_execution
from jobsched.domain.recording import Finish, Held, Recorded
from jobsched.domain.retry import RetryPolicy
from jobsched.domain.workflows import stored_steps_problem
from jobsched.errors import DependencyError
from jobsched.handoff import Handoff
from jobsched.queue import RedisQueue
from jobsched.store import Store
from jobsched.store.rows import execution_from_row
from jobsched.store.workflows import RunState

log = logging.getLogger("jobsched.workflows")

Conn = psycopg.Connection[dict[str, Any]]
LAG_S = 5.0
"""A run not advanced for this long is advanced by the tick's catch-up pass."""
IDLE_S = 300.0
"""A run not advanced for this long is advanced whatever it shows (a failsafe: the pass
otherwise looks only at runs with an execution ended since, or due while PENDING)."""
CATCH_UP_BATCH = 200
STEP_SETTINGS = (
    "handler",
    "pool",
    "priority",
    "max_retries",
    "timeout_ms",
    "retry_backoff_ms",
    "retry_backoff_max_ms",
)
STEP_CONTROLS = ("concurrency", "rate")
"""The flow controls a step's executions are held to (a step's own, else its handler's)."""
ENDED = {"SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED"}
ENDED_MARK = "SUCCEEDED"
"""What ``after_ends`` is told of an end already known to be one."""


def states_of(
    steps: list[dict[str, Any]], executions: list[dict[str, Any]]
) -> dict[str, flow.StepState]:
    """Each step as the domain reads it: an execution counts for its step in the step's
    current round (a retried step's earlier failures do not), or when it succeeded."""
    states = {s["step_id"]: flow.StepState(s["status"], s["reason"], s["items"], {}) for s in steps}
    rounds = {s["step_id"]: s["round"] for s in steps}
    for e in executions:
        st = states.get(e["step_id"])
        if st is None:
            continue
        if e["status"] == "SUCCEEDED" or e["step_round"] == rounds[e["step_id"]]:
            st.executions[e["step_item"]] = flow.ItemState(e["status"], e["result"], e["error"])
    return states


Launched = tuple[list[NewExecution], list[NewExecution]]
"""New executions (pushed when due) and executions run again (pushed as retried)."""


def advance_in(
    conn: Conn, store: Store, run_id: Any, now: datetime, locked: dict[str, Any] | None = None
) -> Launched:
    """Advance one run in the caller's transaction (the run's row locked here, unless
    the caller locked it already in this transaction: ``locked``, its row as read)."""
    return advance_sent(conn, store, run_id, now, locked).read()


def _none() -> Launched:
    return [], []


@dataclass(frozen=True)
class Sent:
    """An advancement sent in the caller's transaction: what it launched is read by
    ``read`` (in a pipelined transaction, after the COMMIT: the insert of the next
    steps' executions then goes in the COMMIT's round trip, not one of its own)."""

    read: Callable[[], Launched] = _none
    ids: tuple[str, ...] = ()
    """The new executions it inserted (those a second write of left out excepted)."""


def advance_sent(
    conn: Conn,
    store: Store,
    run_id: Any,
    now: datetime,
    locked: dict[str, Any] | None = None,
    state: RunState | None = None,
) -> Sent:
    """``advance_in``, what it launched read later (``Sent``); ``state``: the run's
    steps and executions as the caller read them after locking it in this transaction."""
    run = locked or store.workflows.lock_run(conn, run_id)
    if run is None or run["status"] in flow.RUN_ENDED:
        return Sent()
    if run["status"] == flow.PENDING and _waits(conn, store, run):
        store.workflows.touch(conn, run["id"], now)
        return Sent()
    step_rows, exec_rows = state() if state else store.workflows.run_state(conn, run)
    states = states_of(step_rows, exec_rows)
    before = {sid: st.status for sid, st in states.items()}
    try:
        out = flow.advance(run["steps"], states, run["input"])
    except Exception:
        if (problem := stored_steps_problem(run["steps"])) is None:
            raise  # the steps read: a fault of ours, not of the row
        return _fail_unreadable(conn, store, run, problem, now)
    rounds = {s["step_id"]: s["round"] for s in step_rows}
    opened = {s["step_id"]: s["open_items"] for s in step_rows}
    counts = {sid: open_items(st) for sid, st in states.items()}
    store.workflows.write_steps(
        conn,
        run["id"],
        [
            {
                "step_id": sid,
                "status": st.status,
                "reason": st.reason,
                "items": st.items,
                "round": rounds[sid],
                "started": st.status == flow.RUNNING and before[sid] != flow.RUNNING,
                "finished": st.status in flow.STEP_ENDED,
                "open": counts[sid],
            }
            for sid, st in states.items()
            if sid in out.changed or counts[sid] != opened.get(sid)
        ],
        now,
    )
    launched = _launch(conn, store, run, out.launches, exec_rows, rounds, now)
    if out.ended:
        store.workflows.write_run_status(conn, run["id"], out.ended, now)
        fresh, again = start_held(conn, store, run, now)
        return Sent(lambda: _joined(launched.read(), (fresh, again)), launched.ids)
    if run["status"] == flow.PENDING and run["scheduled_for"] <= now:
        store.workflows.write_run_status(conn, run["id"], flow.RUNNING, now)
    else:
        store.workflows.touch(conn, run["id"], now)
    return launched


def _fail_unreadable(
    conn: Conn, store: Store, run: dict[str, Any], problem: str, now: datetime
) -> Sent:
    """A run whose steps no longer read (its row changed by hand or by another writer)
    can never advance: it ends FAILED, and the occurrence waiting for it starts, rather
    than staying RUNNING for every pass to try again. Its running steps finish on their
    own; a retry is refused saying why (``retry_run``), a new trigger takes the
    workflow's current steps."""
    log.warning("workflow run %s failed: %s", run["id"], problem)
    store.workflows.write_run_status(conn, run["id"], flow.FAILED, now)
    fresh, again = start_held(conn, store, run, now)
    return Sent(lambda: (fresh, again))


def _joined(a: Launched, b: Launched) -> Launched:
    return a[0] + b[0], a[1] + b[1]


def open_items(st: flow.StepState) -> int | None:
    """A running fan-out step's executions not ended yet, once each of its items is
    launched (None otherwise: the count is kept only where an item's end can change
    nothing while others are open, see ``record_ends``)."""
    if st.status != flow.RUNNING or st.items is None or len(st.executions) < len(st.items):
        return None
    return sum(1 for e in st.executions.values() if e.status not in flow.EXECUTION_ENDED)


def start_held(conn: Conn, store: Store, run: dict[str, Any], now: datetime) -> Launched:
    """A run that just ended (``run``: its row as locked) starts the occurrence's run
    that waited for it (overlap_policy other than allow), in the same commit."""
    if run["overlap_policy"] == "allow":
        return [], []
    held = store.workflows.next_held(conn, run, now)
    return advance_in(conn, store, held, now) if held else ([], [])


def _waits(conn: Conn, store: Store, run: dict[str, Any]) -> bool:
    """An occurrence's run (scheduled or backfilled) waits, under any overlap_policy but
    ``allow``, for the workflow's earlier unfinished runs to end: one at a time, oldest
    first (the run that ends starts it; the catch-up pass is the failsafe)."""
    return (
        run["source"] != "trigger"
        and run["overlap_policy"] != "allow"
        and store.workflows.waits_its_turn(conn, run)
    )


def _launch(
    conn: Conn,
    store: Store,
    run: dict[str, Any],
    launches: list[flow.Launch],
    exec_rows: list[dict[str, Any]],
    rounds: dict[str, int],
    now: datetime,
) -> Sent:
    """Write the executions of ``launches``: new ones inserted (their rows read later),
    those of a retried step run again in their rows."""
    if not launches:
        return Sent()
    by_id = {s["id"]: s for s in run["steps"]}
    defaults = run.get("handler_flows")
    if defaults is None:  # read with the run's lock (lock_workflow_runs), else now
        defaults = store.workflows.handler_flows(conn, [s["handler"] for s in run["steps"]])
    existing = {(e["step_id"], e["step_item"]): e["id"] for e in exec_rows}
    fresh: dict[int, list[dict[str, Any]]] = {}
    again: dict[int, list[dict[str, Any]]] = {}
    for x in launches:
        step = by_id[x.step_id]
        row = {
            **{k: step[k] for k in STEP_SETTINGS},
            "step_id": x.step_id,
            "item": x.item,
            "payload": x.payload,
            "inputs": x.inputs,
            **_flow_columns(step, defaults.get(step["handler"]), x.payload),
        }
        round_ = rounds[x.step_id]
        if (x.step_id, x.item) in existing:
            row["id"] = str(existing[(x.step_id, x.item)])
            again.setdefault(round_, []).append(row)
        else:
            fresh.setdefault(round_, []).append(row)
    job_id = run["job_id"]
    new = [
        store.workflows.send_step_executions(conn, run, job_id, rows, round_, now)
        for round_, rows in fresh.items()
    ]
    requeued = _news(
        [
            r
            for round_, rows in again.items()
            for r in store.workflows.write_requeued_executions(conn, run, rows, round_, now)
        ]
    )
    ids = tuple(r["id"] for rows in fresh.values() for r in rows)  # given by the insert
    return Sent(lambda: (_news([r for read in new for r in read()]), requeued), ids)


def _flow_columns(
    step: dict[str, Any], defaults: dict[str, Any] | None, payload: Any
) -> dict[str, Any]:
    """The step's concurrency and rate (its own, else its handler's), resolved for this
    execution's payload. A key its resolved payload lacks (read through a reference, so
    unchecked when the workflow was saved) leaves the execution without that control:
    the step still runs, and the log says why it ran unlimited."""
    own = {k: step.get(k) for k in STEP_CONTROLS}
    under = {k: v for k, v in controls.controls_of(own, defaults).items() if k in STEP_CONTROLS}
    try:
        return controls.execution_columns(under, payload if isinstance(payload, dict) else {})
    except controls.KeyMissing as exc:
        log.warning(
            "step execution written without its flow control: %s %s",
            exc.field,
            exc.problem,
            extra={"step_id": step["id"]},
        )
        return {}


def _news(rows: list[dict[str, Any]]) -> list[NewExecution]:
    return [new_execution(execution_from_row(r), None) for r in rows]


def push(handoff: Handoff, launched: Launched, now: datetime) -> None:
    new, requeued = launched
    if new:
        handoff.submit(lambda: new, now)
    if requeued:
        handoff.submit(lambda: requeued, now, again=True)


def advance(store: Store, queue: RedisQueue, run_ids: Iterable[Any], now: datetime) -> int:
    """Advance these runs, each in its own transaction, and push what they launch;
    how many executions were launched."""
    handoff = Handoff(store, queue)
    count = 0
    for run_id in dict.fromkeys(run_ids):
        with store.tx() as conn:
            launched = advance_in(conn, store, run_id, now)
        push(handoff, launched, now)
        count += len(launched[0]) + len(launched[1])
    return count


def record_ends(
    store: Store,
    queue: RedisQueue,
    starts: Sequence[Held],
    ends: Sequence[tuple[Held, Finish]],
    now: datetime,
    policy: RetryPolicy | None,
    claimable: dict[str, dict[str, Any]] | None = None,
) -> tuple[dict[str, Held], dict[str, Recorded], Launched]:
    """The worker's recording of a batch (``execution_record.record``); a batch that ends
    steps of workflow runs is recorded in one transaction with their advancement: the
    runs locked (in id order), the ends written, the runs advanced, then one commit,
    pipelined (statements sent together, each answer awaited only where it is read). A
    run whose ends are all items of fan-out steps with items still open is not advanced
    (``_items_still_open``). A batch of plain jobs keeps its one autocommit statement.
    What the advancement launched is pushed by the caller after (``push_launched``);
    with ``claimable``, the rows of its new executions are read too, as a claim reads
    them (``store.attempts.send_claimed``, in the COMMIT's round trip), into it by id:
    the worker that claims one of them next needs no read of its own.

    The one transaction failing for something other than an outage (a result
    PostgreSQL refuses, a partition dropped meanwhile, a bug) leaves nothing written;
    the batch is then recorded alone, as plain jobs are, and the runs advanced after,
    each apart (``after_ends``; the tick's catch-up is left what that cannot do)."""
    runs = sorted({str(h.row["workflow_run_id"]) for h, _ in ends if h.row.get("workflow_run_id")})
    if not runs:
        return (*execution_record.record(store, starts, ends, now, policy), ([], []))
    try:
        # Pipelined: BEGIN, the lock, the ends and the run's reads go together; its
        # writes, the next step's insert and the run's touch with COMMIT (two round
        # trips for a chain's edge, and for a fan-out's item that leaves others open).
        with store.pipelined_tx() as conn:
            lock = store.workflows.lock_runs(conn, runs)
            wrote = execution_record.record_sent(store, starts, ends, now, policy, conn)
            reads = _read_ahead(conn, store, ends)
            started, recorded, late = wrote()
            locked = lock()
            if late:  # some ends were written after those reads: read again
                reads = {}
            waiting = _items_still_open(conn, store, locked, ends, recorded)
            advanced = [
                advance_sent(conn, store, run_id, now, locked.get(run_id), reads.get(run_id))
                for run_id in _ended_runs(ends, recorded)
                if run_id not in waiting
            ]
            ids = [i for sent in advanced for i in sent.ids]
            rows = store.attempts.send_claimed(conn, ids) if claimable is not None else list
    except DependencyError:
        raise  # nothing written: the worker records the batch again later
    except Exception:
        log.exception("step ends not recorded with their advancement; recorded alone")
        started, recorded = execution_record.record(store, starts, ends, now, policy)
        after_ends(store, queue, [(run, ENDED_MARK) for run in _ended_runs(ends, recorded)], now)
        return started, recorded, ([], [])
    # Committed: what the advancement launched is read now (the COMMIT's round trip
    # brought every answer of the pipeline).
    new: list[NewExecution] = []
    again: list[NewExecution] = []
    for sent in advanced:
        fresh, requeued = sent.read()
        new += fresh
        again += requeued
    if claimable is not None:
        claimable.update((r["id"], r) for r in rows())
    return started, recorded, (new, again)


def _read_ahead(
    conn: Conn, store: Store, ends: Iterable[tuple[Held, Finish]]
) -> dict[str, RunState]:
    """The steps and executions of the runs this batch will likely advance, sent right
    after the ends (so read with them, in one round trip): runs with an end of a step's
    first (or only) execution. A run whose ends are all later items of a fan-out is
    likely left for its last item (``_items_still_open``): not read ahead."""
    reads: dict[str, RunState] = {}
    for held, _ in ends:
        run = held.row.get("workflow_run_id")
        if run and str(run) not in reads and not held.row.get("step_item"):
            run_id = uuid.UUID(str(run))
            reads[str(run)] = store.workflows.send_run_state(
                conn, run_id, held.row["scheduled_for"]
            )
    return reads


def _items_still_open(
    conn: Conn,
    store: Store,
    locked: dict[str, dict[str, Any]],
    ends: Iterable[tuple[Held, Finish]],
    recorded: dict[str, Recorded],
) -> set[str]:
    """The runs whose ends in this batch are all items of fan-out steps that still have
    items open: their advancement would change nothing (a step ends when its last item
    does, and only an ended step releases others), so it is left out, and with it the
    read of every execution of the run: a fan-out of N items is read when it starts and
    when its last item ends, not on each end. The ends are taken off the steps' open
    items here, in the same transaction (``close_step_items``)."""
    fans = {
        rid: {s["id"] for s in run["steps"] if s.get("for_each") is not None}
        for rid, run in locked.items()
    }
    closing: dict[tuple[str, str], int] = {}
    others: set[str] = set()
    for held, _ in ends:
        r = recorded.get(held.id)
        run = held.row.get("workflow_run_id")
        if r is None or not run or getattr(r.status, "value", r.status) not in ENDED:
            continue
        step = held.row.get("step_id")
        if step in fans.get(str(run), ()):
            key = (str(run), str(step))
            closing[key] = closing.get(key, 0) + 1
        else:
            others.add(str(run))
    left = store.workflows.close_items(conn, closing)
    # A step whose last item ended, or whose count is not kept, needs the advancement.
    moves = others | {key[0] for key in closing if left.get(key, 0) <= 0}
    return {run for run, _ in closing} - moves


def _ended_runs(ends: Iterable[tuple[Held, Finish]], recorded: dict[str, Recorded]) -> list[str]:
    """The runs of the steps' executions this batch ended (a retry to come ends none)."""
    runs = []
    for held, _ in ends:
        r = recorded.get(held.id)
        run = held.row.get("workflow_run_id")
        if r is not None and run and getattr(r.status, "value", r.status) in ENDED:
            runs.append(str(held.row["workflow_run_id"]))
    return list(dict.fromkeys(runs))


def push_launched(store: Store, queue: RedisQueue, launched: Launched, now: datetime) -> None:
    """Push what ``record_ends`` launched (a lost push: the tick's repair or outbox)."""
    if launched[0] or launched[1]:
        push(Handoff(store, queue), launched, now)


def after_ends(
    store: Store, queue: RedisQueue, ended: Iterable[tuple[Any, str]], now: datetime
) -> None:
    """The worker's call once it recorded executions' ends: ``ended`` holds (workflow run
    id or None, status written) per execution. Never raises: a run it could not advance
    is the catch-up pass's (the ends are recorded already)."""
    runs = [run for run, status in ended if run and status in ENDED]
    if not runs:
        return
    try:
        advance(store, queue, runs, now)
    except Exception:  # the tick's catch-up advances it
        log.exception("workflow runs not advanced; the tick's catch-up will")


def after_recorded(
    store: Store, queue: RedisQueue, batch: Iterable[Any], recorded: dict[str, Any], now: datetime
) -> None:
    """``after_ends`` for a worker's batch (``Completed`` runs) and what it recorded
    apart from ``record_ends`` (runs a user cancelled while they ran, noted after)."""
    ended = []
    for c in batch:
        r = recorded.get(c.running.execution.id)
        if r is not None and c.running.held.row.get("workflow_run_id"):
            status = getattr(r.status, "value", r.status)
            ended.append((c.running.held.row["workflow_run_id"], status))
    after_ends(store, queue, ended, now)


def catch_up(store: Store, queue: RedisQueue, now: datetime) -> int:
    """The tick's pass: advance unfinished runs not advanced for ``LAG_S`` that have an
    execution ended since or are due while PENDING, or not advanced for ``IDLE_S``
    (oldest first, at most ``CATCH_UP_BATCH``); how many executions were launched."""
    lagging = store.workflows.lagging(
        now - timedelta(seconds=LAG_S), now - timedelta(seconds=IDLE_S), now, CATCH_UP_BATCH
    )
    launched = 0
    for run_id in lagging:
        try:
            launched += advance(store, queue, [run_id], now)
        except DependencyError:
            raise  # the tick's pass reports it
        except Exception:  # one run's trouble never stops the tick, nor the others
            log.exception("workflow run not advanced", extra={"workflow_run_id": run_id})
    return launched
