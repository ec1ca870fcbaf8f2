"""The local stand-in for ``python:3.11-slim-bookworm``: a Debian 12 base made with debootstrap.

No registry is reachable from these machines, so the worker image's ``PYTHON_IMAGE`` is
built from Debian's packages: ``debootstrap --variant=minbase`` with Python 3.11 (Debian's
``python3``, the same minor version as the Docker Hub image), ``python`` as a name for it
(the Dockerfile runs ``python -m venv``), and a pip configuration that takes packages only
from ``/wheels`` (the wheelhouse ``make image`` mounts into the build; see
``infra/worker/wheelhouse.py``). The tarball is cached under the cache directory and
imported once into the project's container storage; a second ``make image`` reuses both.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from infra.worker.podman import Engine

SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv", "python-is-python3", "ca-certificates")
BASE_IMAGE = "localhost/jobsched-python:3.11-bookworm"

# pip inside a build reads this (the Dockerfile sets no index of its own): packages come
# only from the wheelhouse mounted at /wheels, so a build needs no network.
PIP_CONF = "[global]\nno-index = true\nfind-links = /wheels\n"

# What a container never needs, removed to keep the image small (as the slim image does).
PRUNE = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/lintian",
)


def cache_key() -> str:
    """Changes when what goes into the base changes (a new tarball is made then)."""
    text = "\n".join([SUITE, *PACKAGES, PIP_CONF, *PRUNE])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def mirror() -> str:
    return os.environ.get("DEBIAN_MIRROR") or "http://deb.debian.org/debian"


def tarball(engine: Engine) -> Path:
    return engine.cache_dir / "base" / f"{SUITE}-{cache_key()}.tar"


def make_rootfs_tarball(engine: Engine, log: Callable[[str], None] = print) -> Path:
    """debootstrap a root file system and pack it, unless the tarball is cached."""
    out = tarball(engine)
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix="rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        log(f"base: debootstrap {SUITE} ({', '.join(PACKAGES)}) from {mirror()}")
        subprocess.run(
            engine.command(
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                SUITE,
                str(rootfs),
                mirror(),
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (rootfs / "etc" / "pip.conf").write_text(PIP_CONF)
        for rel in PRUNE:
            target = rootfs / rel
            if target.is_dir():
                shutil.rmtree(target)
                target.mkdir()
        partial = out.with_suffix(".tar.partial")
        subprocess.run(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), "."], check=True
        )
        partial.rename(out)
    return out


def ensure_base(engine: Engine, log: Callable[[str], None] = print) -> str:
    """The base image in the project's storage, made (or imported from the cached tarball)
    only when missing. Returns its name."""
    name = f"{BASE_IMAGE}-{cache_key()}"
    if engine.image_exists(name):
        return name
    archive = make_rootfs_tarball(engine, log)
    log(f"base: importing {archive.name} as {name}")
    engine.podman(
        "import",
        "--change",
        "ENV LANG=C.UTF-8",
        "--change",
        'CMD ["python3"]',
        str(archive),
        name,
    )
    return name
