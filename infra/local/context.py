"""A LambdaContext stand-in whose remaining time counts down from the function's Timeout.

The tick handler loops until its remaining time runs low, so this clock is how the local
cloud both bounds an invocation and ends it early: ``expire()`` makes the context report
0 ms left, and a handler that honours remaining time returns at its next check.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from infra.local.template import FunctionSpec

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # the placeholder account AWS documentation and moto use


class LocalLambdaContext:
    """The attributes and method of ``awslambdaric``'s LambdaContext that handlers use."""

    def __init__(
        self,
        function: FunctionSpec,
        *,
        request_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.function_name = function.logical_id
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = function.memory_mb
        self.invoked_function_arn = (
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.logical_id}"
        )
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.logical_id}"
        self.log_stream_name = f"local/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._clock = clock
        self._deadline = clock() + function.timeout_s
        self._expired = threading.Event()

    def get_remaining_time_in_millis(self) -> int:
        if self._expired.is_set():
            return 0
        return max(0, int((self._deadline - self._clock()) * 1000))

    def expire(self) -> None:
        """Report no time left from now on (the stack is stopping)."""
        self._expired.set()
