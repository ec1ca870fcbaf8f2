"""One LocalStack for these tests, started as `make up` starts it (its own virtualenv,
the project's executor plug-in), on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.localstack import LocalStackProcess
from infra.local.ports import free_port

ROOT = Path(__file__).resolve().parents[3]
LOG_EVENTS_PER_GROUP = 50
"""Small, so a test reaches the bound in a few invocations (make up keeps 10,000)."""


@pytest.fixture(scope="session")
def localstack() -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(ROOT, port=free_port(), log_events_per_group=LOG_EVENTS_PER_GROUP)
    process.start()
    try:
        yield process
    finally:
        process.stop()
