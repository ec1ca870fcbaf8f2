"""The Python SDK in clients/python: its generated package is what `make clients` makes
from the committed openapi.json, mypy --strict passes on it and on a user's code (the
e2e flows and the README's examples), and an answer outside 2xx is a JobSchedulerError
whatever its body. (tests/e2e/test_sdk_python.py runs the flows against the local stack.)"""

from __future__ import annotations

import filecmp
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from jobsched_client.models import ErrorCode
from jobsched_sdk import JobScheduler, JobSchedulerError

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

    stale = _differences(SDK / "jobsched_client", tmp_path / "jobsched_client")
    if (SDK / "pyproject.toml").read_text() != (tmp_path / "pyproject.toml").read_text():
        stale.append("pyproject.toml")
    assert not stale, (
        "clients/python is stale against openapi.json: run `make clients` and commit "
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
