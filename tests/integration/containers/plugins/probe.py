"""Handlers the container tests load into the worker image (``HANDLER_MODULES=probe``,
mounted at /plugins): what a handler sees of its container, and one that outgrows it."""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

from jobsched import handler


def _writable(path: str) -> bool:
    try:
        with tempfile.NamedTemporaryFile(dir=path):
            return True
    except OSError:
        return False


def _memory_limit() -> int | None:
    """The container's memory limit as its cgroup states it (v1, else v2)."""
    for path in ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"):
        try:
            with open(path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            continue
    return None


@handler("probe.whoami", description="The user, PID 1 and writable paths of its container.")
def whoami(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
    with open("/proc/1/cmdline", "rb") as f:
        pid1 = f.read().split(b"\0")[0].decode()
    return {
        "pid": os.getpid(),
        "uid": os.getuid(),
        "gid": os.getgid(),
        "pid1": os.path.basename(pid1),
        "memory_limit": _memory_limit(),
        "writable": {path: _writable(path) for path in ("/", "/opt/venv", "/etc", "/tmp")},
    }


@handler("probe.hog", pool="hogs", description="Holds payload.mb MiB, then returns.")
def hog(payload: dict[str, Any], ctx: Any) -> dict[str, int]:
    held = []
    for _ in range(payload["mb"] // 8):
        chunk = bytearray(8 * 1024 * 1024)
        chunk[::4096] = b"x" * len(chunk[::4096])  # touch every page: resident, not reserved
        held.append(chunk)
        time.sleep(0.01)  # grow over ~a second, so the run is recorded RUNNING first
    return {"mb": len(held) * 8}
