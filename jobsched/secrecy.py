"""Keeping the worker's secrets out of reach of the processes its handlers start.

A worker reads DATABASE_URL, REDIS_URL and API_KEYS from its environment at start.
Left there, any program a job runs could print them: ``cat /proc/<worker pid>/environ``
shows the environment a process was *started* with (the memory block the kernel
filled in at ``exec``), not ``os.environ``, so removing a name from ``os.environ`` is
not enough. Once the settings are read, ``hide_secrets()``:

1. removes the secret names from the environment (``os.environ`` and the C library's),
   so nothing started later inherits them;
2. copies every remaining variable to the heap (``putenv``: the C library then points
   at the copies) and overwrites the start-up block with zero bytes, so
   ``/proc/<pid>/environ`` reads as empty;
3. makes the process not dumpable (``PR_SET_DUMPABLE`` 0): its ``/proc/<pid>/environ``
   and ``/proc/<pid>/mem`` become root's, and even a process of the same user needs
   ``CAP_SYS_PTRACE`` to read its memory, where the settings still are.

What is left (see docs/reliability.md, "What a handler's child process can reach"): a
root child that keeps CAP_SYS_PTRACE can read any process's memory; a process of the
same user that started the worker with the secrets in its environment (a shell, a
supervisor) shows them in its own ``/proc/<pid>/environ``. Linux only; elsewhere only
step 1 is done.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

SECRET_ENV = ("DATABASE_URL", "REDIS_URL", "API_KEYS", "JOBSCHED_API_KEY")
"""Read into the settings (or by the CLI) and needed by nobody after that."""
PR_SET_DUMPABLE = 4


def hide_secrets() -> None:
    """Remove the secrets from this process's environment, wherever it is visible."""
    for name in SECRET_ENV:
        os.environ.pop(name, None)  # unsetenv() too
    if not sys.platform.startswith("linux"):
        return
    try:
        _wipe_startup_environment()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            log.warning("could not make the process non-dumpable (errno %d)", ctypes.get_errno())
    except OSError as exc:  # no /proc, no libc: the secrets are at least out of os.environ
        log.warning("could not wipe the start-up environment: %s", exc)


def startup_environment_span() -> tuple[int, int]:
    """Where the environment block the process started with lies in its memory
    (``env_start`` and ``env_end``, fields 50 and 51 of ``/proc/self/stat``)."""
    with open("/proc/self/stat", "rb") as f:
        stat = f.read()
    # The command name may hold spaces and parentheses: count fields after the last ")",
    # where field 3 (the state) comes first.
    fields = stat.rsplit(b")", 1)[1].split()
    return int(fields[50 - 3]), int(fields[51 - 3])


def _wipe_startup_environment() -> None:
    start, end = startup_environment_span()
    if not 0 < start < end:
        return
    # Every variable still wanted moves to the heap first: the C library's environ
    # points into this block until putenv() gives it a copy (getenv() in C code, such
    # as libpq reading PGPASSWORD, keeps working).
    for name, value in os.environ.items():
        os.putenv(name, value)
    ctypes.memset(start, 0, end - start)
