"""Generates the Python SDK's jobsched_client package from the repository's openapi.json
with openapi-python-client (pinned in requirements-dev.txt): `make clients-python`.

The generator writes into a temporary folder (its --overwrite would delete whatever
else lives beside the package: jobsched_sdk, the README); this script then replaces
clients/python/jobsched_client with the generated package and writes pyproject.toml with
the dependency ranges the generator chose. tests/unit/test_python_sdk.py runs it into a
temporary folder and fails while the committed code differs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PACKAGE = "jobsched_client"

PYPROJECT = """\
# Written by clients/python/generate.py (`make clients-python`): edit the template there.
[project]
name = "jobsched-client"
version = "{version}"
description = "Python SDK of the Job Scheduler API (jobsched_client generated, jobsched_sdk)"
readme = "README.md"
requires-python = ">=3.11"
# The ranges openapi-python-client generated for jobsched_client; jobsched_sdk needs nothing more.
dependencies = [
{dependencies}
]

[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[tool.setuptools.packages.find]
include = ["jobsched_client*", "jobsched_sdk*"]

[tool.setuptools.package-data]
jobsched_client = ["py.typed"]
jobsched_sdk = ["py.typed"]

# mypy --strict on both packages (tests/unit/test_python_sdk.py): 0 errors.
[tool.mypy]
strict = true
"""


def generate(dest: Path, document: Path = ROOT / "openapi.json") -> None:
    """Writes dest/jobsched_client and dest/pyproject.toml from the document."""
    bin_dir = Path(sys.executable).parent
    # The generator's post-hooks call ruff (from the same virtualenv).
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        # --meta pdm: the generated pyproject.toml holds the ruff settings its post-hooks
        # format with (so the output does not depend on the caller's ruff configuration)
        # and the dependency ranges copied below.
        subprocess.run(
            [
                str(bin_dir / "openapi-python-client"),
                "generate",
                "--path",
                str(document),
                "--config",
                str(HERE / "openapi-python-client.yaml"),
                "--meta",
                "pdm",
                "--output-path",
                str(out),
                "--fail-on-warning",
            ],
            check=True,
            env=env,
            cwd=tmp,
        )
        meta = tomllib.loads((out / "pyproject.toml").read_text())["project"]
        shutil.rmtree(out / PACKAGE / ".ruff_cache", ignore_errors=True)
        for cache in (out / PACKAGE).rglob("__pycache__"):
            shutil.rmtree(cache)
        shutil.rmtree(dest / PACKAGE, ignore_errors=True)
        shutil.copytree(out / PACKAGE, dest / PACKAGE)
        dependencies = "\n".join(f'    "{d}",' for d in meta["dependencies"])
        (dest / "pyproject.toml").write_text(
            PYPROJECT.format(version=meta["version"], dependencies=dependencies)
        )


if __name__ == "__main__":
    generate(HERE)
