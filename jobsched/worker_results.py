"""The worker's results: finished attempts, and runs that now run long, recorded in one
statement, then settled in Redis (acked, retried later, handed back). Mixed into
``Worker`` (jobsched/worker.py), whose state it uses; what each write does is decided by
``jobsched.domain.recording`` and guarded by ``jobsched.execution_record``."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import datetime

from jobsched import execution_record, workflow_steps
from jobsched.domain.recording import Finish, Held, Recorded
from jobsched.domain.states import AttemptOutcome, ExecutionStatus
from jobsched.errors import DependencyError
from jobsched.worker_executions import STOPPED, Completed, Running, _by_pool

log = logging.getLogger("jobsched.worker")


class WorkerResults:
    # -------------------------------------------------------------- results

    def flush(self, now: datetime | None = None) -> int:
        """Record finished attempts, and runs that now run long as RUNNING, in one
        statement; then settle the finished ones in Redis."""
        now = now or self.clock.now()
        long_since = time.monotonic() - self.record_running_after_s
        with self._lock:
            batch = list(self.completed)
            long = [
                r
                for r in self.running.values()
                if r.started
                and not (r.done or r.held.recorded or r.lease_lost)
                and r.started <= long_since
            ]
        if not batch and not long:
            return 0
        # Work interrupted by this worker stopping goes back to the queue; work that
        # finished anyway, or that a user cancelled, is recorded as usual. Work whose
        # lease was lost belongs to another worker now: nothing of it is recorded.
        interrupted = (AttemptOutcome.CANCELLED, AttemptOutcome.HANDED_BACK)
        handed_back: list[Completed] = []
        finishes: list[Finish] = []
        ends: list[tuple[Held, Finish]] = []
        unrun: list[tuple[str, str, str]] = []
        for c in batch:
            run = c.running
            if run.lease_lost:
                continue
            if run.skipped:
                unrun.append((run.execution.id, run.token, run.execution.pool))
                continue
            if run.stopping and not run.cancel_requested and c.outcome in interrupted:
                handed_back.append(c)
                if run.held.recorded:  # else the row is still QUEUED: nothing to undo
                    stop = AttemptOutcome.HANDED_BACK
                    ends.append(
                        (run.held, Finish(run.execution.id, run.token, stop, error=STOPPED))
                    )
                continue
            finish = Finish(
                run.execution.id,
                run.token,
                c.outcome,
                c.result,
                c.error,
                run.deliveries,
                fail_now=c.fail_now,
                retry_after_ms=c.retry_after_ms,
            )
            finishes.append(finish)
            ends.append((run.held, finish))
        try:
            rows = self.launched.fresh()  # the released steps' rows, for the claim below
            started, recorded, launched = workflow_steps.record_ends(
                self.store, self.queue, [r.held for r in long], ends, now, self.retry_policy, rows
            )
            # What the ends released is claimable at once (by this worker's claim below).
            workflow_steps.push_launched(self.store, self.queue, launched, now)
            self._started_long(long, started)
            noted = self._note_cancelled(batch, recorded, now)
            recorded.update(noted)
            pool_of = {c.running.execution.id: c.running.execution.pool for c in batch}
            later: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
            acks: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for f in finishes:
                r = recorded.get(f.execution_id)
                if r is not None and r.retry_at is not None:
                    later[pool_of[f.execution_id]].append((f.execution_id, f.token, r.retry_at))
                else:
                    acks[pool_of[f.execution_id]].append((f.execution_id, f.token))
            for pool, items in later.items():
                self._queue(pool).retry_later(items)
            for pool, leases in acks.items():
                self._queue(pool).ack(leases)
            for pool, leases in _by_pool(unrun).items():
                self._queue(pool).ack(leases)
            # A run handed back before it started does not count as a delivery.
            self._hand_back(handed_back, now)
        except DependencyError as exc:
            log.warning("could not record results yet, will retry: %s", exc)
            return 0
        self._count(finishes, recorded, len(handed_back))
        workflow_steps.after_recorded(self.store, self.queue, batch, noted, now)
        self.prefetch.finished(len(finishes))
        with self._lock:
            # Handlers may have completed more meanwhile; keep those for the next flush.
            self.completed = self.completed[len(batch) :]
            for c in batch:
                self.running.pop(c.running.execution.id, None)
        return len(batch)

    def _note_cancelled(
        self, batch: list[Completed], recorded: dict[str, Recorded], now: datetime
    ) -> dict[str, Recorded]:
        """Runs a user cancelled while they ran here, before anything of them was
        written: the cancel found them QUEUED and closed no attempt, and their end was
        just refused (the row is CANCELLED). Their attempt is added to the history, so
        the run shows it ran (``store.attempts.note_cancelled``); returned as recorded."""
        ends = [
            (c.running.held, c.error)
            for c in batch
            if c.outcome == AttemptOutcome.CANCELLED
            and c.running.cancel_requested
            and not (c.running.held.recorded or c.running.lease_lost or c.running.skipped)
            and c.running.execution.id not in recorded
        ]
        noted = execution_record.note_cancelled(self.store, ends, now)
        return {i: Recorded(ExecutionStatus.CANCELLED) for i in noted}

    def _started_long(self, long: list[Running], started: dict[str, Held]) -> None:
        """Runs recorded RUNNING are now held as such; one whose row changed before it
        could be recorded (another worker recorded it, a user cancelled it) is not
        ours any more: stopped, and its result discarded, as for a lost lease."""
        for run in long:
            held = started.get(run.held.id)
            if held is not None:
                run.held = held
            elif not run.lease_lost:
                run.lease_lost = True
                run.ctx.cancelled.set()
                self.stats.lease_lost += 1
                log.warning(
                    "run taken over before it was recorded; stopping it",
                    extra={"execution_id": run.held.id},
                )

    def _count(
        self, finishes: list[Finish], recorded: dict[str, Recorded], handed_back: int
    ) -> None:
        s = self.stats
        s.handed_back += handed_back
        debug = log.isEnabledFor(logging.DEBUG)
        for f in finishes:
            r = recorded.get(f.execution_id)
            if r is not None and r.status == "SUCCEEDED":
                # The common case, per run: nothing built for a log line nobody reads.
                s.succeeded += 1
                if debug:
                    log.debug(
                        "attempt succeeded",
                        extra={"execution_id": f.execution_id, "outcome": f.outcome.value},
                    )
                continue
            ids = {"execution_id": f.execution_id, "outcome": f.outcome.value}
            if r is None:
                s.stale += 1
                log.info("result not recorded: run cancelled, deleted or leased again", extra=ids)
            elif r.status == "CANCELLED":
                s.cancelled += 1
                log.info("attempt cancelled", extra=ids)
            elif r.retry_at is not None:
                s.retried += 1
                log.warning(
                    "attempt failed; will retry",
                    extra={**ids, "error": f.error, "retry_at": r.retry_at.isoformat()},
                )
            else:
                s.failed += 1
                log.warning(
                    "execution failed; dead-lettered",
                    extra={**ids, "error": f.error, "reason": r.dead_letter_reason},
                )
