"""LocalStack Lambda executor: each execution environment is a subprocess of the project's
interpreter (``JOBSCHED_LAMBDA_PYTHON``) instead of a Docker container.

Loaded inside LocalStack 4.13.1 (entry point ``localstack.lambda.runtime_executor``, name
``jobsched-subprocess``). LocalStack keeps doing what it does for Docker: it creates one
environment per concurrent invocation, reuses warm ones, stops idle ones, routes results
and logs (CloudWatch Logs) and retries. This module only starts, feeds and stops the
process, and does what LocalStack's in-container init would do: enforce the function's
Timeout (kill, report ``Task timed out``, start afresh on the next invocation), report a
crashed runtime, and frame each invocation's log with START/END/REPORT lines.

It relies on LocalStack internals (the ``RuntimeExecutor`` interface, the invoke payload
keys, ``InvocationResult``), hence the exact pin and ``check_internals`` below, which the
test suite runs.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from localstack import config
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

LOG = logging.getLogger(__name__)

PINNED_VERSION = "4.13.1"
RUNTIME_SCRIPT = Path(__file__).with_name("jobsched_lambda_runtime.py")
STOP_GRACE_S = 2.0
LOOPBACK = "127.0.0.1"


def function_python() -> str:
    """The interpreter functions run in: the project's, whose packages the code imports."""
    return os.environ.get("JOBSCHED_LAMBDA_PYTHON") or shutil.which("python3") or sys.executable


class SubprocessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id, function_version)
        self._env: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: Any = None
        self._results: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._log_path = Path(tempfile.gettempdir()) / "jobsched-lambda" / f"{id}.log"
        self._log_offset = 0
        self._init_ms: float | None = None  # reported once, as Lambda's REPORT does

    # -- lifecycle ----------------------------------------------------------------

    def start(self, env_vars: dict[str, str]) -> None:
        code = self.function_version.config.code
        if code is None:
            raise LambdaRuntimeException("only zip-packaged functions run in subprocesses")
        self._code_dir = str(code.get_unzipped_code_location())
        env = {k: str(v) for k, v in env_vars.items()}
        env["LAMBDA_TASK_ROOT"] = self._code_dir  # our /var/task
        env["PYTHONUNBUFFERED"] = "1"
        # A function sees its own environment, not LocalStack's, as on Lambda; PATH and
        # LANG are what the runtime image would provide.
        for name in ("PATH", "LANG", "HOME"):
            if name in os.environ and name not in env:
                env[name] = os.environ[name]
        self._env = env
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._spawn(timeout=config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)

    def _spawn(self, timeout: float) -> None:
        read_fd, write_fd = os.pipe()
        results: queue.Queue[dict[str, Any] | None] = queue.Queue()
        with open(self._log_path, "ab") as log:
            process = subprocess.Popen(
                [function_python(), str(RUNTIME_SCRIPT)],
                cwd=self._code_dir,
                env={**self._env, "JOBSCHED_RESULT_FD": str(write_fd)},
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                start_new_session=True,  # stop() ends the function's children too
            )
        os.close(write_fd)
        self._process, self._results, self._requests = process, results, process.stdin
        reader = threading.Thread(
            target=_read_results, args=(read_fd, results), name=f"lambda-{self.id}", daemon=True
        )
        reader.start()
        started = time.monotonic()
        try:
            message = results.get(timeout=timeout)
        except queue.Empty:
            message = None
        if not message or not message.get("ready"):
            self._kill()
            reason = (message or {}).get("init_error") or "the runtime exited during start-up"
            raise LambdaRuntimeException(f"environment {self.id} failed to start: {reason}")
        self._init_ms = (time.monotonic() - started) * 1000

    def stop(self) -> None:
        self._kill()

    def _kill(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    # -- invocations --------------------------------------------------------------

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout_s = float(self.function_version.config.timeout)
        started = time.monotonic()
        if self._process is None or self._process.poll() is not None:
            # The previous invocation timed out or crashed the runtime: a fresh one, as the
            # Lambda init does after a reset.
            self._spawn(timeout=config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)
        request = {
            "request_id": request_id,
            "payload": payload.get("payload") or "",
            "invoked_function_arn": payload.get("invoked-function-arn", ""),
            "deadline_ms": int((time.time() + timeout_s) * 1000),
        }
        try:
            self._requests.write((json.dumps(request) + "\n").encode())
            self._requests.flush()
            message = self._results.get(timeout=timeout_s)
        except (BrokenPipeError, OSError):
            message = None
        except queue.Empty:
            message = {"timed_out": True}

        if message is not None and message.get("timed_out"):
            LOG.warning(
                "%s timed out after %.0f s: its environment is killed",
                self.function_version.id.function_name,
                timeout_s,
            )
            self._kill()
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            error = {
                "errorMessage": f"{stamp} {request_id} Task timed out after {timeout_s:.2f} seconds"
            }
            body, is_error = json.dumps(error), True
        elif message is None:
            code = self._process.wait() if self._process else None
            error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                f"exit status {code}",
            }
            body, is_error = json.dumps(error), True
        else:
            body, is_error = message["payload"], not message["ok"]
        duration_ms = (time.monotonic() - started) * 1000
        logs = (
            f"START RequestId: {request_id} Version: {self.function_version.id.qualifier}\n"
            f"{self._new_log()}"
            f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Memory Size: {self.function_version.config.memory_size} MB"
            + (f"\tInit Duration: {self._init_ms:.2f} ms" if self._init_ms is not None else "")
            + "\n"
        )
        self._init_ms = None
        return InvocationResult(request_id, body.encode(), is_error=is_error, logs=logs)

    def _new_log(self) -> str:
        """What the function wrote since the last invocation ended (init output included)."""
        try:
            with open(self._log_path, "rb") as log:
                log.seek(self._log_offset)
                data = log.read()
        except FileNotFoundError:
            return ""
        self._log_offset += len(data)
        text = data.decode("utf-8", "replace")
        return text if not text or text.endswith("\n") else text + "\n"

    def get_logs(self) -> str:
        try:
            return self._log_path.read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""

    # -- addresses: everything is on this machine -----------------------------------

    def get_address(self) -> str:
        return LOOPBACK

    def get_endpoint_from_executor(self) -> str:
        return LOOPBACK

    def get_runtime_endpoint(self) -> str:
        return f"http://{LOOPBACK}:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        runtime = str(function_version.config.runtime or "")
        if not runtime.startswith("python"):
            raise LambdaRuntimeException(f"runtime {runtime!r}: only Python functions run here")
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()  # unzips the code

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        python = function_python()
        if not os.access(python, os.X_OK):
            LOG.warning("JOBSCHED_LAMBDA_PYTHON %s is not an executable interpreter", python)
            return False
        return True


def _read_results(fd: int, sink: queue.Queue[dict[str, Any] | None]) -> None:
    with os.fdopen(fd, "rb") as stream:
        for line in stream:
            try:
                sink.put(json.loads(line))
            except ValueError:
                LOG.warning("unreadable message from a Lambda runtime: %r", line[:200])
    sink.put(None)  # EOF: the runtime exited


class SubprocessExecutorPlugin(RuntimeExecutorPlugin):
    name = "jobsched-subprocess"

    def load(self, *args: Any, **kwargs: Any) -> type[RuntimeExecutor]:
        return SubprocessRuntimeExecutor


def check_internals() -> list[str]:
    """What of LocalStack this executor relies on and finds changed ([] when all is as pinned)."""
    from importlib.metadata import version as installed_version

    from localstack.services.lambda_.invocation import execution_environment

    problems = []
    version = installed_version("localstack-core")
    if version != PINNED_VERSION:
        problems.append(f"localstack is {version}, the executor was written for {PINNED_VERSION}")
    abstract = set(getattr(RuntimeExecutor, "__abstractmethods__", ()))
    ours = {name for name in abstract if name in SubprocessRuntimeExecutor.__dict__}
    if abstract != ours:
        problems.append(f"RuntimeExecutor has methods we lack: {sorted(abstract - ours)}")
    fields = list(inspect.signature(InvocationResult).parameters)
    if fields[:4] != ["request_id", "payload", "is_error", "logs"]:
        problems.append(f"InvocationResult fields changed: {fields}")
    source = inspect.getsource(execution_environment.ExecutionEnvironment.invoke)
    for key in ('"invoke-id"', '"invoked-function-arn"', '"payload"'):
        if key not in source:
            problems.append(f"ExecutionEnvironment.invoke no longer sends {key}")
    if not hasattr(config, "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT"):
        problems.append("config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT is gone")
    from twisted.web.http import HTTPChannel

    for name in ("MAX_LENGTH", "totalHeadersSize"):  # jobsched_gateway_limits sets them
        if not isinstance(getattr(HTTPChannel, name, None), int):
            problems.append(f"twisted's HTTPChannel.{name} is gone")
    if RuntimeExecutorPlugin.namespace != "localstack.lambda.runtime_executor":
        problems.append(f"executor plug-in namespace is now {RuntimeExecutorPlugin.namespace}")
    return problems


if __name__ == "__main__":
    found = check_internals()
    print("\n".join(found) or "ok")
    raise SystemExit(1 if found else 0)
