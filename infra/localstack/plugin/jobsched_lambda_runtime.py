"""The function side of the project's LocalStack Lambda executor: one execution environment.

Run by ``jobsched_lambda_executor`` as ``<project python> jobsched_lambda_runtime.py`` with
the unzipped function code as its working directory (Lambda's ``/var/task``) and the
function's environment (``_HANDLER``, the template's variables, ``AWS_LAMBDA_*``). Standard
library only: it runs in the project's interpreter, never LocalStack's.

Protocol (one JSON object per line): the executor writes invocations to our stdin,
``{"request_id", "payload", "invoked_function_arn", "deadline_ms"}``; we answer on the file
descriptor ``JOBSCHED_RESULT_FD`` with ``{"ready": true}`` once the handler is imported (or
``{"init_error": {...}}``), then one ``{"ok": bool, "payload": "<json>"}`` per invocation.
stdout and stderr are the function's log, which the executor collects per invocation.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import resource
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO


class LambdaContext:
    """The attributes and method of Lambda's context object that handlers use."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.invoked_function_arn = request.get("invoked_function_arn", "")
        self.aws_request_id = request["request_id"]
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(request["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def load_handler(spec: str) -> Callable[[Any, LambdaContext], Any]:
    """``module.attr`` (``app.app``, ``app.tick``) imported from the task root, as Lambda does."""
    module_name, _, attr = spec.rpartition(".")
    if not module_name:
        raise ValueError(f"handler {spec!r} is not of the form module.function")
    return getattr(importlib.import_module(module_name), attr)


def error_payload(exc: BaseException, error_type: str | None = None) -> str:
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": error_type or type(exc).__name__,
            "stackTrace": traceback.format_tb(exc.__traceback__),
        }
    )


def limit_memory() -> None:
    """Cap the heap at the function's MemorySize, so a function that outgrows it fails here
    as it would on Lambda (RLIMIT_DATA: allocations, not mapped code or thread stacks)."""
    megabytes = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "0") or 0)
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def serve(requests: TextIO, results: TextIO) -> int:
    def send(message: dict[str, Any]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()  # the log is complete before the executor reads it
        results.write(json.dumps(message) + "\n")
        results.flush()

    sys.path.insert(0, os.getcwd())
    limit_memory()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except Exception as exc:
        traceback.print_exc()
        send({"init_error": json.loads(error_payload(exc, "Runtime.ImportModuleError"))})
        return 1
    send({"ready": True})
    incoming: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_requests, args=(requests, incoming), daemon=True).start()
    while True:
        request = json.loads(incoming.get())
        try:
            raw = request.get("payload") or "{}"
            result = handler(json.loads(raw), LambdaContext(request))
            send({"ok": True, "payload": json.dumps(result)})
        except Exception as exc:
            traceback.print_exc()
            send({"ok": False, "payload": error_payload(exc)})


def _read_requests(requests: TextIO, sink: queue.Queue[str]) -> None:
    for line in requests:
        sink.put(line)
    # EOF: LocalStack stopped or died. Nobody is left to take a result, so end now, even
    # in the middle of an invocation, rather than outlive it.
    os._exit(0)


def main() -> int:
    results = os.fdopen(int(os.environ.pop("JOBSCHED_RESULT_FD")), "w")
    return serve(sys.stdin, results)


if __name__ == "__main__":
    raise SystemExit(main())
