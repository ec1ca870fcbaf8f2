"""Podman and buildah as this project drives them, on a machine without a Docker engine.

What works on a Debian 12 host with hybrid cgroups and no CAP_SYS_RESOURCE (and what this
module therefore sets for every command it runs):

- storage: the kernel's ``overlay`` driver when running as root on a kernel that has it
  (a container starts in well under a second), else ``vfs`` (works anywhere, but copies
  the image's ~230 MB for every container: seconds to tens of seconds on a busy disk);
  ``CONTAINER_STORAGE_DRIVER`` chooses. Kept under the project's cache directory
  (``.cache/containers/storage/<driver>``), so a clone's images survive between runs;
- builds: ``chroot`` isolation (the default OCI isolation fails: ``crun: cgroups in hybrid
  mode not supported``);
- runs: ``runc`` with the ``cgroupfs`` manager, and a ``containers.conf`` with
  ``default_ulimits = []`` and ``pids_limit = 0`` (otherwise every start fails with
  ``error setting rlimit``: the process may not raise a hard limit).

Both files are written under the cache directory and handed to the tools through
``CONTAINERS_CONF`` and ``CONTAINERS_STORAGE_CONF``, so nothing outside the project changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "containers"

WORKER_IMAGE = "localhost/job-scheduler-worker:local"
"""What ``make image`` tags the worker image as (the tests and WORKER_RUNTIME=container run it)."""

TOOLS = ("buildah", "podman", "runc", "debootstrap")

CONTAINERS_CONF = """\
# Written by infra/worker/podman.py: what podman needs on this kind of host.
[containers]
# The runtime may not raise a hard limit here (no CAP_SYS_RESOURCE): inherit the host's.
default_ulimits = []
pids_limit = 0

[engine]
# crun refuses hybrid cgroups; runc with the cgroupfs manager works.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""


class ContainerToolsMissing(RuntimeError):
    """buildah/podman/runc/debootstrap are not installed (``infra/bootstrap.sh --containers``)."""


def storage_driver() -> str:
    """``CONTAINER_STORAGE_DRIVER``, else overlay where root can mount it, else vfs."""
    chosen = os.environ.get("CONTAINER_STORAGE_DRIVER")
    if chosen:
        return chosen
    try:
        kernel_has_overlay = "\toverlay\n" in Path("/proc/filesystems").read_text()
    except OSError:
        kernel_has_overlay = False
    return "overlay" if kernel_has_overlay and os.geteuid() == 0 else "vfs"


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@dataclass(frozen=True)
class Engine:
    """The container tools with this project's storage and configuration."""

    cache_dir: Path = DEFAULT_CACHE_DIR

    @classmethod
    def from_env(cls) -> Engine:
        """``CONTAINER_CACHE_DIR`` moves the cache (images, base, wheelhouse) elsewhere."""
        return cls(Path(os.environ.get("CONTAINER_CACHE_DIR") or DEFAULT_CACHE_DIR))

    @property
    def storage_driver(self) -> str:
        return storage_driver()

    @property
    def storage_dir(self) -> Path:
        # One directory per driver: a driver refuses storage another one made.
        return self.cache_dir / "storage" / self.storage_driver

    @property
    def run_dir(self) -> Path:
        # Short and outside the worktree: conmon's attach socket lives here and a Unix
        # socket path may not exceed 108 bytes.
        digest = hashlib.sha1(str(self.storage_dir.resolve()).encode()).hexdigest()[:10]
        return Path("/tmp") / f"jobsched-podman-{digest}"

    def configure(self) -> dict[str, str]:
        """Write the two configuration files (once) and return the environment that names them."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        conf = self.cache_dir / "containers.conf"
        storage = self.cache_dir / f"storage-{self.storage_driver}.conf"
        storage_text = (
            "# Written by infra/worker/podman.py.\n"
            "[storage]\n"
            f'driver = "{self.storage_driver}"\n'
            f'graphroot = "{self.storage_dir}"\n'
            f'runroot = "{self.run_dir}"\n'
        )
        for path, text in ((conf, CONTAINERS_CONF), (storage, storage_text)):
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
        return {
            "CONTAINERS_CONF": str(conf),
            "CONTAINERS_STORAGE_CONF": str(storage),
            "BUILDAH_ISOLATION": "chroot",
        }

    @property
    def work_dir(self) -> Path:
        """Where the tools run: conmon leaves an ``oom`` file in its working directory
        when the kernel's OOM killer strikes a container (cgroup v1), so not the checkout."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        return self.cache_dir

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.configure()}

    def command(self, tool: str, *args: str) -> list[str]:
        if shutil.which(tool) is None:
            raise ContainerToolsMissing(
                f"{tool} is not installed: run infra/bootstrap.sh --containers"
            )
        return [tool, *args]

    def run(
        self,
        tool: str,
        args: Sequence[str],
        *,
        check: bool = True,
        timeout: float | None = None,
        offline: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run a tool to its end and capture what it printed; ``offline``: in a network
        namespace of its own with nothing in it (``unshare --net``)."""
        command = self.command(tool, *args)
        if offline:
            command = ["unshare", "--net", "--", *command]
        return subprocess.run(
            command,
            cwd=self.work_dir,
            env=self.env(),
            check=check,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def podman(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("podman", args, check=check, timeout=300)

    def image_exists(self, name: str) -> bool:
        return self.podman("image", "exists", name, check=False).returncode == 0

    def image_size(self, name: str) -> int:
        """The image's size in bytes (its layers, uncompressed), as ``podman images`` shows it."""
        return int(self.podman("image", "inspect", "--format", "{{.Size}}", name).stdout.strip())

    def image_config(self, name: str) -> dict:
        """The image's OCI config (User, Entrypoint, Cmd, Env, StopSignal, Healthcheck)."""
        return json.loads(self.podman("image", "inspect", name).stdout)[0]["Config"]
