"""Builds the core's long-lived objects from settings, once per process.

Lambda containers and CLI processes call ``runtime()``; clients are created on
first use so importing the app costs nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jobsched.clock import Clock, SystemClock
from jobsched.handler_settings import HandlerSettings
from jobsched.queue import RedisQueue
from jobsched.queue.redis_queue import connect
from jobsched.registry import HandlerRegistry
from jobsched.settings import Settings
from jobsched.store import Store


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    handler_settings: HandlerSettings = field(default_factory=HandlerSettings)
    _scheduler: Any = field(default=None, init=False, repr=False)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.database_url)

    @cached_property
    def queue(self) -> RedisQueue:
        return RedisQueue(
            connect(self.settings.redis_url, cluster=self.settings.redis_cluster),
            self.settings.redis_key_prefix,
        )

    @cached_property
    def registry(self) -> HandlerRegistry:
        """Every handler this process can run: the built-ins, ``HANDLER_MODULES`` and
        the installed entry points (a module that fails to import stops start-up)."""
        from jobsched.loader import load_handlers

        return load_handlers(self.settings.handler_modules)

    @cached_property
    def catalog(self):  # -> Catalog
        """What the API knows of handlers: the built-ins and what workers published,
        never an import of the user's modules."""
        from jobsched.catalog import Catalog
        from jobsched.loader import builtin_registry

        return Catalog(builtin_registry(), self.store)

    @cached_property
    def service(self):  # -> JobService (import kept lazy for cheap cold starts)
        from jobsched.service import JobService

        return JobService(
            self.store,
            self.queue,
            self.catalog,
            self.settings,
            self.clock,
            handler_settings=self.handler_settings,
        )

    @cached_property
    def access(self):  # -> Access (import kept lazy for cheap cold starts)
        from jobsched.access import Access
        from jobsched.queue.rate_limit import RateLimiter
        from jobsched.store.keys import KeyStore

        limiter = RateLimiter(self.queue.client, self.settings.redis_key_prefix)
        return Access(self.settings, KeyStore(self.store), limiter, self.clock)

    def scheduler(self, instance_id: str | None = None):  # -> Scheduler
        """The process's scheduler (one lock owner per warm Lambda container, so a
        later invocation renews its own lock instead of waiting for it to lapse)."""
        from jobsched.scheduler import Scheduler

        if instance_id is not None:
            return Scheduler(self.store, self.queue, self.settings, self.clock, instance_id)
        if self._scheduler is None:
            self._scheduler = Scheduler(self.store, self.queue, self.settings, self.clock)
        return self._scheduler

    def worker(self, worker_id: str | None = None):  # -> Worker
        from jobsched.worker import Worker

        return Worker(
            self.store,
            self.queue,
            self.settings,
            self.registry,
            self.clock,
            worker_id,
            handler_settings=self.handler_settings,
        )

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        if "queue" in self.__dict__:
            self.queue.client.close()


_runtime: Runtime | None = None
_lock = threading.Lock()


def runtime() -> Runtime:
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime(Settings.from_env(), SystemClock(), HandlerSettings.from_env())
        return _runtime


def set_runtime(rt: Runtime | None) -> None:
    """Install a runtime built elsewhere (tests, the local cloud); None resets it."""
    global _runtime
    with _lock:
        _runtime = rt
