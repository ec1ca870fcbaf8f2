"""``shell.command``: run one allow-listed program with an argument list.

Payload::

    {"command": "backup-db",          # required: a program name or an absolute path
     "args": ["--full", "nightly"],   # strings, passed as they are (no shell, no globbing)
     "cwd": "/var/lib/backups",       # absolute directory to run in
     "env": {"LEVEL": "9"}}           # only names SHELL_ALLOWED_ENV lists

Off by default. ``SHELL_ALLOWED_COMMANDS`` lists what may run, and the rule is an
**exact string match**: ``sleep`` allows the command ``sleep`` (looked up on the fixed
``SAFE_PATH``), ``/usr/local/bin/backup`` allows only that path. A path whose last
part is allowed (``/tmp/x/sleep``) is *not* accepted: anyone who can write a file
could otherwise name it after an allowed program. Allowing a shell or an interpreter
allows everything.

The environment is an allow-list too. The program starts from ``PATH`` (fixed to
``SAFE_PATH``), ``HOME`` and ``LANG``, never from a copy of the worker's environment,
which holds its secrets (DATABASE_URL, REDIS_URL, API_KEYS). A payload may add only
the names ``SHELL_ALLOWED_ENV`` lists (none by default), and each name must match
``[A-Za-z_][A-Za-z0-9_]*``: a block-list always misses one (``BASH_FUNC_echo%%``
makes bash run the payload's code in place of ``echo``; ``LD_PRELOAD``, ``BASH_ENV``,
``PS4``... do the same elsewhere).

The program runs under the child limits of ``jobsched.childlimits`` (memory, CPU,
open files, processes; first for the OOM killer; no ``CAP_SYS_PTRACE``), set by a small
launcher that then ``exec``s it. It starts in a process group of its own. On cancel or
on the job's deadline the whole group gets SIGTERM, then SIGKILL ``KILL_GRACE_S``
later, and the handler raises ``HandlerCancelled`` / ``HandlerTimeout``. Processes
left behind when the program exits are ended the same way: a finished job leaves
nothing running.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from handlers._payload import check_object, require_valid, string_map_problem
from jobsched.childlimits import ChildLimits, launch_argv
from jobsched.handler_settings import ENV_NAME, HandlerSettings
from jobsched.registry import (
    Handler,
    HandlerCancelled,
    HandlerContext,
    HandlerRegistry,
    HandlerTimeout,
)

NAME = "shell.command"
FIELDS = ("command", "args", "cwd", "env")
MAX_OUTPUT_BYTES = 16 * 1024
"""Bytes of stdout and of stderr kept (the tail, where errors usually are)."""
ERROR_TAIL_CHARS = 500
"""Characters of stderr quoted in the error of a failed run."""
MAX_ARGS = 1000
KILL_GRACE_S = 2.0
"""Between SIGTERM and SIGKILL: time for the program to clean up."""
POLL_S = 0.05
"""How often the output, the process, ``ctx.cancelled`` and the deadline are looked at."""
DRAIN_S = 1.0
"""Once the group is gone (or SIGKILLed), how long to keep reading pipes that stay
open: a process that left the group with ``setsid`` may hold them for ever."""
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
"""The PATH commands are looked up on and run with; the worker's own is not used."""


def _allow_rule_text() -> str:
    return (
        "SHELL_ALLOWED_COMMANDS (comma-separated) lists the commands shell.command may run; "
        "the command must equal an entry exactly"
    )


def _has_nul(value: str) -> bool:
    return "\0" in value


def validate(payload: dict[str, Any], settings: HandlerSettings) -> dict[str, str]:
    """Problems with a shell payload, by field; empty when it can run."""
    problems = check_object(payload, FIELDS)
    if "payload" in problems:
        return problems
    command = payload.get("command")
    if command is None or command == "":
        problems["payload.command"] = "is required"
    elif not isinstance(command, str) or _has_nul(command):
        problems["payload.command"] = "must be a string"
    elif not settings.shell_allowed_commands:
        problems["payload.command"] = f"shell.command is disabled: {_allow_rule_text()}"
    elif command not in settings.shell_allowed_commands:
        problems["payload.command"] = f"{command!r} is not allowed: {_allow_rule_text()}"
    if "args" in payload:
        args = payload["args"]
        if not isinstance(args, list):
            problems["payload.args"] = "must be a list of strings"
        elif len(args) > MAX_ARGS:
            problems["payload.args"] = f"must have at most {MAX_ARGS} items"
        else:
            for i, arg in enumerate(args):
                if not isinstance(arg, str) or _has_nul(arg):
                    problems[f"payload.args[{i}]"] = "must be a string without NUL"
    if "cwd" in payload:
        cwd = payload["cwd"]
        if not isinstance(cwd, str) or _has_nul(cwd) or not os.path.isabs(cwd):
            # Relative to what? The worker's directory is nothing a job should rely on.
            problems["payload.cwd"] = "must be an absolute path"
    if "env" in payload:
        problems.update(_env_problems(payload["env"], settings.shell_allowed_env))
    return problems


def _env_problems(env: Any, allowed: tuple[str, ...]) -> dict[str, str]:
    if (problem := string_map_problem(env)) is not None:
        return {"payload.env": problem}
    problems: dict[str, str] = {}
    for name, value in env.items():
        key = f"payload.env.{name}"
        if not ENV_NAME.match(name) or _has_nul(value):
            problems[key] = "is not a valid environment variable (name: [A-Za-z_][A-Za-z0-9_]*)"
        elif name not in allowed:
            listed = ", ".join(allowed) if allowed else "none"
            problems[key] = (
                "may not be set: SHELL_ALLOWED_ENV (comma-separated) lists the variables "
                f"a payload may set (now: {listed})"
            )
    return problems


def base_env() -> dict[str, str]:
    """The minimal environment every command starts from.

    The worker's own environment holds secrets (DATABASE_URL, API keys), so only
    these three variables are passed on, and PATH is not even the worker's.
    """
    return {
        "PATH": SAFE_PATH,
        "HOME": os.environ.get("HOME") or "/",
        "LANG": os.environ.get("LANG") or "C.UTF-8",
    }


def _executable(command: str, path: str) -> str:
    """The file to exec, found on the worker's PATH (never on the payload's)."""
    if "/" in command:
        if os.path.isfile(command) and os.access(command, os.X_OK):
            return command
        raise RuntimeError(f"{command} is not an executable file")
    found = shutil.which(command, path=path)
    if found is None:
        raise RuntimeError(f"{command} was not found on PATH ({path})")
    return found


@dataclass
class _Tail:
    """The last ``limit`` bytes of a stream, and how many bytes it had in all."""

    limit: int = MAX_OUTPUT_BYTES
    data: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data += chunk
        if len(self.data) > self.limit:
            del self.data[: len(self.data) - self.limit]

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    @property
    def truncated(self) -> bool:
        return self.total > len(self.data)


class _Group:
    """The program's process group: ask it to stop, then make it stop."""

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid
        self.term_sent_at: float | None = None
        self.kill_sent_at: float | None = None

    def alive(self) -> bool:
        """Whether any process of the group still runs (zombies do not count)."""
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # a member changed user; it still exists
            pass
        # killpg also answers for zombies: orphans wait there until PID 1 reaps them,
        # which some init processes do only every few seconds (and a worker running as
        # PID 1 never does). They run nothing, so look closer where /proc allows.
        return _group_has_live_member(self.pgid)

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone: nothing to do
            os.killpg(self.pgid, sig)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def terminate(self, now: float) -> None:
        if self.term_sent_at is None:
            self.term_sent_at = now
            self._signal(signal.SIGTERM)

    def escalate(self, now: float) -> None:
        """SIGKILL once the grace period after SIGTERM is over, if anyone is left."""
        if (
            self.term_sent_at is not None
            and self.kill_sent_at is None
            and now - self.term_sent_at >= KILL_GRACE_S
            and self.alive()
        ):
            self.kill_sent_at = now
            self.kill()


def _group_has_live_member(pgid: int) -> bool:
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return True  # no /proc (not Linux): trust killpg
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # exited while we looked
        # The command name may hold spaces and parentheses: split after the last ")".
        fields = stat.rsplit(b")", 1)[1].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in (b"Z", b"X"):
            return True
    return False


def _supervise(proc: subprocess.Popen[bytes], ctx: HandlerContext) -> tuple[str, _Tail, _Tail]:
    """Drain the output and watch the run; returns (why it stopped, stdout, stderr).

    The reason is ``exited`` (the program ended by itself), ``cancelled`` or
    ``timeout``. Output is read here, not with ``communicate()``, so one loop can
    watch the pipes, the process and ``ctx`` without threads.
    """
    assert proc.stdout is not None and proc.stderr is not None
    out, err = _Tail(), _Tail()
    tails = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    group = _Group(proc.pid)  # start_new_session: the group id is the program's pid
    reason: str | None = None
    drain_from: float | None = None
    with selectors.DefaultSelector() as selector:
        for fd in tails:
            selector.register(fd, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select(POLL_S):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    tails[key.fd].add(chunk)
                else:
                    selector.unregister(key.fd)
            now = time.monotonic()
            exited = proc.poll() is not None
            if reason is None:
                if ctx.cancelled.is_set():
                    reason = "cancelled"
                elif ctx.remaining() <= 0:
                    reason = "timeout"
                elif exited:
                    reason = "exited"
                if reason is not None and group.alive():
                    group.terminate(now)
            else:
                group.escalate(now)
            if exited and not group.alive():
                if not selector.get_map():
                    break
                # Pipes still open with the group gone: a process that left the group
                # (setsid) holds them. Take what it wrote so far, but do not wait for it.
                drain_from = drain_from or now
                if now - drain_from >= DRAIN_S:
                    break
            if group.kill_sent_at is not None and now - group.kill_sent_at >= DRAIN_S:
                break  # SIGKILL is not refused: what is left is beyond our reach
    proc.wait()
    return reason or "exited", out, err


def run(payload: dict[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Run an allow-listed program with arguments; a non-zero exit fails the attempt."""
    require_valid(validate(payload, ctx.handler_settings))
    ctx.check()
    command: str = payload["command"]
    env = base_env()
    executable = _executable(command, env["PATH"])
    env.update(payload.get("env") or {})
    try:
        proc = subprocess.Popen(
            # Through the launcher, which sets the child limits and then execs the
            # program in the same process (same pid, same process group).
            launch_argv(
                ChildLimits.from_settings(ctx.handler_settings),
                executable,
                [command, *payload.get("args", [])],
            ),
            cwd=payload.get("cwd"),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so it can be ended as a whole
            close_fds=True,
        )
    except OSError as exc:
        raise RuntimeError(f"could not start {command}: {exc}") from exc
    try:
        reason, out, err = _supervise(proc, ctx)
    except BaseException:
        # Whatever went wrong here, the program must not outlive its handler.
        _Group(proc.pid).kill()
        proc.wait()
        raise
    finally:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    if reason == "cancelled":
        raise HandlerCancelled("execution was cancelled; the process group was killed")
    if reason == "timeout":
        raise HandlerTimeout("timed out; the process group was killed")
    code = proc.returncode
    if code != 0:
        raise RuntimeError(_failure_message(command, code, err.text()))
    return {
        "exit_code": code,
        "stdout": out.text(),
        "stderr": err.text(),
        "stdout_truncated": out.truncated,
        "stderr_truncated": err.truncated,
    }


def _failure_message(command: str, code: int, stderr: str) -> str:
    if code < 0:
        try:
            what = f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            what = f"was killed by signal {-code}"
    else:
        what = f"exited with code {code}"
    tail = stderr.strip()[-ERROR_TAIL_CHARS:]
    return f"{command} {what}: {tail}" if tail else f"{command} {what} (no stderr)"


def register(registry: HandlerRegistry) -> None:
    registry.add(
        Handler(
            NAME,
            run,
            validate,
            "Run an allow-listed program with an argument list (never a shell string). "
            "Off unless SHELL_ALLOWED_COMMANDS lists the command.",
            # Nothing: command, args, cwd and env decide what runs; changing any of
            # them for one run needs an admin key.
            overridable=(),
        )
    )
