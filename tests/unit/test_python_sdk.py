"""The Python SDK in clients/python: its generated package is what `make clients` makes
from the committed openapi.json, mypy --strict passes on it and on a user's code (the
e2e flows and the README's examples), and an answer outside 2xx is a JobSchedulerError
whatever its body. (tests/e2e/test_sdk_python.py runs the flows against the local stack.)"""

from __future__ import annotations

import asyncio
import filecmp
import importlib.util
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from jobsched_client.models import ErrorCode, Execution, ExecutionStatus
from jobsched_sdk import AsyncJobScheduler, JobScheduler, JobSchedulerError, RunTimeout

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "clients" / "python"


def _differences(committed: Path, fresh: Path) -> list[str]:
    """Files added, missing or changed between two trees."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], at: Path) -> None:
        found.extend(str(at / n) for n in cmp.left_only + cmp.right_only + cmp.diff_files)
        found.extend(str(at / n) for n in cmp.funny_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, at / name)

    walk(filecmp.dircmp(committed, fresh, ignore=["__pycache__"]), Path())
    return found


def test_the_generated_package_is_up_to_date_with_openapi_json(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("sdk_generate", SDK / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate(tmp_path)
    generate.write_sync(tmp_path)

    stale = _differences(SDK / "jobsched_client", tmp_path / "jobsched_client")
    for written in ("pyproject.toml", "jobsched_sdk/sync.py"):
        if (SDK / written).read_text() != (tmp_path / written).read_text():
            stale.append(written)
    assert not stale, (
        "clients/python is stale against openapi.json or aio.py: run `make clients` and commit "
        f"the result (differs: {', '.join(stale[:10])})"
    )


def readme_flows() -> str:
    """clients/python/README.md's Python blocks, each the body of a function given what
    the prose assumes (a connected ``sdk``, an ``api_key``, a ``job``)."""
    readme = (SDK / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) >= 10
    lines = [
        "from jobsched_client.models import Job",
        "from jobsched_sdk import JobScheduler",
    ]
    for n, block in enumerate(blocks):
        lines.append(f"def block_{n}(sdk: JobScheduler, api_key: str, job: Job) -> None:")
        lines.extend(f"    {line}" if line else "" for line in block.splitlines())
        lines.append("")
    return "\n".join(lines) + "\n"


def test_mypy_strict_passes_on_the_sdk_and_on_code_using_it(tmp_path: Path) -> None:
    flows = tmp_path / "readme_flows.py"
    flows.write_text(readme_flows())
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(SDK / "pyproject.toml"),
            str(SDK / "jobsched_client"),
            str(SDK / "jobsched_sdk"),
            str(ROOT / "tests" / "e2e" / "test_sdk_python.py"),
            str(flows),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Success: no issues found" in checked.stdout


def _answering(status: int, body: bytes, content_type: str) -> JobScheduler:
    def reply(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer k3y"
        return httpx.Response(status, content=body, headers={"Content-Type": content_type})

    return JobScheduler(
        "http://api.example", "k3y", httpx_args={"transport": httpx.MockTransport(reply)}
    )


def test_a_documented_error_is_decoded_with_its_code_and_fields() -> None:
    body = (
        b'{"error": {"code": "validation_error", "message": "bad", "fields": {"limit": "1-200"}}}'
    )
    with pytest.raises(JobSchedulerError) as info:
        _answering(400, body, "application/json").list_jobs(limit=0)
    error = info.value
    assert (error.status, error.code, error.message) == (400, ErrorCode.VALIDATION_ERROR, "bad")
    assert error.fields == {"limit": "1-200"}


def test_an_undocumented_status_is_still_a_typed_error() -> None:
    # 502 is not in the document: the generated parser returns None, the SDK reads the body.
    body = b'{"error": {"code": "dependency_unavailable", "message": "redis down"}}'
    with pytest.raises(JobSchedulerError) as info:
        _answering(502, body, "application/json").list_jobs()
    assert (info.value.status, info.value.code) == (502, ErrorCode.DEPENDENCY_UNAVAILABLE)
    assert info.value.message == "redis down"

    with pytest.raises(JobSchedulerError) as html:
        _answering(504, b"<html>Gateway Timeout</html>", "text/html").get_metrics_prometheus()
    assert (html.value.status, html.value.code) == (504, None)
    assert "Gateway Timeout" in html.value.message


RUN_ID = "6c2ae3f5-3f7e-4f4e-9d07-2f0c1d7d7a11"


def _execution(status: str) -> dict[str, object]:
    """An Execution as the API sends it."""
    nulls = "job_name scheduled_for worker_id queued_at started_at finished_at next_attempt_at"
    nulls += " duration_ms result error waiting start_after created_at updated_at"
    nulls += " concurrency_key concurrency_limit rate_key rate_limit rate_period_ms"
    return {
        **dict.fromkeys((nulls + " workflow_run_id step_id").split()),
        "id": RUN_ID,
        "job_id": RUN_ID,
        "status": status,
        "source": "trigger",
        "handler": "test.echo",
        "pool": "default",
        "payload": {},
        "priority": 50,
        "attempt": 0,
        "max_retries": 0,
        "attempts": [],
        "idempotency_key": "k",
        "on_hold": False,
        "alerts": [],
    }


def _run_going_through(statuses: list[str]) -> tuple[dict[str, object], list[str]]:
    """httpx_args for an API whose run answers each status in turn (the last one from
    then on), and the paths it was asked."""
    asked: list[str] = []

    def reply(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(200, json=_execution(statuses[min(len(asked), len(statuses)) - 1]))

    return {"transport": httpx.MockTransport(reply)}, asked


def test_wait_for_run_reads_the_run_until_it_has_finished() -> None:
    args, asked = _run_going_through(["QUEUED", "RUNNING", "SUCCEEDED"])
    run = JobScheduler("http://api.example/api/v1", "k", httpx_args=args).wait_for_run(
        RUN_ID, timeout=30, interval=0
    )
    assert run.status == ExecutionStatus.SUCCEEDED
    assert asked == [f"/api/v1/executions/{RUN_ID}"] * 3

    args, asked = _run_going_through(["RUNNING", "CANCELLED"])

    async def wait() -> Execution:
        async with AsyncJobScheduler("http://api.example", "k", httpx_args=args) as sdk:
            return await sdk.wait_for_run(RUN_ID, timeout=30, interval=0)

    # On a thread of its own: a browser test run before on this worker leaves Playwright's
    # sync API's event loop running on the test thread, where asyncio.run refuses to start.
    with ThreadPoolExecutor(max_workers=1) as pool:
        run = pool.submit(asyncio.run, wait()).result()
    assert run.status == ExecutionStatus.CANCELLED
    assert len(asked) == 2


def test_wait_for_run_gives_up_at_its_timeout_with_the_run_as_last_read() -> None:
    args, _ = _run_going_through(["RUNNING"])
    with pytest.raises(RunTimeout) as info:
        JobScheduler("http://api.example", "k", httpx_args=args).wait_for_run(
            RUN_ID, timeout=0, interval=0
        )
    assert isinstance(info.value, TimeoutError)
    assert info.value.execution.status == ExecutionStatus.RUNNING
