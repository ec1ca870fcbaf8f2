"""The document with default generator settings, as a user who never reads our README
runs them: openapi-typescript (default flags) turns openapi.json into types, and a
short flow written on them with openapi-fetch (create a job with only a name, a
handler and a payload, trigger it with a payload override, read the execution, both
metrics forms, an error's code) compiles under ``tsc --strict`` with 0 errors.

The tools are pinned in clients/typescript/package-lock.json (infra/bootstrap.sh runs
``npm ci`` there). Skipped only where there is no ``node``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "clients" / "typescript"
FLOW = PACKAGE / "check" / "flow.ts"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npx") is None,
    reason="node is not installed: the TypeScript check of the document needs it",
)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_generated_types_compile_a_users_flow_under_strict(tmp_path: Path) -> None:
    assert (PACKAGE / "node_modules" / ".bin" / "openapi-typescript").exists(), (
        "clients/typescript has no node_modules: run infra/bootstrap.sh "
        "(or `npm ci` in clients/typescript)"
    )
    schema = tmp_path / "schema.d.ts"
    generated = _run(
        ["npx", "--no-install", "openapi-typescript", "../../openapi.json", "-o", str(schema)],
        PACKAGE,
    )
    assert generated.returncode == 0, generated.stderr
    # A free-form object without additionalProperties: an object that may hold nothing.
    never = [
        line
        for line in schema.read_text().splitlines()
        if "Record<string, never>" in line and not line.startswith("export type")
    ]
    assert never == []
    shutil.copy(FLOW, tmp_path / "flow.ts")
    (tmp_path / "node_modules").symlink_to(PACKAGE / "node_modules")
    tsc = PACKAGE / "node_modules" / ".bin" / "tsc"
    compiled = _run(
        [
            str(tsc),
            "--strict",
            "--noEmit",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            "--target",
            "es2022",
            "--lib",
            "es2022,dom",
            "flow.ts",
        ],
        tmp_path,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
