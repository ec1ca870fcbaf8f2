"""The wheelhouse a local image build installs from: the host's pip fills it, the build reads it.

pip inside a build cannot reach the package index the way the host's pip does (the host's
has its own certificate bundle and index settings), so the host downloads every wheel the
Dockerfile installs (``requirements.txt``, each transitive package at its
``constraints.txt`` pin, binary wheels only, as the Dockerfile asks) plus the build backend
our ``pyproject.toml`` names. The build mounts the directory at ``/wheels``, where the base
image's pip.conf points (``infra/worker/base.py``). The directory is named after a hash of
those inputs, so a change of pins fills a new one and an unchanged one is reused.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from infra.worker.podman import REPO_ROOT, Engine

# The build backend of pyproject.toml (setuptools>=68) and of a handler package layered on
# top (examples/report-handlers: setuptools>=64), pinned for the wheelhouse.
BUILD_BACKEND = "setuptools==80.9.0"
# Packages the host's pip skips because their markers hold only on the image's Python
# (pip evaluates markers for the interpreter it runs on): Debian 12's 3.11.2 needs
# async-timeout for redis (python_full_version < "3.11.3"). Pinned in constraints.txt.
MARKER_ONLY = ("async-timeout",)
INPUTS = ("requirements.txt", "constraints.txt")


def cache_key(root: Path = REPO_ROOT) -> str:
    digest = hashlib.sha256(" ".join([BUILD_BACKEND, *MARKER_ONLY]).encode())
    for name in INPUTS:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:12]


def ensure_wheelhouse(
    engine: Engine, root: Path = REPO_ROOT, log: Callable[[str], None] = print
) -> Path:
    out = engine.cache_dir / f"wheelhouse-{cache_key(root)}"
    if (out / ".complete").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    log(f"wheelhouse: downloading pinned wheels into {out}")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "--dest",
            str(out),
            "--requirement",
            str(root / "requirements.txt"),
            "--constraint",
            str(root / "constraints.txt"),
            BUILD_BACKEND,
            *MARKER_ONLY,
        ],
        check=True,
    )
    (out / ".complete").touch()
    return out
