"""openapi-python-client (pinned in requirements-dev.txt) with its default settings on
the committed openapi.json, as a user who never reads our README runs it: it generates
without a warning about the document (a warning means a model or an operation left
out), with names taken from the document's operationIds, tags and enum components."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _generate(
    out: Path, document: Path = ROOT / "openapi.json"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_default_settings_client_passes_mypy_strict(tmp_path: Path) -> None:
    """No class renamed in a generator config: the document's own names type-check
    (a component ``Error`` with a field ``error`` did not: its generated ``from_dict``
    names a local ``error`` like the field)."""
    out = tmp_path / "client"
    assert _generate(out).returncode == 0
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "job_scheduler_api_client"],
        capture_output=True,
        text=True,
        cwd=out,
        timeout=600,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_openapi_python_client_generates_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "client"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "openapi.json"),
            "--output-path",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    said = generated.stdout + generated.stderr
    assert generated.returncode == 0, said
    assert "Warning" not in said, said
    package = out / "job_scheduler_api_client"
    # Function names from operationIds, modules from tags.
    assert (package / "api" / "jobs" / "create_job.py").exists()
    assert (package / "api" / "jobs" / "trigger_job.py").exists()
    assert (package / "api" / "system" / "get_metrics_prometheus.py").exists()
    # Enums named as the document's components, not after where they are used.
    status = (package / "models" / "execution_status.py").read_text()
    assert "class ExecutionStatus(" in status
    assert (package / "models" / "job_sort.py").exists()
    # A request field the server defaults is left out unless set (UNSET), so a later
    # change of the default reaches the client.
    assert "priority: int | Unset = UNSET" in (package / "models" / "job_create.py").read_text()
    # Keyed operations need an AuthenticatedClient; the public ones take any client.
    assert (
        "client: AuthenticatedClient,\n" in (package / "api" / "jobs" / "list_jobs.py").read_text()
    )
    health = (package / "api" / "system" / "get_health.py").read_text()
    assert "client: AuthenticatedClient | Client,\n" in health
