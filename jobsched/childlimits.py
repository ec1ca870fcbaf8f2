"""Limits on the processes that run handlers' work, set in the process itself.

A ``shell.command`` program and a handler with ``isolation="process"`` run in
processes of their own. Before anything of theirs runs, each one gets:

- resource limits (``setrlimit``): address space, CPU seconds, open files and
  processes of its user, so one run cannot take the machine's memory or fork without
  end (``CHILD_MAX_*`` settings; 0 leaves a limit as it was). Descendants inherit
  them, also those that leave the process group;
- ``oom_score_adj`` 1000: when memory runs out, the kernel kills it before the worker;
- no ``CAP_SYS_PTRACE`` (dropped from its capabilities and its bounding set), where the
  worker runs as root: without it, the child cannot read the worker's memory through
  ``/proc/<pid>/mem`` (the worker is not dumpable, see ``jobsched.secrecy``).

A program is started through this file run as a script (``python -I -S childlimits.py
<limits> <executable> <argv...>``), which sets the limits and then ``exec``s the
program in the same process: setting them between ``fork`` and ``exec`` in the worker
(``preexec_fn``) is not safe in a process with threads. So this module uses the
standard library only, and imports nothing of ``jobsched``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
from dataclasses import asdict, dataclass
from typing import Any

OOM_SCORE_ADJ = 1000
"""The highest: the first process the kernel's out-of-memory killer picks."""
CAP_SYS_PTRACE = 19
PR_CAPBSET_DROP = 24
_CAP_VERSION_3 = 0x20080522
EXEC_FAILED = 127
"""Exit code when the program cannot be executed (as a shell uses)."""


@dataclass(frozen=True)
class ChildLimits:
    """Resource limits of a child; 0 leaves one as the worker has it."""

    memory_bytes: int = 0
    cpu_seconds: int = 0
    open_files: int = 0
    processes: int = 0

    @classmethod
    def from_settings(cls, settings: Any) -> ChildLimits:
        """From a ``jobsched.handler_settings.HandlerSettings`` (not imported: this file
        runs alone)."""
        return cls(
            memory_bytes=settings.child_max_memory_mb * 1024 * 1024,
            cpu_seconds=settings.child_max_cpu_seconds,
            open_files=settings.child_max_open_files,
            processes=settings.child_max_processes,
        )

    def to_arg(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_arg(cls, arg: str) -> ChildLimits:
        return cls(**json.loads(arg))


def _lower(which: int, value: int) -> None:
    """Soft and hard limit to ``value``, never above the hard limit already set
    (raising it is not allowed; the child cannot raise it back either)."""
    if value <= 0:
        return
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _oom_first() -> None:
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(str(OOM_SCORE_ADJ))
    except OSError:
        pass  # not Linux, or /proc is not mounted: nothing to adjust


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_ptrace() -> None:
    """Give up CAP_SYS_PTRACE for this process and whatever it executes.

    Only a process that has it loses anything (root, or a worker granted it); for
    the others both calls fail or change nothing, which is fine.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        # The bounding set: what a program run as root gets when it is executed.
        libc.prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0)
        header = _CapHeader(_CAP_VERSION_3, 0)
        data = (_CapData * 2)()
        if libc.capget(ctypes.byref(header), data) != 0:
            return
        bit = ~(1 << CAP_SYS_PTRACE) & 0xFFFFFFFF
        data[0].effective &= bit
        data[0].permitted &= bit
        data[0].inheritable &= bit
        libc.capset(ctypes.byref(header), data)
    except (OSError, AttributeError):
        pass  # no libc with these calls: nothing to drop


def confine(limits: ChildLimits) -> None:
    """Apply the limits, the OOM score and the capability drop to this process."""
    _lower(resource.RLIMIT_AS, limits.memory_bytes)
    _lower(resource.RLIMIT_CPU, limits.cpu_seconds)
    _lower(resource.RLIMIT_NOFILE, limits.open_files)
    if hasattr(resource, "RLIMIT_NPROC"):
        _lower(resource.RLIMIT_NPROC, limits.processes)
    _oom_first()
    _drop_ptrace()


def launch_argv(limits: ChildLimits, executable: str, argv: list[str]) -> list[str]:
    """The argv that runs ``executable`` with ``argv`` after ``confine(limits)``.

    ``-I`` ignores PYTHON* variables and the user's site; ``-S`` skips ``site``:
    the program's environment is not this interpreter's business, and it starts faster.
    """
    return [
        sys.executable,
        "-I",
        "-S",
        os.path.abspath(__file__),
        limits.to_arg(),
        executable,
        *argv,
    ]


def main(args: list[str]) -> int:
    """``childlimits.py <limits> <executable> <argv0> [args...]``: confine, then exec."""
    limits, executable, argv = ChildLimits.from_arg(args[0]), args[1], args[2:]
    confine(limits)
    try:
        os.execv(executable, argv)
    except OSError as exc:
        print(f"could not execute {executable}: {exc}", file=sys.stderr)
    return EXEC_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
