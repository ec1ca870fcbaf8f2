"""The local stack, started as a user starts it: one on the single Redis for the
whole session, shared by every e2e test, and one on a 3-primary Redis Cluster only
for the cluster run of the tests marked ``also_cluster`` (what differs there: the
deployed tick and workers running their Lua on a cluster).

Neither expensive fixture depends on ``redis_mode``: a session fixture that did was
set up again each time the mode changed (single → cluster → unparametrised), which
started the LocalStack stack four times a run instead of twice.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobsched.client import Client
from tests.e2e.stack import Stack, local_stack


@pytest.fixture(scope="session")
def single_redis_stack(services: dict[str, str]) -> Iterator[Stack]:
    with local_stack(
        services["postgres_admin"], services["redis"], "e2e", REDIS_CLUSTER="false"
    ) as s:
        yield s


@pytest.fixture(scope="module")
def cluster_stack(services: dict[str, str], redis_cluster_url: str) -> Iterator[Stack]:
    """Module scope: pytest runs a module's cluster cases together (they share the
    session-scoped ``redis_mode`` parameter), so the stack stops as soon as they end
    instead of idling beside the rest of the suite."""
    with local_stack(
        services["postgres_admin"], redis_cluster_url, "e2ecluster", REDIS_CLUSTER="true"
    ) as s:
        yield s


@pytest.fixture
def stack(redis_mode: str, request: pytest.FixtureRequest) -> Stack:
    """The shared single-Redis stack; the cluster one for an ``also_cluster`` test's
    cluster run."""
    name = "cluster_stack" if redis_mode == "cluster" else "single_redis_stack"
    return request.getfixturevalue(name)


@pytest.fixture
def api(stack: Stack) -> Client:
    return stack.client()
