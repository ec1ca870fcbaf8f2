"""A cost that stays flat as history grows: keyset pages, totals from counters, and
executions partitioned by day (retention drops a day; dead letters stay)."""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from jobsched.errors import ValidationError
from jobsched.scheduler import Scheduler
from jobsched.store import Store
from jobsched.store.migrations import migrate, migration_files
from jobsched.store.queries import q
from tests.integration.engine import Engine

PARTITIONING = "0008_"
FAIL = {"handler": "test.delay", "payload": {"durationMs": 0, "shouldFail": True}}


def _all_pages(list_page, params: dict[str, Any], between=None) -> list[dict[str, Any]]:
    """Every item of a list, page by page; ``between()`` runs before each next page."""
    items, cursor = [], None
    while True:
        page = list_page({**params, **({"cursor": cursor} if cursor else {})})
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        if between:
            between()


def _partition_of(engine: Engine, execution_id: str) -> str:
    with engine.store.tx() as conn:
        row = conn.execute(
            "SELECT tableoid::regclass::text AS part FROM executions WHERE id = %s",
            (uuid.UUID(execution_id),),
        ).fetchone()
    return row["part"]


def test_executions_page_newest_first_without_gaps_while_runs_are_added(engine: Engine) -> None:
    job = engine.create_job()
    other = engine.create_job()
    ids = []
    for _ in range(3):  # three batches at three times
        ids += [e["id"] for e in engine.service.trigger_job(job, {"runs": [{}] * 5})["items"]]
        engine.service.trigger_job(other, {})
        engine.clock.advance(seconds=1)

    def trigger_more() -> None:  # newer runs must not shift the pages already read
        engine.service.trigger_job(job, {"runs": [{}, {}]})

    paged = _all_pages(
        lambda p: engine.service.list_executions(p, job_id=job), {"limit": "4"}, trigger_more
    )
    seen = [e["id"] for e in paged]
    assert len(seen) == len(set(seen))
    assert seen == [i for i in seen if i in ids]  # none of the later runs: they are newer
    assert set(seen) == set(ids)
    keys = [(e["created_at"], e["id"]) for e in paged]
    assert keys == sorted(keys, reverse=True)
    # The global list and the status filter page the same way.
    everything = _all_pages(engine.service.list_executions, {"limit": "7"})
    assert (
        len(everything) == engine.service.list_executions({})["total"] == 15 + 3 + 3 * 2
    )  # 3 batches, 3 others, 2 runs per next page
    queued = _all_pages(engine.service.list_executions, {"limit": "5", "status": "QUEUED"})
    assert len(queued) == len(everything)


@pytest.mark.parametrize(
    "sort",
    [
        "name",
        "-name",
        "created_at",
        "-created_at",
        "next_run_time",
        "-next_run_time",
        "priority",
        "-priority",
    ],
)
def test_every_job_sort_pages_through_every_job_once_in_order(engine: Engine, sort: str) -> None:
    for i in range(9):
        engine.create_job(
            name=f"job-{i % 4}-{i}",
            priority=(i % 3) * 10,  # ties: the id breaks them
            schedule=None if i % 3 == 0 else f"{i} * * * *",  # some never run on their own
        )
        engine.clock.advance(seconds=i % 2)  # some created at the same instant
    full = engine.service.list_jobs({"sort": sort, "limit": "200"})["items"]
    paged = _all_pages(engine.service.list_jobs, {"sort": sort, "limit": "2"})
    assert [j["id"] for j in paged] == [j["id"] for j in full]
    assert len({j["id"] for j in paged}) == 9
    column = sort.lstrip("-")
    values = [j[column] for j in paged if j[column] is not None]
    assert values == sorted(values, reverse=sort.startswith("-"))
    if column == "next_run_time":  # jobs without a schedule come last either way
        assert [j[column] is None for j in paged] == [False] * 6 + [True] * 3


def test_dead_letter_pages_newest_first(engine: Engine) -> None:
    job = engine.create_job(**FAIL, max_retries=0)
    runs = [e["id"] for e in engine.service.trigger_job(job, {"runs": [{}] * 5})["items"]]
    engine.run_until(lambda: engine.service.list_dead_letter({})["total"] == 5)
    paged = _all_pages(engine.service.list_dead_letter, {"limit": "2"})
    assert sorted(e["execution_id"] for e in paged) == sorted(runs)


def _cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode()


@pytest.mark.parametrize(
    "list_name, params",
    [
        ("list_jobs", {"sort": "priority", "cursor": None}),  # a cursor of another sort
        ("list_jobs", {"cursor": _cursor("jobs:created_at", "yesterday", str(uuid.uuid4()))}),
        ("list_jobs", {"sort": "name", "cursor": _cursor("jobs:name", "a\x00", "x")}),
        ("list_jobs", {"sort": "priority", "cursor": _cursor("jobs:priority", 2**40, "x")}),
        ("list_executions", {"cursor": _cursor("executions", "2026-01-01T00:00:00", "x")}),
        ("list_executions", {"cursor": "[" * 150}),
        ("list_executions", {"cursor": _cursor("[" * 10)}),
        ("list_dead_letter", {"cursor": _cursor("executions", None, None)}),
    ],
)
def test_a_cursor_this_api_did_not_return_is_a_400_naming_cursor(
    engine: Engine, list_name: str, params: dict[str, Any]
) -> None:
    for i in range(3):
        engine.create_job(name=f"job-{i}")
    if params["cursor"] is None:  # a real cursor, from the name sort
        params["cursor"] = engine.service.list_jobs({"sort": "name", "limit": "1"})["next_cursor"]
    with pytest.raises(ValidationError) as refused:
        getattr(engine.service, list_name)(params)
    assert list(refused.value.fields) == ["cursor"]


def _true_counts(engine: Engine) -> dict[tuple[str, str, str], int]:
    with engine.store.tx() as conn:
        rows = conn.execute(
            "SELECT job_id, handler, status, count(*) AS n FROM executions GROUP BY 1, 2, 3"
        ).fetchall()
    return {(str(r["job_id"]), r["handler"], r["status"]): r["n"] for r in rows}


def _assert_totals_match(engine: Engine, jobs: list[str]) -> None:
    truth = _true_counts(engine)
    total = engine.service.list_executions
    assert total({})["total"] == sum(truth.values())
    by_status = engine.service.metrics()["executions"]["by_status"]
    for status, n in by_status.items():
        assert n == sum(v for (_, _, s), v in truth.items() if s == status), status
        assert total({"status": status})["total"] == n
    for job in jobs:
        assert total({}, job_id=job)["total"] == sum(
            v for (j, _, _), v in truth.items() if j == job
        )
        assert total({"status": "FAILED"}, job_id=job)["total"] == sum(
            v for (j, _, s), v in truth.items() if (j, s) == (job, "FAILED")
        )
    assert total({"handler": "test.delay"})["total"] == sum(
        v for (_, h, _), v in truth.items() if h == "test.delay"
    )


def test_totals_and_metrics_stay_exact_as_runs_change_state(engine: Engine) -> None:
    ok, failing = engine.create_job(), engine.create_job(**FAIL, max_retries=0)
    doomed = engine.create_job(handler="test.log", payload={"message": "m"})
    jobs = [ok, failing, doomed]
    engine.service.trigger_job(ok, {"runs": [{}] * 4})
    first_fail = engine.service.trigger_job(failing, {})
    engine.service.trigger_job(doomed, {"runs": [{}] * 3})
    _assert_totals_match(engine, jobs)  # before the tick folds anything
    engine.run_until(lambda: engine.status(first_fail["id"]) == "FAILED")
    _assert_totals_match(engine, jobs)  # folded by the ticks, with fresh deltas on top
    cancel = engine.service.trigger_job(ok, {})
    engine.service.cancel_execution(cancel["id"])
    engine.service.retry_execution(first_fail["id"])
    engine.service.delete_job(doomed)
    _assert_totals_match(engine, jobs[:2])
    engine.scheduler.run_once(engine.clock.now())
    _assert_totals_match(engine, jobs[:2])
    with engine.store.tx() as conn:  # emptied wholesale, as the test fixtures do
        conn.execute("TRUNCATE executions CASCADE")
    assert engine.service.list_executions({})["total"] == 0
    assert set(engine.service.metrics()["executions"]["by_status"].values()) == {0}


def test_the_tick_creates_daily_partitions_a_week_ahead(engine: Engine) -> None:
    job = engine.create_job()
    engine.clock.advance(days=20)
    far = engine.service.trigger_job(job, {})  # its day gets its partition as it is written
    day = engine.clock.now().strftime("%Y%m%d")
    assert _partition_of(engine, far["id"]) == f"executions_p{day}"
    engine.clock.advance(days=1)
    engine.scheduler.run_once(engine.clock.now())
    for ahead in range(8):
        day = (engine.clock.now() + timedelta(days=ahead)).strftime("%Y%m%d")
        with engine.store.tx() as conn:
            exists = conn.execute("SELECT to_regclass(%s) AS t", (f"executions_p{day}",))
            assert exists.fetchone()["t"] is not None, day
    run = engine.service.trigger_job(job, {})
    day = engine.clock.now().strftime("%Y%m%d")
    assert _partition_of(engine, run["id"]) == f"executions_p{day}"
    assert engine.service.get_execution(far["id"])["id"] == far["id"]


def _exists(engine: Engine, table: str) -> bool:
    with engine.store.tx() as conn:
        return conn.execute("SELECT to_regclass(%s) AS t", (table,)).fetchone()["t"] is not None


def _a_day_without_partition(engine: Engine, ahead: int) -> datetime:
    """The first time ``ahead`` days or more from the clock whose day has no partition
    (the tests share a database: another test may have made that day's)."""
    when = engine.clock.now() + timedelta(days=ahead)
    while _exists(engine, f"executions_p{when:%Y%m%d}"):
        when += timedelta(days=1)
    return when


def test_a_run_written_far_ahead_gets_its_days_partition(engine: Engine) -> None:
    job = engine.create_job()
    when = _a_day_without_partition(engine, 30)
    far = engine.service.trigger_job(job, {"run_at": when.isoformat()})["id"]
    part = f"executions_p{when:%Y%m%d}"
    assert _partition_of(engine, far) == part
    # The clock reaches that day: the tick's partitions are made, and the day's runs
    # (the far one, and those written on the day) are in its partition.
    engine.clock.set(when - timedelta(days=2))
    engine.scheduler.run_once(engine.clock.now())
    engine.clock.set(when)
    later = engine.service.trigger_job(job, {})["id"]
    assert {_partition_of(engine, far), _partition_of(engine, later)} == {part}
    _assert_totals_match(engine, [job])


def test_runs_left_in_the_default_partition_move_into_their_days_partition(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = engine.create_job()
    when = _a_day_without_partition(engine, 30)
    # The partition could not be made when the run was written (its lock was busy).
    monkeypatch.setattr(engine.store.partitions, "ensure_for", lambda times: None, raising=False)
    far = engine.service.trigger_job(job, {"run_at": when.isoformat()})["id"]
    assert _partition_of(engine, far) == "executions_default"
    monkeypatch.undo()
    engine.clock.set(when - timedelta(days=2))
    engine.scheduler.run_once(engine.clock.now())  # the day comes within a week
    part = f"executions_p{when:%Y%m%d}"
    assert _partition_of(engine, far) == part
    engine.clock.set(when)
    later = engine.service.trigger_job(job, {})["id"]
    assert _partition_of(engine, later) == part
    assert engine.service.get_execution(far)["status"] == "QUEUED"
    _assert_totals_match(engine, [job])


def test_retention_drops_old_days_whole_and_keeps_dead_letters(engine: Engine) -> None:
    engine.settings = dataclasses.replace(engine.settings, retention_days=30)
    engine.scheduler = Scheduler(engine.store, engine.queue, engine.settings, engine.clock)
    ok, failing = engine.create_job(), engine.create_job(**FAIL, max_retries=0)
    old_ok = [e["id"] for e in engine.service.trigger_job(ok, {"runs": [{}] * 5})["items"]]
    old_dead = engine.service.trigger_job(failing, {})["id"]
    engine.run_until(
        lambda: all(engine.status(i) in ("SUCCEEDED", "FAILED") for i in [*old_ok, old_dead])
    )
    recent = engine.service.trigger_job(ok, {})["id"]
    engine.run_until(lambda: engine.status(recent) == "SUCCEEDED")
    old_day = engine.clock.now() - timedelta(days=35)
    with engine.store.tx() as conn:  # those runs happened 35 days ago, in their own day
        conn.execute(q("ensure_execution_partitions"), {"now": old_day, "days": 1})
        conn.execute(
            "UPDATE executions SET scheduled_for = scheduled_for - interval '35 days',"
            " created_at = created_at - interval '35 days',"
            " finished_at = finished_at - interval '35 days' WHERE id = ANY(%s)",
            ([uuid.UUID(i) for i in [*old_ok, old_dead]],),
        )
    old_partition = f"executions_p{old_day:%Y%m%d}"
    assert _partition_of(engine, old_dead) == old_partition

    engine.scheduler.run_once(engine.clock.now())  # creates the cleanup job
    jobs = engine.service.list_jobs({})["items"]
    (cleanup,) = [j["id"] for j in jobs if j["name"] == "system-cleanup"]
    run = engine.service.trigger_job(cleanup, {})["id"]
    engine.run_until(lambda: engine.status(run) == "SUCCEEDED")

    assert engine.store.executions.get(run).result["deleted"] == 5
    with engine.store.tx() as conn:
        gone = conn.execute("SELECT to_regclass(%s) AS t", (old_partition,)).fetchone()["t"]
    assert gone is None  # the whole day was dropped
    remaining = {e["id"] for e in _all_pages(engine.service.list_executions, {"limit": "200"})}
    assert not remaining & set(old_ok) and {recent, old_dead} <= remaining
    # The dead letter and its run stay, readable and redrivable.
    (entry,) = engine.service.list_dead_letter({})["items"]
    assert entry["execution_id"] == old_dead
    assert engine.service.get_execution(old_dead)["status"] == "FAILED"
    engine.service.redrive_dead_letter(entry["id"])
    engine.run_until(lambda: engine.status(old_dead) == "FAILED")
    _assert_totals_match(engine, [ok, failing])


def test_a_name_sorted_cursor_holds_the_longest_name(engine: Engine) -> None:
    longest = "\U0001f600" * 200  # 200 characters of 4 bytes each
    for prefix in ("a", "b"):
        engine.create_job(name=prefix + longest[1:])
    first = engine.service.list_jobs({"sort": "name", "limit": "1"})
    rest = engine.service.list_jobs({"sort": "name", "limit": "1", "cursor": first["next_cursor"]})
    assert [j["name"][0] for j in (*first["items"], *rest["items"])] == ["a", "b"]


def test_the_audit_total_stays_exact_without_counting_the_log(engine: Engine) -> None:
    def logged() -> int:
        with engine.store.tx() as conn:
            return conn.execute("SELECT count(*) AS n FROM audit_log").fetchone()["n"]

    job = engine.service.create_job({"name": "audited", "handler": "test.echo"})
    engine.service.pause_job(job["id"])
    engine.service.resume_job(job["id"])
    assert engine.service.list_audit({})["total"] == logged() == 3
    engine.scheduler.run_once(engine.clock.now())  # folds the counter
    engine.service.trigger_job(job["id"], {"runs": [{}, {}]})
    assert engine.service.list_audit({})["total"] == logged() == 4
    assert engine.service.list_audit({"action": "pause"})["total"] == 1


def test_the_migration_moves_existing_history_into_days_and_counts_it(
    services: dict[str, str],
) -> None:
    admin = services["postgres_admin"]
    name = f"jobsched_fc_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            for file, text in migration_files():  # the schema before partitioning
                if file.startswith(PARTITIONING):
                    break
                conn.execute(text)
            conn.execute(
                "CREATE TABLE schema_migrations (name text PRIMARY KEY,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            conn.execute(
                "INSERT INTO schema_migrations (name) SELECT unnest(%s::text[])",
                ([f for f, _ in migration_files() if f < PARTITIONING],),
            )
            job = uuid.uuid4()
            conn.execute(
                "INSERT INTO jobs (id, name, handler, priority, max_retries, timeout_ms,"
                " retry_backoff_ms, retry_backoff_max_ms, status, created_at, updated_at)"
                " VALUES (%s, 'old', 'test.echo', 50, 0, 1000, 0, 0, 'SCHEDULED', now(), now())",
                (job,),
            )
            runs = {}
            for days, status in [
                (0, "SUCCEEDED"),
                (0, "QUEUED"),
                (3, "FAILED"),
                (400, "SUCCEEDED"),
            ]:
                runs[uuid.uuid4()] = (days, status)
            for run, (days, status) in runs.items():
                conn.execute(
                    "INSERT INTO executions (id, job_id, source, status, scheduled_for, priority,"
                    " handler, max_retries, timeout_ms, retry_backoff_ms, retry_backoff_max_ms,"
                    " created_at, updated_at) VALUES (%s, %s, 'trigger', %s,"
                    " now() - %s * interval '1 day', 50, 'test.echo', 0, 1, 0, 0,"
                    " now() - %s * interval '1 day', now())",
                    (run, job, status, days, days),
                )
            (failed,) = [r for r, (_, s) in runs.items() if s == "FAILED"]
            conn.execute(
                "INSERT INTO dead_letter (id, execution_id, job_id, reason, attempts, created_at)"
                " VALUES (%s, %s, %s, 'out of retries', 1, now())",
                (uuid.uuid4(), failed, job),
            )
        assert migrate(url)[0].startswith(PARTITIONING)
        store = Store(url)
        try:
            assert store.executions.list(job_id=str(job)).total == 4
            assert store.stats.counts()["executions"] == {"SUCCEEDED": 2, "QUEUED": 1, "FAILED": 1}
            (entry,) = store.dead_letter.list().items
            assert entry.execution_id == str(failed)
            with store.tx() as conn:
                parts = conn.execute(
                    "SELECT id, tableoid::regclass::text AS part FROM executions"
                ).fetchall()
            where = {r["id"]: r["part"] for r in parts}
            # Recent days get their own partitions; more than 60 days back, the default.
            assert where[failed].startswith("executions_p")
            (ancient,) = [r for r, (d, _) in runs.items() if d == 400]
            assert where[ancient] == "executions_default"
        finally:
            store.close()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
