"""Fixtures of the container tests: the worker image built as ``make image`` builds it, and
worker containers run as the template's ECS task runs them (infra/worker/containers.py).

The image is built once per session (~25-45 s once the debootstrap base and the wheelhouse are
cached under .cache/containers; ~1.5 min the first time). Missing tools are an error naming
``infra/bootstrap.sh --containers`` (which ``make test`` runs), never a skip.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.aws.worker_task import WorkerTask, worker_task
from infra.worker.containers import WorkerContainer
from infra.worker.image import Built, build_image
from infra.worker.podman import Engine as ContainerEngine
from infra.worker.podman import missing_tools
from jobsched.clock import SystemClock
from jobsched.loader import load_handlers
from jobsched.settings import Settings
from tests.integration.engine import Engine

PLUGINS = Path(__file__).resolve().parent / "plugins"
PROBE = "tests.integration.containers.plugins.probe"


@pytest.fixture(scope="session")
def containers() -> ContainerEngine:
    if missing := missing_tools():
        pytest.fail(f"missing {', '.join(missing)}: run infra/bootstrap.sh --containers")
    return ContainerEngine.from_env()


@pytest.fixture(scope="session")
def worker_image(containers: ContainerEngine) -> Built:
    built = build_image(containers)
    print(f"worker image {built.image}: {built.size_bytes / 1e6:.0f} MB in {built.build_s} s")
    return built


@pytest.fixture(scope="session")
def task() -> WorkerTask:
    return worker_task()


@pytest.fixture
def engine(store, queue, settings: Settings, clock) -> Engine:
    """The store and queue the containers share, with the probe handlers known to the API
    side (job validation) and a real clock (the containers run in real time)."""
    e = Engine(store, queue, settings, load_handlers([PROBE], plugins=False), clock)
    e.clock = SystemClock()  # type: ignore[assignment]
    return e


class Workers:
    """Worker containers of one test, removed at its end."""

    def __init__(
        self, containers: ContainerEngine, task: WorkerTask, settings: Settings, image: str
    ) -> None:
        self.containers = containers
        self.task = task
        self.settings = settings
        self.image = image
        self.started: list[WorkerContainer] = []
        self.run_tag = secrets.token_hex(3)

    def env(self, worker_id: str, **overrides: str) -> dict[str, str]:
        """The task's variables: the template's values, this test's servers and prefix."""
        return {
            "WORKER_ID": worker_id,
            "WORKER_POOLS": "default",
            "DATABASE_URL": self.settings.database_url,
            "REDIS_URL": self.settings.redis_url,
            "REDIS_CLUSTER": "false",
            "REDIS_KEY_PREFIX": self.settings.redis_key_prefix,
            "HANDLER_MODULES": "probe",
            # Each start recorded at once, so a test can see which container runs what.
            "RECORD_RUNNING_AFTER_MS": "0",
            **overrides,
        }

    def start(
        self,
        worker_id: str,
        *,
        image: str | None = None,
        memory_mb: int | None = None,
        **env: str,
    ) -> WorkerContainer:
        c = WorkerContainer(
            self.containers, self.task, f"jstest-{self.run_tag}-{worker_id}", image or self.image
        )
        self.started.append(c)
        c.start(
            self.env(worker_id, **env),
            memory_mb=memory_mb,
            # The probe handlers, read-only; PYTHONPATH is the tests' only extra variable.
            extra=["--volume", f"{PLUGINS}:/plugins:ro", "--env", "PYTHONPATH=/plugins"],
        )
        return c

    def remove_all(self) -> None:
        for c in self.started:
            c.remove()


@pytest.fixture
def workers(
    containers: ContainerEngine, task: WorkerTask, settings: Settings, worker_image: Built
) -> Iterator[Workers]:
    w = Workers(containers, task, settings, worker_image.image)
    yield w
    w.remove_all()
