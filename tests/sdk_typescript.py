"""clients/typescript's tools driven from pytest: its pinned node_modules (infra/bootstrap.sh
runs ``npm ci`` there), and its tests compiled into a private folder, so the unit and the
e2e tests never share clients/typescript/build with each other or with a user's ``npm test``
(``make test`` runs them on two workers at once).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "clients" / "typescript"
BIN = PACKAGE / "node_modules" / ".bin"

NO_NODE = shutil.which("node") is None
NO_NODE_REASON = "node is not installed: the TypeScript SDK's checks need it"


def run(
    args: list[str], cwd: Path = PACKAGE, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def require_tools() -> None:
    assert (BIN / "tsc").exists() and (BIN / "openapi-typescript").exists(), (
        "clients/typescript has no node_modules: run infra/bootstrap.sh "
        "(or `npm ci` in clients/typescript)"
    )


def compile_tests(dest: Path) -> subprocess.CompletedProcess[str]:
    """The package's src and test compiled with ``tsc --strict`` (tsconfig.test.json
    extends the strict tsconfig.json) into ``dest``: ES modules beside a link to its
    node_modules; ``dest / "test"`` then holds ``unit/`` and ``flows/``. Answers tsc's run
    (its return code is 0 only with no error)."""
    require_tools()
    compiled = run([str(BIN / "tsc"), "-p", "tsconfig.test.json", "--outDir", str(dest)])
    (dest / "package.json").write_text(json.dumps({"type": "module"}))
    (dest / "node_modules").symlink_to(PACKAGE / "node_modules")
    return compiled


def node_test(
    files: list[Path], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``node --test`` over ``files`` with the TAP reporter (its summary is ``# pass N``)."""
    assert files, "no test files to run"
    args = ["node", "--test", "--test-reporter=tap", *map(str, files)]
    return run(args, cwd=files[0].parent, env=env, timeout=600)
