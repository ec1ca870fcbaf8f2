"""Finding the running Redis/PostgreSQL, or starting project-local ones."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from infra.local.errors import LocalCloudError
from infra.local.ports import free_port, is_listening
from infra.local.services import (
    LocalServices,
    cluster_ok,
    ensure_database,
    ensure_postgres,
    ensure_redis,
    is_cluster_node,
    postgres_answers,
    redis_answers,
)

SYSTEM_REDIS = "redis://127.0.0.1:6379/0"
SYSTEM_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def local_root() -> Iterator[Path]:
    # Not pytest's tmp_path: as root, PostgreSQL runs as another user, who must be able
    # to reach its data directory, and pytest's temporary tree is private to root.
    root = Path(tempfile.mkdtemp(prefix="jobsched-services-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def services(local_root: Path) -> Iterator[LocalServices]:
    services = LocalServices(local_root)
    yield services
    services.stop()


@pytest.mark.skipif(not is_listening("127.0.0.1", 6379), reason="no Redis on 6379")
def test_a_running_redis_is_used_as_is(services: LocalServices) -> None:
    assert ensure_redis(SYSTEM_REDIS, services) == SYSTEM_REDIS
    assert services.pids == []


@pytest.mark.skipif(not is_listening("127.0.0.1", 5432), reason="no PostgreSQL on 5432")
def test_a_running_postgres_is_used_as_is(services: LocalServices) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/some_db_that_need_not_exist"
    assert ensure_postgres(url, services) == url
    assert services.pids == []


def test_a_local_redis_is_started_when_nothing_answers(services: LocalServices) -> None:
    unused = free_port()
    url = services.ensure_redis(f"redis://127.0.0.1:{unused}/2")
    assert url != f"redis://127.0.0.1:{unused}/2"
    assert url.startswith("redis://127.0.0.1:") and url.endswith("/2")
    client = redis.Redis.from_url(url)
    client.set("k", "v")
    assert client.get("k") == b"v"
    assert client.config_get("save") == {"save": ""}
    assert client.config_get("appendonly") == {"appendonly": "no"}
    client.close()
    (pid,) = services.pids
    services.stop()
    assert not redis_answers(url)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_local_redis_cluster_is_started_beside_a_plain_redis(services: LocalServices) -> None:
    # REDIS_CLUSTER=true with REDIS_URL at a plain Redis (the usual one on 6379): a
    # cluster client cannot use it, so a 3-primary cluster starts on other ports.
    plain = services.ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    url = services.ensure_redis_cluster(plain)
    assert url != plain and not is_cluster_node(plain)
    assert len(services.pids) == 1 + 3
    assert is_cluster_node(url) and cluster_ok(url, nodes=3)
    # Given that cluster's URL, it is used as it is.
    assert services.ensure_redis_cluster(url) == url
    assert len(services.pids) == 1 + 3
    services.stop()
    assert not redis_answers(url)


def test_a_local_postgres_is_started_and_a_database_created(services: LocalServices) -> None:
    unused = free_port()
    url = services.ensure_postgres(f"postgresql://postgres@localhost:{unused}/jobsched_local")
    assert url.startswith("postgresql://postgres@127.0.0.1:") and url.endswith("/jobsched_local")
    ensure_database(url)
    ensure_database(url)  # idempotent
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("jobsched_local",)
    assert any(services.root.glob("postgres-*/data/PG_VERSION"))  # the cluster lives there
    services.stop()
    assert not postgres_answers(url, strict=True)


@pytest.mark.skipif(not is_listening("127.0.0.1", 5432), reason="no PostgreSQL on 5432")
def test_ensure_database_on_the_running_server() -> None:
    name = f"jobsched_local_{secrets.token_hex(4)}"
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        ensure_database(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        with psycopg.connect(SYSTEM_POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_remote_url_that_does_not_answer_is_not_replaced(services: LocalServices) -> None:
    # .invalid is a reserved name that never resolves: no traffic leaves the machine.
    with pytest.raises(LocalCloudError, match="not a local address"):
        services.ensure_redis("redis://unreachable.invalid:6379/0")
    assert services.pids == []
