"""Worker pools, the handler catalog, and limits held under a burst."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from jobsched.catalog import Catalog
from jobsched.errors import ValidationError
from jobsched.loader import builtin_registry, load_handlers
from jobsched.queue.keys import Keys
from jobsched.service import JobService
from jobsched.settings import Settings
from jobsched.worker import Worker
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for
from tests.plugins.sample import GATE


@pytest.fixture
def engine(store, queue, settings, clock) -> Engine:
    registry = load_handlers(["tests.plugins.sample"], plugins=False)
    return Engine(store, queue, settings, registry, clock)


@pytest.fixture
def api(engine: Engine) -> JobService:
    """The service as the API builds it: the built-ins and the catalog, no user module."""
    catalog = Catalog(builtin_registry(), engine.store)
    return JobService(engine.store, engine.queue, catalog, engine.settings, engine.clock)


@pytest.fixture
def gate() -> Iterator[None]:
    GATE.reset()
    yield
    GATE.open.set()


def worker(engine: Engine, worker_id: str, **settings: object) -> Worker:
    own: Settings = dataclasses.replace(engine.settings, **settings)
    w = Worker(engine.store, engine.queue, own, engine.registry, engine.clock, worker_id)
    w.announce()
    w.heartbeat()
    engine.workers.append(w)
    return w


def tick(engine: Engine) -> None:
    engine.scheduler.run_once(engine.clock.now())


def work(engine: Engine, *workers: Worker, rounds: int = 3) -> None:
    for _ in range(rounds):
        tick(engine)
        for w in workers:
            w.run_once(engine.clock.now())
            w.flush(engine.clock.now())


def trigger(api: JobService, job_id: str, n: int = 1) -> list[str]:
    runs = api.trigger_job(job_id, {"runs": [{} for _ in range(n)]})["items"]
    return [r["id"] for r in runs]


# ------------------------------------------------------------------ catalog


def test_the_api_validates_a_plugin_job_from_the_catalog_not_an_import(
    engine: Engine, api: JobService
) -> None:
    body = {"name": "sum", "handler": "sample.add", "payload": {"a": 1, "b": 2}}
    # No worker has published sample.add yet: the API does not know it.
    with pytest.raises(ValidationError) as caught:
        api.create_job(body)
    assert caught.value.fields["handler"].startswith("unknown handler")
    worker(engine, "w-default")
    with pytest.raises(ValidationError) as caught:
        api.create_job({**body, "payload": {"a": "x"}})
    assert caught.value.fields == {
        "payload.a": "'x' is not of type 'integer'",
        "payload.b": "is required",
    }
    job = api.create_job(body)
    assert (job["pool"], job["waiting"]) == ("default", None)

    (entry,) = [h for h in api.handlers()["items"] if h["name"] == "sample.add"]
    assert entry == {
        "name": "sample.add",
        "description": "Adds a and b.",
        "schema": entry["schema"],
        "pool": "default",
        "isolation": "thread",
        "overridable": [],  # published, as declared (none)
        "workers": ["w-default"],
        "flow": None,  # no flow-control defaults declared
    }
    assert entry["schema"]["required"] == ["a", "b"]
    assert "test.echo" in {h["name"] for h in api.handlers()["items"]}


def test_a_job_no_live_worker_serves_waits_says_why_then_runs(
    engine: Engine, api: JobService
) -> None:
    default = worker(engine, "w-default")  # loads sample.report, serves only "default"
    job = api.create_job({"name": "daily", "handler": "sample.report", "payload": {"day": 1}})
    assert job["pool"] == "reports"  # the handler's pool
    why = "no live worker serves handler 'sample.report' on pool 'reports'"
    assert job["waiting"] == why
    (run,) = trigger(api, job["id"])
    work(engine, default)
    execution = api.get_execution(run)
    assert (execution["status"], execution["waiting"]) == ("QUEUED", why)
    assert api.list_jobs({})["items"][0]["waiting"] == why

    reports = worker(engine, "w-reports", worker_pools=("reports",))
    assert api.get_job(job["id"])["waiting"] is None
    work(engine, default, reports)
    execution = api.get_execution(run)
    assert execution["status"] == "SUCCEEDED"
    assert execution["worker_id"] == "w-reports"
    assert execution["result"] == {"day": 1, "pool": "reports"}


# -------------------------------------------------------------------- pools


def test_each_pool_has_its_own_queue_with_strict_priority_within_it(
    engine: Engine, api: JobService
) -> None:
    worker(engine, "w-all", worker_pools=("default", "reports"))
    low = api.create_job({"name": "low", "handler": "sample.report", "priority": 10})
    high = api.create_job({"name": "high", "handler": "sample.report", "priority": 90})
    echo = api.create_job({"name": "echo", "handler": "test.echo"})
    first, second = trigger(api, low["id"]) + trigger(api, high["id"])
    (plain,) = trigger(api, echo["id"])
    keys = Keys(engine.settings.redis_key_prefix, "reports")
    assert keys.ready == f"{engine.settings.redis_key_prefix}:queue:reports"
    assert keys.inflight == "{" + engine.settings.redis_key_prefix + ":queue:reports}:inflight"
    reports = engine.queue.for_pool("reports")
    assert reports.ready_ids() == [second, first]  # higher priority first
    assert engine.queue.ready_ids() == [plain]  # the default pool keeps today's names
    assert engine.queue.known_pools() == ["default", "reports"]
    metrics = api.metrics()["queue"]
    assert metrics["ready"] == 3
    assert metrics["pools"]["reports"]["ready"] == 2


# ------------------------------------------------------------------- limits


def test_max_concurrency_holds_under_a_burst_and_says_why(
    engine: Engine, api: JobService, gate: None
) -> None:
    workers = [worker(engine, f"w{i}", max_concurrent_jobs=4) for i in range(3)]
    job = api.create_job({"name": "capped", "handler": "sample.gate", "max_concurrency": 2})
    runs = trigger(api, job["id"], 10)
    work(engine, *workers)
    wait_for(lambda: GATE.started == 2, what="two runs to start")
    work(engine, *workers)
    assert len(GATE.running) == 2
    views = [api.get_execution(r) for r in runs]
    held = [v for v in views if v["status"] == "QUEUED"]
    assert len(held) == 8
    assert {v["waiting"] for v in held} == {"its job is at its max_concurrency (2)"}
    GATE.open.set()
    engine.run_until(
        lambda: all(engine.status(r) == "SUCCEEDED" for r in runs), workers[0], timeout=30
    )
    assert GATE.peak == 2


def test_pool_concurrency_holds_across_workers(engine: Engine, api: JobService, gate: None) -> None:
    limits = {"pool_concurrency": ("default:3",), "max_concurrent_jobs": 4}
    workers = [worker(engine, f"w{i}", **limits) for i in range(3)]
    job = api.create_job({"name": "burst", "handler": "sample.gate"})
    runs = trigger(api, job["id"], 12)
    work(engine, *workers)
    wait_for(lambda: GATE.started == 3, what="three runs to start")
    work(engine, *workers)
    assert len(GATE.running) == 3
    waiting = {api.get_execution(r)["waiting"] for r in runs} - {None}
    assert waiting == {"the pool is at its concurrency limit (3)"}
    GATE.open.set()
    engine.run_until(
        lambda: all(engine.status(r) == "SUCCEEDED" for r in runs), workers[0], timeout=30
    )
    assert GATE.peak == 3


def test_the_rate_limit_counts_runs_started_per_interval_across_workers(
    engine: Engine, api: JobService
) -> None:
    limits = {"pool_rate_limits": ("default:4/60",), "max_concurrent_jobs": 10}
    workers = [worker(engine, f"w{i}", **limits) for i in range(2)]
    job = api.create_job({"name": "rated", "handler": "test.echo"})
    runs = trigger(api, job["id"], 10)

    def succeeded() -> int:
        return sum(engine.status(r) == "SUCCEEDED" for r in runs)

    work(engine, *workers, rounds=5)
    wait_for(lambda: (work(engine, *workers, rounds=1), succeeded())[1] == 4)
    work(engine, *workers, rounds=5)
    assert succeeded() == 4  # however often they claim within the minute
    assert api.get_execution(runs[-1])["waiting"].startswith("the pool is at its rate limit")
    engine.clock.advance(seconds=61)
    wait_for(lambda: (work(engine, *workers, rounds=1), succeeded())[1] == 8)
    work(engine, *workers, rounds=5)
    assert succeeded() == 8


def test_a_worker_leaves_runs_of_handlers_it_did_not_load_to_one_that_did(
    engine: Engine, api: JobService
) -> None:
    plugin = worker(engine, "w-plugin")  # publishes sample.add to the catalog
    bare = Worker(
        engine.store, engine.queue, engine.settings, builtin_registry(), engine.clock, "w-bare"
    )
    job = api.create_job({"name": "sum", "handler": "sample.add", "payload": {"a": 1, "b": 2}})
    (run,) = trigger(api, job["id"])
    work(engine, bare)
    execution = api.get_execution(run)
    # Not failed: it waits for a worker that loaded sample.add, and says so.
    assert execution["status"] == "QUEUED" and execution["attempts"] == []
    work(engine, plugin)
    assert api.get_execution(run)["status"] == "SUCCEEDED"
    assert api.get_execution(run)["worker_id"] == "w-plugin"


def test_a_job_follows_its_new_handlers_pool_unless_it_named_one(
    engine: Engine, api: JobService
) -> None:
    worker(engine, "w-default")
    payload = {"a": 1, "b": 2}
    follows = api.create_job({"name": "follows", "handler": "sample.add", "payload": payload})
    named = api.create_job(
        {"name": "named", "handler": "sample.add", "payload": payload, "pool": "special"}
    )
    assert (follows["pool"], named["pool"]) == ("default", "special")
    assert api.update_job(follows["id"], {"handler": "sample.report"})["pool"] == "reports"
    assert api.update_job(named["id"], {"handler": "sample.report"})["pool"] == "special"
    back = api.update_job(follows["id"], {"handler": "test.echo", "pool": None})
    assert back["pool"] == "default"


def test_the_api_never_imports_handler_modules(settings: Settings, store) -> None:
    from jobsched.clock import SystemClock
    from jobsched.loader import HandlerLoadError
    from jobsched.runtime import Runtime

    own = dataclasses.replace(settings, handler_modules=("tests.plugins.broken",))
    rt = Runtime(own, SystemClock())
    try:
        job = rt.service.create_job({"name": "fine", "handler": "test.echo"})
        assert job["handler"] == "test.echo"  # the API's service loaded no user module
        with pytest.raises(HandlerLoadError):
            rt.registry  # noqa: B018 - a worker's registry is where they load
    finally:
        rt.close()


def test_runs_that_cannot_start_do_not_hide_runs_that_can(engine: Engine, api: JobService) -> None:
    # sample.add is published to the catalog (so a job may name it), then its only
    # worker goes away: no worker serves it.
    plugin = worker(engine, "w-plugin")
    body = {"name": "unserved", "handler": "sample.add", "payload": {"a": 1, "b": 2}}
    unserved = api.create_job({**body, "priority": 100})
    engine.queue.remove_worker(plugin.worker_id)
    engine.workers.remove(plugin)
    capped = api.create_job(
        {"name": "capped", "handler": "test.echo", "priority": 100, "max_concurrency": 1}
    )
    other = api.create_job({"name": "other", "handler": "test.echo"})
    trigger(api, capped["id"], 500)
    stuck = trigger(api, unserved["id"], 500)
    runs = trigger(api, other["id"], 50)
    workers = [
        Worker(engine.store, engine.queue, engine.settings, builtin_registry(), engine.clock, w)
        for w in ("w1", "w2")
    ]

    def all_finished() -> bool:
        work(engine, *workers, rounds=1)
        return all(engine.status(r) == "SUCCEEDED" for r in runs)

    wait_for(all_finished, timeout=120, what="the other job's 50 runs to finish")
    execution = api.get_execution(stuck[0])
    assert execution["status"] == "QUEUED" and execution["waiting"]


def test_raising_a_jobs_max_concurrency_starts_its_waiting_runs_at_once(
    engine: Engine, api: JobService, gate: None
) -> None:
    w = worker(engine, "w1", max_concurrent_jobs=5)
    job = api.create_job({"name": "capped", "handler": "sample.gate", "max_concurrency": 1})
    runs = trigger(api, job["id"], 3)
    work(engine, w)
    wait_for(lambda: GATE.started == 1, what="one run to start")
    work(engine, w)
    waiting = [api.get_execution(r) for r in runs[1:]]
    assert {v["waiting"] for v in waiting} == {"its job is at its max_concurrency (1)"}
    api.update_job(job["id"], {"max_concurrency": 3})
    work(engine, w)
    wait_for(lambda: GATE.started == 3, what="the waiting runs to start")  # none has ended
    GATE.open.set()
    engine.run_until(lambda: all(engine.status(r) == "SUCCEEDED" for r in runs), w, timeout=30)


@pytest.mark.parametrize(("before", "after", "started"), [(1, 3, 3), (None, 1, 1), (2, None, 4)])
def test_a_changed_max_concurrency_holds_for_runs_no_claim_has_looked_at_yet(
    engine: Engine, api: JobService, gate: None, before: int | None, after: int | None, started: int
) -> None:
    """Runs queued before the change, still in the ready set (never parked), take the
    new cap too: a raised cap starts them, a new cap holds them, a removed cap frees
    them."""
    w = worker(engine, "w1", max_concurrent_jobs=5)  # publishes sample.gate; claims nothing yet
    fields = {} if before is None else {"max_concurrency": before}
    job = api.create_job({"name": "recapped", "handler": "sample.gate", **fields})
    runs = trigger(api, job["id"], 4)
    tick(engine)  # pushed; no claim has looked at them (so none was parked)
    api.update_job(job["id"], {"max_concurrency": after})
    work(engine, w)
    wait_for(lambda: GATE.started == started, what=f"{started} runs to start")
    work(engine, w)
    assert GATE.started == started
    GATE.open.set()
    engine.run_until(lambda: all(engine.status(r) == "SUCCEEDED" for r in runs), w, timeout=30)
