"""Generates the Python SDK's jobsched_client package from the repository's openapi.json
with openapi-python-client (pinned in requirements-dev.txt), and jobsched_sdk/sync.py
from jobsched_sdk/aio.py with unasync: `make clients-python`.

The generator writes into a temporary folder (its --overwrite would delete whatever
else lives beside the package: jobsched_sdk, the README); this script then replaces
clients/python/jobsched_client with the generated package and writes pyproject.toml with
the dependency ranges the generator chose. tests/unit/test_python_sdk.py runs it into a
temporary folder and fails while the committed code differs.

The SDK's two clients are one, written once: aio.py (AsyncJobScheduler) is the source,
and sync.py (JobScheduler) is aio.py with ``async`` and ``await`` taken out and the
names in ``SYNC_NAMES`` swapped, by unasync (the rewriter httpcore and others use),
then sorted and formatted by ruff.
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


SDK = "jobsched_sdk"
SYNC_NAMES = {
    "AsyncJobScheduler": "JobScheduler",
    "aiterate": "iterate",
    "asyncio_detailed": "sync_detailed",
    "get_async_httpx_client": "get_httpx_client",
    "aclose": "close",
    "asyncio": "time",  # from asyncio import sleep
}
"""Names of aio.py that sync.py says otherwise (unasync swaps AsyncIterator and the
dunders of ``async with`` itself)."""
SYNC_DOCSTRING = '''\
"""JobScheduler: the generated client (jobsched_client) with a key, typed errors,
paging iterators and waiting for a run, for code that does not use asyncio.

Written by clients/python/generate.py from aio.py (`make clients-python`): edit aio.py.
Each method calls one generated ``api.<tag>.<operation>.sync_detailed`` function and
returns its parsed model; any operation without a method here is called as
``sdk.unwrap(<operation>.sync_detailed(client=sdk.client, ...))``.
"""'''


def sync_source(aio: Path) -> str:
    """sync.py's text: ``aio`` unasynced, its module docstring replaced, then sorted and
    formatted with the repository's ruff settings."""
    import unasync  # a development tool: imported only when generating

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "_async" / "client.py"
        source.parent.mkdir()
        shutil.copy(aio, source)
        unasync.unasync_files([str(source)], [unasync.Rule("/_async/", "/_sync/", SYNC_NAMES)])
        text = (Path(tmp) / "_sync" / "client.py").read_text()
    docstring, _, rest = text.partition('"""\n\n')
    assert docstring.startswith('"""'), "aio.py must open with its docstring"
    text = SYNC_DOCSTRING + "\n\n" + rest
    ruff = [str(Path(sys.executable).parent / "ruff")]
    name = ["--stdin-filename", str(HERE / SDK / "sync.py")]
    steps = (["check", "--fix", "--select", "I", "--quiet", *name, "-"], ["format", *name, "-"])
    for step in steps:
        text = subprocess.run(
            ruff + step, input=text, capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
    return text


def write_sync(dest: Path) -> None:
    """dest/jobsched_sdk/sync.py, from the committed aio.py."""
    (dest / SDK).mkdir(parents=True, exist_ok=True)
    (dest / SDK / "sync.py").write_text(sync_source(HERE / SDK / "aio.py"))


if __name__ == "__main__":
    generate(HERE)
    write_sync(HERE)
