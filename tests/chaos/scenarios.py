"""The ``make chaos`` scenarios: real tick and worker processes on a private ``Cluster``,
each scenario with its own jobs, processes and figures.

Every scenario runs with the default settings unless its ``overrides`` say otherwise
(the runner prints them). Counts come from PostgreSQL (is every execution final, which
attempts were interrupted) and from the ``chaos.mark`` handler's marks (how many times
each handler really ran).
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobsched.clock import SystemClock
from jobsched.domain.validation import validate_job_create
from jobsched.job_life import create_job, set_job_status
from jobsched.loader import load_handlers
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.store import Store
from jobsched.trigger import trigger
from tests.chaos import marks
from tests.chaos.cluster import Cluster, retrying
from tests.chaos.figures import (
    left_unfinished_by,
    occurrences,
    recovered_at,
    seconds_until_done,
    tally,
)

DEAD_WORKER_BOUND_S = 15.0
"""A SIGKILLed worker's runs must be finished elsewhere within this (issue 7: ~10 s)."""
LEADER_TTL_S = 5
"""Leader lock TTL of the tick-failover scenario: three failovers at the default 30 s
would take minutes; the failover time follows the TTL either way."""
GRACE_MS = 1000
"""WORKER_GRACE_MS of the hand-back scenario, so running work outlasts the grace."""


@dataclass
class Outcome:
    name: str
    figures: dict[str, Any]
    recovery: str
    """The scenario's headline time, for the table."""
    problems: list[str] = field(default_factory=list)
    overrides: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def until(condition: Callable[[], Any], timeout: float, interval: float = 0.2) -> bool:
    """Poll ``condition`` until it is truthy (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if retrying(condition):
            return True
        time.sleep(interval)
    return False


class Chaos:
    """A cluster plus the runner's own view of it (store, queue, marks)."""

    def __init__(self, cluster: Cluster, seed: int = 7) -> None:
        self.cluster = cluster
        self.store = Store(cluster.database_url)
        self.queue = RedisQueue(connect(cluster.redis_url), cluster.settings.redis_key_prefix)
        self.registry = load_handlers(["tests.chaos.marks"], plugins=False)
        self.clock = SystemClock()
        self.marks_dir: Path = cluster.root / "marks"
        self.marks_dir.mkdir(parents=True, exist_ok=True)
        self.random = random.Random(seed)
        self._names: dict[str, int] = {}
        self._ticks: list[str] = []

    def close(self) -> None:
        self.store.close()
        self.queue.client.close()

    # -- processes ---------------------------------------------------------------------

    def _name(self, prefix: str) -> str:
        self._names[prefix] = self._names.get(prefix, 0) + 1
        return f"{prefix}-{self._names[prefix]}"

    def worker(self, prefix: str, **env: str) -> str:
        name = self._name(prefix)
        env = {"WORKER_ID": name, marks.MARKS_DIR_ENV: str(self.marks_dir), **env}
        self.cluster.start(name, "worker", **env)
        return name

    def tick(self, prefix: str, **env: str) -> str:
        name = self._name(prefix)
        self.cluster.start(name, "tick", SCHEDULER_INSTANCE_ID=name, **env)
        self._ticks.append(name)
        return name

    def take_stranded(self) -> int:
        """Runs that the ticks started since the last call found missing from Redis in
        their periodic reconcile (every 30 s) although Redis had not lost its data: a
        path that should have pushed or kept them did not, and they waited for it."""
        stranded = 0
        for name in self._ticks:
            for line in (self.cluster.logs / f"{name}.log").read_text().splitlines():
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    if entry.get("message") == "tick repaired the queue":
                        stranded += int(entry.get("reconciled", 0))
        self._ticks.clear()
        return stranded

    # -- jobs and executions -----------------------------------------------------------

    def job(self, name: str, **fields: Any) -> str:
        data = validate_job_create(
            {"name": name, "handler": marks.NAME, **fields}, self.registry, self.cluster.settings
        )
        return create_job(self.store, data, self.clock.now()).id

    def trigger(self, job_id: str, durations_ms: Sequence[int]) -> None:
        runs = [{"payload": {"durationMs": d}} for d in durations_ms]
        for i in range(0, len(runs), 500):  # the API's batch limit, kept here too
            trigger(self.store, job_id, self.clock.now(), runs[i : i + 500])

    def rows(self, *job_ids: str) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            with self.store.tx() as conn:
                rows = conn.execute(
                    "SELECT id::text AS id, job_id::text AS job_id, status, worker_id,"
                    " scheduled_for, started_at, finished_at, attempts"
                    " FROM executions WHERE job_id = ANY(%(ids)s::uuid[])",
                    {"ids": list(job_ids)},
                ).fetchall()
            return rows

        return retrying(read)

    def count(self, job_id: str, *statuses: str) -> int:
        return sum(1 for r in self.rows(job_id) if r["status"] in statuses)

    def all_final(self, *job_ids: str) -> bool:
        return all(r["finished_at"] is not None for r in self.rows(*job_ids))

    def pause(self, job_id: str) -> None:
        retrying(lambda: set_job_status(self.store, job_id, "PAUSED", self.clock.now()))

    def leader(self) -> str:
        return retrying(lambda: self.queue.leader()[0]) or ""

    def marks(self) -> marks.Marks:
        return marks.read_marks(self.marks_dir)


def _wall() -> datetime:
    return datetime.now(UTC)


# -- the scenarios -----------------------------------------------------------------------


RECORD_EVERY_START = {"RECORD_RUNNING_AFTER_MS": "0"}


def worker_sigkill(
    chaos: Chaos, runs: int = 3000, workers: int = 3, kill_every_s: float = 3.0
) -> Outcome:
    """Workers SIGKILLed every few seconds while a few thousand runs go through, each
    replaced at once; default settings. Figures: lost, handler runs twice, and for each
    kill the seconds until the runs it had in flight were finished elsewhere. A run
    whose next worker was killed too counts until that worker took it over (its
    ``caught_again``): the rest of its wait is the later kill's, measured for it."""
    started = time.monotonic()
    job = chaos.job("kill-storm")
    chaos.tick("kill-tick")
    # The figures read the attempts recorded RUNNING: every start is recorded (a short
    # run would otherwise be written once, at its end, and a kill leave no trace of it).
    live = [chaos.worker("kill-w", **RECORD_EVERY_START) for _ in range(workers)]
    chaos.trigger(job, [chaos.random.randint(20, 200) for _ in range(runs)])
    until(lambda: chaos.count(job, "RUNNING"), timeout=60)
    kills: list[tuple[str, datetime]] = []
    while chaos.count(job, "PENDING", "QUEUED"):
        time.sleep(kill_every_s)  # the chaos's own cadence, not a wait for a condition
        busy = {r["worker_id"] for r in chaos.rows(job) if r["status"] == "RUNNING"}
        candidates = [w for w in live if w in busy]
        if not candidates:
            continue  # killing an idle worker would prove nothing
        victim = chaos.random.choice(candidates)
        chaos.cluster.kill(victim)
        kills.append((victim, _wall()))
        live.remove(victim)
        live.append(chaos.worker("kill-w", **RECORD_EVERY_START))
    until(lambda: chaos.all_final(job), timeout=DEAD_WORKER_BOUND_S * 3)
    rows = chaos.rows(job)
    t = tally(rows, chaos.marks())
    per_kill = []
    for victim, at in kills:
        theirs = [r for r in rows if left_unfinished_by(r, victim)]
        # A run claimed in Redis but not yet marked RUNNING has no attempt; it would
        # show up as lost if nothing released it.
        recovered = [recovered_at(r, victim) for r in theirs]
        done_s = (
            round((max(recovered) - at).total_seconds(), 1)
            if theirs and None not in recovered
            else None
        )
        again = sum(
            1 for r, when in zip(theirs, recovered, strict=True) if when != r["finished_at"]
        )
        per_kill.append(
            {"worker": victim, "in_flight": len(theirs), "done_s": done_s, "caught_again": again}
        )
    caught = [k for k in per_kill if k["in_flight"]]
    worst = max((k["done_s"] for k in caught if k["done_s"] is not None), default=None)
    if any(k["done_s"] is None for k in caught):
        worst = None
    outcome = Outcome(
        f"worker SIGKILL x{len(kills)}",
        {
            **t.figures(),
            "workers": workers,
            "kills": per_kill,
            "kill_to_its_runs_done_max_s": worst,
            "bound_s": DEAD_WORKER_BOUND_S,
        },
        recovery=f"kill->its runs done max {_s(worst)}",
        problems=t.problems(),
    )
    if not caught:
        outcome.problems.append("no kill caught a run in flight")
    elif worst is None:
        outcome.problems.append(
            f"a killed worker's runs were unfinished {DEAD_WORKER_BOUND_S * 3:.0f} s after "
            f"the kills stopped (bound {DEAD_WORKER_BOUND_S:.0f} s)"
        )
    elif worst > DEAD_WORKER_BOUND_S:
        outcome.problems.append(
            f"a killed worker's runs took {worst:.1f} s to finish elsewhere "
            f"(bound {DEAD_WORKER_BOUND_S:.0f} s)"
        )
    outcome.seconds = time.monotonic() - started
    return outcome


def leader_killed(chaos: Chaos, kills: int = 3) -> Outcome:
    """The leading tick SIGKILLed (a standby takes over, a replacement standby starts)
    while a per-second cron job runs: every occurrence must run exactly once."""
    started = time.monotonic()
    ttl = {"LEADER_LOCK_TTL": str(LEADER_TTL_S)}
    job = chaos.job("every-second", schedule="* * * * * *", payload={"durationMs": 50})
    for _ in range(2):
        chaos.tick("lead-tick", **ttl)
    for _ in range(2):
        chaos.worker("lead-w")

    def more_runs(n: int = 3) -> bool:
        target = chaos.count(job, "SUCCEEDED") + n
        return until(lambda: chaos.count(job, "SUCCEEDED") >= target, timeout=60)

    problems = []
    failovers: list[float | None] = []
    more_runs()
    for _ in range(kills):
        leader = chaos.leader().split(":")[0]
        if leader not in chaos.cluster.procs:
            problems.append(f"no leading tick to kill (leader {leader!r})")
            break
        at = time.monotonic()
        chaos.cluster.kill(leader)
        chaos.tick("lead-tick", **ttl)
        took_over = until(
            lambda leader=leader: chaos.leader() and not chaos.leader().startswith(leader + ":"),
            timeout=LEADER_TTL_S * 4,
            interval=0.1,
        )
        failovers.append(round(time.monotonic() - at, 1) if took_over else None)
        if not more_runs():
            problems.append("no cron runs after the leader was killed")
    chaos.pause(job)
    until(lambda: chaos.all_final(job), timeout=60)
    rows = chaos.rows(job)
    found = chaos.marks()
    t = tally(rows, found)
    occ = occurrences(rows, found)
    problems += t.problems()
    if occ["missing"]:
        problems.append(f"{occ['missing']} per-second occurrence(s) have no execution")
    if occ["ran_twice"]:
        problems.append(f"{occ['ran_twice']} per-second occurrence(s) ran more than once")
    if None in failovers:
        problems.append("a standby tick did not take over")
    worst = max((f for f in failovers if f is not None), default=None)
    return Outcome(
        f"leading tick SIGKILL x{len(failovers)}",
        {
            **t.figures(),
            **{f"occurrences_{k}" if k != "occurrences" else k: v for k, v in occ.items()},
            "failover_s": failovers,
        },
        recovery=f"failover max {_s(worst)}",
        problems=problems,
        overrides=ttl,
        seconds=time.monotonic() - started,
    )


def service_restart(chaos: Chaos, service: str, runs: int = 600) -> Outcome:
    """Redis SIGKILLed and restarted empty, or PostgreSQL restarted (fast shutdown), a
    third of the way through a batch while a per-second cron job runs; default settings.
    Nothing may be lost: the tick rebuilds Redis from PostgreSQL, workers keep results
    in memory until PostgreSQL is back."""
    started = time.monotonic()
    batch = chaos.job(f"{service}-batch")
    cron = chaos.job(f"{service}-cron", schedule="* * * * * *", payload={"durationMs": 50})
    chaos.tick(f"{service}-tick")
    for _ in range(2):
        chaos.worker(f"{service}-w")
    chaos.trigger(batch, [100] * runs)
    until(lambda: chaos.count(batch, "SUCCEEDED") >= runs // 3, timeout=90)
    down = time.monotonic()
    if service == "redis":
        chaos.cluster.restart_redis_empty()
    else:
        chaos.cluster.restart_postgres()
    outage_s = round(time.monotonic() - down, 1)
    back_at = _wall()
    until(lambda: chaos.all_final(batch), timeout=120)
    chaos.pause(cron)
    until(lambda: chaos.all_final(cron), timeout=60)
    rows = chaos.rows(batch, cron)
    found = chaos.marks()
    t = tally(rows, found)
    occ = occurrences(chaos.rows(cron), found)
    # Claims resumed: the first attempt started once the service answered again.
    starts = [r["started_at"] for r in rows if r["started_at"] and r["started_at"] > back_at]
    resumed = round((min(starts) - back_at).total_seconds(), 1) if starts else None
    drained = seconds_until_done([r for r in rows if r["job_id"] == batch], back_at)
    problems = t.problems()
    if occ["missing"]:
        problems.append(f"{occ['missing']} per-second occurrence(s) have no execution")
    if resumed is None:
        problems.append(f"no run started after {service} came back")
    label = "Redis restarted empty" if service == "redis" else "PostgreSQL restarted"
    return Outcome(
        label,
        {
            **t.figures(),
            "cron_occurrences": occ["occurrences"],
            "cron_missing": occ["missing"],
            "outage_s": outage_s,
            "claims_resumed_after_s": resumed,
            "batch_done_after_s": drained,
        },
        recovery=f"down {_s(outage_s)}, claims again {_s(resumed)}",
        problems=problems,
        seconds=time.monotonic() - started,
    )


def sigterm_hand_back(chaos: Chaos, runs: int = 10, duration_ms: int = 5000) -> Outcome:
    """A worker stopped with SIGTERM while its runs outlast the grace period: it exits
    cleanly, hands them back, and another worker runs them."""
    started = time.monotonic()
    grace = {"WORKER_GRACE_MS": str(GRACE_MS)}
    job = chaos.job("hand-back")
    chaos.tick("term-tick")
    first = chaos.worker("term-w", **grace)
    chaos.worker("term-w", **grace)
    chaos.trigger(job, [duration_ms] * runs)
    problems = []
    if not until(lambda: chaos.count(job, "RUNNING") >= runs, timeout=60):
        problems.append("the runs never all ran at once")
    at = _wall()
    clock = time.monotonic()
    code = chaos.cluster.terminate(first).returncode
    exit_s = round(time.monotonic() - clock, 1)
    chaos.worker("term-w", **grace)
    until(lambda: chaos.all_final(job), timeout=60)
    rows = chaos.rows(job)
    t = tally(rows, chaos.marks())
    handed = [
        r
        for r in rows
        if any(
            a.get("worker_id") == first and a.get("outcome") == "HANDED_BACK" for a in r["attempts"]
        )
    ]
    done_s = seconds_until_done(handed, at) if handed else None
    problems += t.problems()
    if code != 0:
        problems.append(f"the SIGTERMed worker exited with {code}")
    if not handed:
        problems.append("nothing was handed back")
    return Outcome(
        "SIGTERM hand-back",
        {
            **t.figures(),
            "handed_back": len(handed),
            "sigterm_to_exit_s": exit_s,
            "sigterm_to_handed_back_done_s": done_s,
        },
        recovery=f"exit {_s(exit_s)}, done {_s(done_s)}",
        problems=problems,
        overrides=grace,
        seconds=time.monotonic() - started,
    )


def _s(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.1f} s"
