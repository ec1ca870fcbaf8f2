"""One warm Lambda container per function: a lazily imported handler behind a lock.

Lambda runs one request at a time per container, and code is written for that: Chalice
keeps ``app.current_request`` on the app object, so two concurrent calls into one app
would see each other's request. Every function here is one container, so invocations of
the same function are serialized; different functions (API and tick) run in parallel.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from infra.local.context import LocalLambdaContext
from infra.local.template import FunctionSpec, resolve_handler

log = logging.getLogger("infra.local.runtime")

Handler = Callable[[dict[str, Any], Any], Any]


class FunctionRuntime:
    def __init__(
        self,
        function: FunctionSpec,
        *,
        package: str | None = "app",
        handler: Handler | None = None,
    ) -> None:
        self.function = function
        self._package = package
        self._handler = handler
        self._lock = threading.Lock()

    def load(self) -> Handler:
        """Import the handler now (the stack does this at start, so a broken app fails loudly)."""
        with self._lock:
            return self._load()

    def _load(self) -> Handler:
        if self._handler is None:
            # Imported on first use, like a cold start, so the environment the stack sets
            # up (API_KEYS, DATABASE_URL, ...) is in place before the app module runs.
            started = time.monotonic()
            self._handler = resolve_handler(self.function.handler, self._package)
            log.info(
                "%s: loaded %s in %.0f ms",
                self.function.logical_id,
                self.function.handler,
                (time.monotonic() - started) * 1000,
            )
        return self._handler

    def new_context(self) -> LocalLambdaContext:
        return LocalLambdaContext(self.function)

    def invoke(self, event: dict[str, Any], context: LocalLambdaContext | None = None) -> Any:
        """Run the handler once; waits while another invocation of this function runs."""
        with self._lock:
            handler = self._load()
            # The Timeout counts from when the container takes the request, not from
            # when it was queued behind the previous one.
            context = context or self.new_context()
            return handler(event, context)
