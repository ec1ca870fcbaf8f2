"""An in-process engine for tests: store + queue + tick + worker on a fake clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from jobsched.clock import FakeClock
from jobsched.domain.validation import validate_job_create
from jobsched.handler_settings import HandlerSettings
from jobsched.job_life import create_job
from jobsched.queue import RedisQueue
from jobsched.registry import HandlerRegistry
from jobsched.scheduler import Scheduler
from jobsched.service import JobService
from jobsched.settings import Settings
from jobsched.store import Store
from jobsched.worker import Worker
from tests.integration.helpers import wait_for


@dataclass
class Engine:
    store: Store
    queue: RedisQueue
    settings: Settings
    registry: HandlerRegistry
    clock: FakeClock
    handler_settings: HandlerSettings = field(default_factory=HandlerSettings)

    def __post_init__(self) -> None:
        self.scheduler = Scheduler(self.store, self.queue, self.settings, self.clock)
        self.service = JobService(
            self.store,
            self.queue,
            self.registry,
            self.settings,
            self.clock,
            handler_settings=self.handler_settings,
        )
        self.workers: list[Worker] = []

    def worker(self, worker_id: str = "w1") -> Worker:
        w = Worker(
            self.store,
            self.queue,
            self.settings,
            self.registry,
            self.clock,
            worker_id,
            handler_settings=self.handler_settings,
        )
        self.workers.append(w)
        return w

    def create_job(self, **fields: Any) -> str:
        body = {"name": f"job-{uuid.uuid4().hex[:12]}", "handler": "test.echo", **fields}
        data = validate_job_create(body, self.registry, self.handler_settings)
        return create_job(self.store, data, self.clock.now()).id

    def status(self, execution_id: str) -> str:
        return self.store.executions.get(execution_id).status

    def run_until(self, condition, worker: Worker | None = None, timeout: float = 15.0):
        """Tick and work (on the fake clock's current time) until ``condition()``."""
        worker = worker or (self.workers[0] if self.workers else self.worker())

        def step():
            self.scheduler.run_once(self.clock.now())
            worker.run_once(self.clock.now())
            worker.flush(self.clock.now())
            return condition()

        return wait_for(step, timeout=timeout, what="engine condition")
