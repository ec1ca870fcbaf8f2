"""The project's Lambda executor plug-in, driven through LocalStack's own Lambda API:
functions created with boto3 run as subprocesses of our interpreter."""

from __future__ import annotations

import io
import json
import subprocess
import textwrap
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from infra.local.deploy import client, wait_for_functions
from infra.local.localstack import LocalStackProcess
from tests.integration.helpers import wait_for
from tests.integration.localstack.conftest import ROOT

FUNCTIONS = textwrap.dedent(
    """
    import os, pathlib, time

    def echo(event, context):
        return {
            "event": event,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "memory_mb": context.memory_limit_in_mb,
            "request_id": context.aws_request_id,
            "greeting": os.environ.get("GREETING"),
        }

    def fail(event, context):
        print("about to fail on purpose")
        raise ValueError("boom: " + event["why"])

    def sleep(event, context):
        time.sleep(event["seconds"])
        return "woke"

    def barrier(event, context):
        # Returns met=True only if `parties` invocations are inside at the same time.
        folder = pathlib.Path(event["dir"])
        (folder / context.aws_request_id).touch()
        deadline = time.monotonic() + event["wait_s"]
        while time.monotonic() < deadline:
            if len(list(folder.iterdir())) >= event["parties"]:
                return {"met": True, "pid": os.getpid()}
            time.sleep(0.02)
        return {"met": False, "pid": os.getpid()}

    def hog(event, context):
        return len(bytearray(event["mb"] * 1024 * 1024))
    """
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fns.py", FUNCTIONS)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def make_function(localstack: LocalStackProcess) -> Callable[..., str]:
    lam = client("lambda", localstack.endpoint_url)

    def make(handler: str, *, timeout: int = 10, memory: int = 256, env: dict | None = None) -> str:
        name = f"t-{handler}-{uuid.uuid4().hex[:8]}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role="arn:aws:iam::000000000000:role/lambda-role",
            Handler=f"fns.{handler}",
            Code={"ZipFile": _zip()},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": env or {}},
        )
        wait_for_functions(lam, [name])
        return name

    return make


def invoke(localstack: LocalStackProcess, name: str, event: dict) -> tuple[Any, str | None]:
    lam = client("lambda", localstack.endpoint_url)
    reply = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return json.loads(reply["Payload"].read()), reply.get("FunctionError")


def test_invoke_returns_the_result_with_the_functions_settings(localstack, make_function) -> None:
    name = make_function("echo", timeout=7, memory=256, env={"GREETING": "hello"})
    result, error = invoke(localstack, name, {"n": 1})
    assert error is None
    assert result["event"] == {"n": 1}
    assert result["greeting"] == "hello"  # the function's environment, from its config
    assert result["memory_mb"] == 256
    assert 0 < result["remaining_ms"] <= 7000  # counts down from the function's Timeout


def test_an_exception_is_a_function_error_and_its_output_is_in_the_log_group(
    localstack, make_function
) -> None:
    name = make_function("fail")
    result, error = invoke(localstack, name, {"why": "testing"})
    assert error == "Unhandled"
    assert (result["errorType"], result["errorMessage"]) == ("ValueError", "boom: testing")

    logs = client("logs", localstack.endpoint_url)

    def logged() -> str:
        try:
            found = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return ""
        return "".join(e["message"] for e in found)

    wait_for(lambda: "END RequestId" in logged(), timeout=15, what="the invocation's log")
    text = logged()
    assert "about to fail on purpose" in text
    assert "ValueError: boom: testing" in text


def test_a_timeout_ends_the_invocation_and_the_next_one_runs_afresh(
    localstack, make_function
) -> None:
    name = make_function("sleep", timeout=1)
    result, error = invoke(localstack, name, {"seconds": 60})
    assert error == "Unhandled"
    assert "Task timed out after 1.00 seconds" in result["errorMessage"]
    assert invoke(localstack, name, {"seconds": 0}) == ("woke", None)


def test_a_function_over_its_memory_size_fails(localstack, make_function) -> None:
    name = make_function("hog", memory=128)
    result, error = invoke(localstack, name, {"mb": 256})
    assert error == "Unhandled"
    assert result["errorType"] == "MemoryError"
    assert invoke(localstack, name, {"mb": 1}) == (1024 * 1024, None)


def test_concurrent_invocations_run_at_once_in_separate_environments(
    localstack, make_function, tmp_path: Path
) -> None:
    name = make_function("barrier")
    event = {"dir": str(tmp_path), "parties": 3, "wait_s": 30}
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: invoke(localstack, name, event), range(3)))
    assert [error for _, error in replies] == [None] * 3
    assert all(result["met"] for result, _ in replies)
    assert len({result["pid"] for result, _ in replies}) == 3


def test_the_localstack_internals_the_executor_relies_on_are_as_pinned() -> None:
    python = ROOT / ".venv-localstack" / "bin" / "python"
    script = ROOT / "infra" / "localstack" / "plugin" / "jobsched_lambda_executor.py"
    run = subprocess.run([str(python), str(script)], capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout.strip()) == (0, "ok"), run.stdout + run.stderr
    pins = (ROOT / "infra" / "localstack" / "requirements.txt").read_text()
    assert "localstack-core[runtime]==4.13.1" in pins
