"""Shared fixtures: real PostgreSQL and Redis, isolated per test run.

- one database per test session (``jobsched_test_<random>``), migrated once and
  dropped at the end; tables are emptied before each test that uses the store;
- one Redis key prefix per test (``jstest:<random>``); the test's keys are deleted
  afterwards (never FLUSHALL: other things may share the server).

REDIS_URL / DATABASE_URL point the suite at other servers; when nothing answers
there, project-local servers are started (see infra/local/services.py).

Modules marked ``also_cluster`` run twice: against the single Redis and against a
3-primary Redis Cluster the suite starts itself (``redis_cluster_url``, under a temp
dir, once per session; REDIS_CLUSTER_URL names one to use instead). Their fixtures
(``queue``, ``settings``, ``key_prefix``) build cluster clients for the second run.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobsched.clock import FakeClock  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.queue import RedisQueue  # noqa: E402
from jobsched.queue.redis_queue import connect  # noqa: E402
from jobsched.settings import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, Settings  # noqa: E402
from jobsched.store import Store  # noqa: E402
from jobsched.store.migrations import migrate  # noqa: E402


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def services() -> Iterator[dict[str, str]]:
    from infra.local.services import ensure_postgres, ensure_redis

    base_pg = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    base_redis = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    pg = ensure_postgres(_with_database(base_pg, "postgres"))
    redis_url = ensure_redis(base_redis)
    yield {"postgres_admin": pg, "redis": redis_url}


@pytest.fixture(scope="session")
def database_url(services: dict[str, str]) -> Iterator[str]:
    admin = services["postgres_admin"]
    name = f"jobsched_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(admin, name)
    migrate(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REDIS_MODES = ("single", "cluster")

# `make test` runs the suite on two pytest-xdist workers (``-n 2 --dist loadgroup``).
# These start the LocalStack stack, a browser, LocalStack on its own, worker containers
# or private servers under load: each is heavy for a 2-core machine and their session
# fixtures (one stack for all e2e tests, one image build) must be set up once, so they
# run together, in order, on one worker while the other takes the unit and integration
# tests (and shares the rest when done).
ONE_WORKER = (
    "tests/e2e/",
    "tests/chaos/",
    "tests/integration/local/",
    "tests/integration/localstack/",
    "tests/integration/containers/",
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """For ``--dist loadgroup``: one work unit for ONE_WORKER, one per test elsewhere.
    (xdist 3.8 groups by ``xdist_group`` marks by rewriting ``item._nodeid``, which
    pytest 9 no longer reads, so the marks alone would group nothing.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class StackOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "stack" if nodeid.startswith(ONE_WORKER) else nodeid

    return StackOnOneWorker(config, log)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("also_cluster") and (
        "redis_mode" in metafunc.fixturenames
    ):
        metafunc.parametrize("redis_mode", REDIS_MODES, indirect=True, scope="session")


@pytest.fixture(scope="session")
def redis_mode(request: pytest.FixtureRequest) -> str:
    """``single`` unless an ``also_cluster`` module's second run asks for ``cluster``."""
    return getattr(request, "param", "single")


@pytest.fixture(scope="session")
def redis_cluster(redis_mode: str) -> bool:
    """Whether this test talks to a Redis Cluster (the REDIS_CLUSTER setting)."""
    return redis_mode == "cluster"


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A 3-primary Redis Cluster for the session, started from ``redis-server`` on free
    loopback ports (or the one at REDIS_CLUSTER_URL), torn down at the end."""
    from infra.local.services import LocalServices

    with LocalServices(tmp_path_factory.mktemp("redis-cluster")) as services:
        yield services.ensure_redis_cluster(
            os.environ.get("REDIS_CLUSTER_URL") or "redis://127.0.0.1:1/0"
        )


@pytest.fixture(scope="session")
def redis_url(services: dict[str, str], redis_mode: str, request: pytest.FixtureRequest) -> str:
    if redis_mode == "cluster":
        return request.getfixturevalue("redis_cluster_url")
    return services["redis"]


@pytest.fixture
def key_prefix(redis_url: str, redis_cluster: bool) -> Iterator[str]:
    prefix = f"jstest:{secrets.token_hex(6)}"
    yield prefix
    client = connect(redis_url, cluster=redis_cluster)  # a cluster client scans every node
    for key in client.scan_iter(match=f"*{prefix}*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture
def settings(database_url: str, redis_url: str, redis_cluster: bool, key_prefix: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_cluster=redis_cluster,
        redis_key_prefix=key_prefix,
        leader_lock_ttl_s=5,
        visibility_timeout_ms=30_000,
        max_concurrent_jobs=4,
        worker_grace_ms=2_000,
        # In-process workers record each run RUNNING as it starts, so a test sees it
        # running at once; runs written once have their own tests (test_write_once.py),
        # and worker processes (test_worker_process.py) run with the default.
        record_running_after_ms=0,
        # No built-in cleanup job unless a test asks for one (tests/integration/test_retention.py).
        retention_days=0,
        audit_retention_days=0,
    )


@pytest.fixture(scope="session")
def _session_store(database_url: str) -> Iterator[Store]:
    store = Store(database_url, max_size=8)
    store.pool.wait(timeout=10)
    yield store
    store.close()


@pytest.fixture
def store(_session_store: Store) -> Store:
    with _session_store.tx() as conn:
        conn.execute(
            "TRUNCATE jobs, executions, dead_letter, audit_log, api_keys, calendars CASCADE"
        )
    return _session_store


@pytest.fixture
def queue(redis_url: str, redis_cluster: bool, key_prefix: str) -> Iterator[RedisQueue]:
    client = connect(redis_url, cluster=redis_cluster)
    yield RedisQueue(client, key_prefix)
    client.close()


@pytest.fixture
def clock() -> FakeClock:
    from datetime import UTC, datetime

    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def registry():
    return builtin_registry()
