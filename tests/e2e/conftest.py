"""The local stack, started as a user starts it, once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobsched.client import Client
from tests.e2e.stack import Stack, local_stack


@pytest.fixture(scope="session")
def stack(services: dict[str, str], redis_url: str) -> Iterator[Stack]:
    with local_stack(services["postgres_admin"], redis_url, "e2e") as s:
        yield s


@pytest.fixture
def api(stack: Stack) -> Client:
    return stack.client()
