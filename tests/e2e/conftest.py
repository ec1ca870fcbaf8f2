"""The local stack, started as a user starts it, once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobsched.client import Client
from tests.e2e.stack import Stack, local_stack


@pytest.fixture(scope="session")
def stack(services: dict[str, str], redis_url: str, redis_cluster: bool) -> Iterator[Stack]:
    """The stack; a second one on a 3-primary Redis Cluster for tests marked
    ``also_cluster`` (it runs them again there)."""
    cluster = "true" if redis_cluster else "false"
    with local_stack(services["postgres_admin"], redis_url, "e2e", REDIS_CLUSTER=cluster) as s:
        yield s


@pytest.fixture
def api(stack: Stack) -> Client:
    return stack.client()
