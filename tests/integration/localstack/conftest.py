"""One LocalStack for these tests, started as `make up` starts it (its own virtualenv,
the project's executor plug-in), on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.localstack import LocalStackProcess
from infra.local.ports import free_port

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def localstack() -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(ROOT, port=free_port())
    process.start()
    try:
        yield process
    finally:
        process.stop()
