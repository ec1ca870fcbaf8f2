"""shell.command: argv exec, allow-list, env, cwd, and ending the whole process group."""

from __future__ import annotations

import os
import shutil
import signal
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from handlers import shell
from handlers._payload import InvalidPayload
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import HandlerCancelled, HandlerTimeout

ALLOWED = HandlerSettings(shell_allowed_commands=("sh", "echo", "sleep", "pwd"))


def gone(pid: int) -> bool:
    """True when ``pid`` no longer runs. A zombie counts as gone: it runs nothing,
    it only waits for a parent (here possibly a PID 1 that does not reap) to collect it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state in ("Z", "X")


# argv, output, failures -----------------------------------------------------------------


def test_arguments_are_passed_literally(make_ctx) -> None:
    arg = "hello; rm -rf / && echo $HOME `id` *"
    result = shell.run({"command": "echo", "args": [arg]}, make_ctx(ALLOWED))
    assert result["stdout"] == arg + "\n"
    assert result["exit_code"] == 0
    assert result["stderr"] == ""


def test_non_zero_exit_fails_with_code_and_stderr(make_ctx) -> None:
    payload = {"command": "sh", "args": ["-c", "echo out; echo 'disk full' >&2; exit 3"]}
    with pytest.raises(RuntimeError, match=r"sh exited with code 3: disk full"):
        shell.run(payload, make_ctx(ALLOWED))


def test_output_keeps_the_tail(make_ctx) -> None:
    script = "i=0; while [ $i -lt 2000 ]; do echo line-$i-xxxxxxxxxx; i=$((i+1)); done"
    result = shell.run({"command": "sh", "args": ["-c", script]}, make_ctx(ALLOWED))
    assert len(result["stdout"].encode()) == shell.MAX_OUTPUT_BYTES
    assert result["stdout"].endswith("line-1999-xxxxxxxxxx\n")
    assert result["stdout_truncated"] is True


def test_env_is_minimal_and_merged(make_ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKER_SECRET", "s3cret")
    settings = replace(ALLOWED, shell_allowed_env=("GREETING", "LANG"))
    script = 'printf "%s|%s|%s|%s" "$GREETING" "${WORKER_SECRET-unset}" "$LANG" "$PATH"'
    payload = {"command": "sh", "args": ["-c", script], "env": {"GREETING": "hi", "LANG": "C"}}
    greeting, secret, lang, path = shell.run(payload, make_ctx(settings))["stdout"].split("|")
    assert (greeting, secret, lang) == ("hi", "unset", "C")
    assert path == shell.base_env()["PATH"]


def test_cwd(make_ctx, tmp_path: Path) -> None:
    result = shell.run({"command": "pwd", "cwd": str(tmp_path)}, make_ctx(ALLOWED))
    assert os.path.realpath(result["stdout"].strip()) == os.path.realpath(tmp_path)


def test_missing_cwd_fails_clearly(make_ctx, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"could not start pwd"):
        shell.run({"command": "pwd", "cwd": str(tmp_path / "nope")}, make_ctx(ALLOWED))


def test_command_is_found_on_the_safe_path_only(
    make_ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "echo"
    fake.write_text("#!/bin/sh\necho fake\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    payload = {"command": "echo", "args": ["real"]}
    assert shell.run(payload, make_ctx(ALLOWED))["stdout"] == "real\n"


def test_unknown_program_fails(make_ctx) -> None:
    settings = HandlerSettings(shell_allowed_commands=("no-such-program-jobsched",))
    with pytest.raises(RuntimeError, match=r"not found on PATH"):
        shell.run({"command": "no-such-program-jobsched"}, make_ctx(settings))


# cancel, timeout, leftovers -------------------------------------------------------------


def test_cancel_kills_the_whole_process_group(make_ctx, background, waiter, tmp_path) -> None:
    pidfile = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {pidfile}; sleep 30"
    ctx = make_ctx(ALLOWED)
    call = background(lambda: shell.run({"command": "sh", "args": ["-c", script]}, ctx))
    child = int(waiter(lambda: pidfile.exists() and pidfile.read_text().strip()))
    assert not gone(child)

    started = time.monotonic()
    ctx.cancelled.set()
    assert call.join(5), "the handler did not return after cancel"
    assert time.monotonic() - started < 3
    assert isinstance(call.error, HandlerCancelled)
    waiter(lambda: gone(child), timeout=2)


def test_deadline_kills_the_group_and_raises_timeout(make_ctx) -> None:
    started = time.monotonic()
    with pytest.raises(HandlerTimeout):
        shell.run({"command": "sleep", "args": ["30"]}, make_ctx(ALLOWED, seconds=0.2))
    assert time.monotonic() - started < 3


def test_sigkill_follows_an_ignored_sigterm(
    make_ctx, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, waiter
) -> None:
    monkeypatch.setattr(shell, "KILL_GRACE_S", 0.2)
    pidfile = tmp_path / "child.pid"
    # An ignored signal stays ignored across fork and exec, so both shells and
    # the sleep ignore SIGTERM: only SIGKILL ends them.
    script = f"trap '' TERM; sleep 30 & echo $! > {pidfile}; wait"
    started = time.monotonic()
    with pytest.raises(HandlerTimeout):
        shell.run({"command": "sh", "args": ["-c", script]}, make_ctx(ALLOWED, seconds=0.3))
    assert time.monotonic() - started < 3
    waiter(lambda: gone(int(pidfile.read_text())), timeout=2)


def test_leftover_children_are_ended_when_the_program_exits(make_ctx, waiter) -> None:
    # The background sleep keeps stdout open; without ending the group this would
    # wait 30 s for the pipe to close.
    started = time.monotonic()
    result = shell.run({"command": "sh", "args": ["-c", "sleep 30 & echo $!"]}, make_ctx(ALLOWED))
    assert time.monotonic() - started < 3
    waiter(lambda: gone(int(result["stdout"])), timeout=2)


@pytest.mark.skipif(shutil.which("setsid") is None, reason="needs the setsid command")
def test_a_process_that_leaves_the_group_cannot_hang_the_handler(make_ctx) -> None:
    started = time.monotonic()
    script = "setsid sleep 30 & echo $!"
    result = shell.run({"command": "sh", "args": ["-c", script]}, make_ctx(ALLOWED))
    escaped = int(result["stdout"])
    try:
        assert time.monotonic() - started < shell.DRAIN_S + 2
    finally:
        os.kill(escaped, signal.SIGKILL)


def test_already_cancelled_does_not_start(make_ctx, tmp_path: Path) -> None:
    ctx = make_ctx(ALLOWED)
    ctx.cancelled.set()
    marker = tmp_path / "ran"
    with pytest.raises(HandlerCancelled):
        shell.run({"command": "sh", "args": ["-c", f"touch {marker}"]}, ctx)
    assert not marker.exists()


# validation -----------------------------------------------------------------------------


def test_disabled_without_an_allow_list() -> None:
    problems = shell.validate({"command": "echo"}, HandlerSettings())
    assert set(problems) == {"payload.command"}
    assert "disabled" in problems["payload.command"]
    assert "SHELL_ALLOWED_COMMANDS" in problems["payload.command"]


def test_run_refuses_too(make_ctx) -> None:
    with pytest.raises(InvalidPayload, match=r"SHELL_ALLOWED_COMMANDS"):
        shell.run({"command": "echo"}, make_ctx(HandlerSettings()))


@pytest.mark.parametrize(
    ("allowed", "command", "ok"),
    [
        (("sleep",), "sleep", True),
        (("sleep",), "/bin/sleep", False),  # a path is not its basename
        (("sleep",), "/tmp/x/sleep", False),
        (("/bin/sleep",), "/bin/sleep", True),
        (("/bin/sleep",), "sleep", False),
        (("sleep",), "sleep ", False),
        (("sleep",), "sleep; rm -rf /", False),
    ],
)
def test_allow_list_is_an_exact_match(allowed: tuple[str, ...], command: str, ok: bool) -> None:
    problems = shell.validate({"command": command}, HandlerSettings(shell_allowed_commands=allowed))
    assert (problems == {}) is ok
    if not ok:
        assert "is not allowed" in problems["payload.command"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"payload.command"}),
        ({"command": ""}, {"payload.command"}),
        ({"command": 5}, {"payload.command"}),
        ({"command": "echo", "args": "-n hi"}, {"payload.args"}),
        ({"command": "echo", "args": ["ok", 5]}, {"payload.args[1]"}),
        ({"command": "echo", "args": ["a\0b"]}, {"payload.args[0]"}),
        ({"command": "echo", "cwd": "relative/dir"}, {"payload.cwd"}),
        ({"command": "echo", "cwd": 3}, {"payload.cwd"}),
        ({"command": "echo", "env": ["A=1"]}, {"payload.env"}),
        ({"command": "echo", "env": {"A": 1}}, {"payload.env"}),
        ({"command": "echo", "env": {"A=B": "1"}}, {"payload.env.A=B"}),
        ({"command": "echo", "env": {"LD_PRELOAD": "/tmp/x.so"}}, {"payload.env.LD_PRELOAD"}),
        ({"command": "echo", "env": {"BASH_ENV": "/tmp/x"}}, {"payload.env.BASH_ENV"}),
        ({"command": "echo", "shell": True}, {"payload.shell"}),
    ],
)
def test_validation(payload: dict[str, Any], fields: set[str]) -> None:
    assert set(shell.validate(payload, ALLOWED)) == fields


def test_a_full_payload_is_valid(tmp_path: Path) -> None:
    payload = {"command": "echo", "args": ["a"], "cwd": str(tmp_path), "env": {"X": "1"}}
    assert shell.validate(payload, replace(ALLOWED, shell_allowed_env=("X",))) == {}


# environment: allow-listed names only, never the worker's secrets ------------------------


def _bash_script(tmp_path: Path) -> str:
    """An allow-listed bash script that only calls ``echo``, like an operator's own."""
    script = tmp_path / "report.sh"
    script.write_text("#!/bin/bash\necho report done\n")
    script.chmod(0o755)
    return str(script)


def test_an_exported_bash_function_cannot_run_code_in_an_allowed_script(
    make_ctx, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://admin:hunter2@db.internal/prod")
    script = _bash_script(tmp_path)
    settings = HandlerSettings(shell_allowed_commands=(script,), shell_allowed_env=("LEVEL",))
    # bash imports BASH_FUNC_<name>%% as a function that shadows the `echo` builtin.
    hijack = {"BASH_FUNC_echo%%": "() { cat /proc/$PPID/environ; }"}
    payload = {"command": script, "env": hijack}
    assert set(shell.validate(payload, settings)) == {"payload.env.BASH_FUNC_echo%%"}
    with pytest.raises(InvalidPayload, match=r"payload\.env\.BASH_FUNC_echo%%"):
        shell.run(payload, make_ctx(settings))


@pytest.mark.parametrize(
    "name", ["LD_PRELOAD", "BASH_ENV", "ENV", "PATH", "PS4", "SHELLOPTS", "IFS", "GREETING"]
)
def test_only_allow_listed_names_may_be_set(name: str) -> None:
    settings = HandlerSettings(shell_allowed_commands=("echo",), shell_allowed_env=("LEVEL",))
    problems = shell.validate({"command": "echo", "env": {name: "x"}}, settings)
    assert set(problems) == {f"payload.env.{name}"}
    assert "SHELL_ALLOWED_ENV" in problems[f"payload.env.{name}"]
    assert shell.validate({"command": "echo", "env": {"LEVEL": "9"}}, settings) == {}


def test_no_env_at_all_by_default() -> None:
    problems = shell.validate({"command": "echo", "env": {"LEVEL": "9"}}, ALLOWED)
    assert set(problems) == {"payload.env.LEVEL"}


@pytest.mark.parametrize("name", ["1ABC", "A-B", "A B", "A%%", "É", ""])
def test_env_names_are_strict(name: str) -> None:
    settings = HandlerSettings(shell_allowed_commands=("echo",), shell_allowed_env=("LEVEL",))
    problems = shell.validate({"command": "echo", "env": {name: "x"}}, settings)
    assert set(problems) == {f"payload.env.{name}"}


def test_a_child_printing_its_environment_sees_no_worker_secret(
    make_ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "DATABASE_URL": "postgresql://admin:hunter2@db.internal/prod",
        "REDIS_URL": "redis://:t0ken@redis.internal:6379/0",
        "API_KEYS": "k3y-one,k3y-two",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", "/opt/worker-only/bin:" + os.environ["PATH"])
    settings = HandlerSettings(shell_allowed_commands=("env",), shell_allowed_env=("LEVEL",))
    result = shell.run({"command": "env", "env": {"LEVEL": "9"}}, make_ctx(settings))
    printed = dict(line.split("=", 1) for line in result["stdout"].splitlines())
    assert set(printed) == {"PATH", "HOME", "LANG", "LEVEL"}
    assert printed["PATH"] == shell.SAFE_PATH, "PATH is fixed, not the worker's"
    for value in secrets.values():
        assert value not in result["stdout"]


# limits of the program's process ----------------------------------------------------------


def _limits(text: str) -> dict[str, str]:
    """``/proc/self/limits`` as {name: soft limit}."""
    rows = {}
    for line in text.splitlines()[1:]:
        name, soft = line[:26].strip(), line[26:47].strip()
        rows[name] = soft
    return rows


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs Linux /proc")
def test_the_program_runs_under_the_child_limits_and_first_for_the_oom_killer(make_ctx) -> None:
    settings = replace(
        HandlerSettings(shell_allowed_commands=("cat",)),
        child_max_memory_mb=512,
        child_max_cpu_seconds=77,
        child_max_open_files=99,
        child_max_processes=555,
    )
    ctx = make_ctx(settings)
    limits = _limits(shell.run({"command": "cat", "args": ["/proc/self/limits"]}, ctx)["stdout"])
    assert limits["Max address space"] == str(512 * 1024 * 1024)
    assert limits["Max cpu time"] == "77"
    assert limits["Max open files"] == "99"
    assert limits["Max processes"] == "555"
    score = shell.run({"command": "cat", "args": ["/proc/self/oom_score_adj"]}, ctx)["stdout"]
    assert score.strip() == "1000"


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root worker has CAP_SYS_PTRACE to give up")
def test_a_program_of_a_root_worker_runs_without_cap_sys_ptrace(make_ctx) -> None:
    settings = HandlerSettings(shell_allowed_commands=("cat",))
    status = shell.run({"command": "cat", "args": ["/proc/self/status"]}, make_ctx(settings))
    caps = dict(
        line.split(":\t", 1) for line in status["stdout"].splitlines() if line.startswith("Cap")
    )
    for kind in ("CapEff", "CapPrm", "CapBnd"):
        assert not int(caps[kind], 16) & (1 << 19), f"{kind} still has CAP_SYS_PTRACE"


def test_an_output_flood_keeps_only_the_tail(make_ctx) -> None:
    # 64 MiB on stdout: read as it comes, only the last MAX_OUTPUT_BYTES are kept.
    settings = HandlerSettings(shell_allowed_commands=("head",))
    result = shell.run(
        {"command": "head", "args": ["-c", str(64 * 1024 * 1024), "/dev/zero"]},
        make_ctx(settings, seconds=60),
    )
    assert result["stdout_truncated"] is True
    assert len(result["stdout"]) == shell.MAX_OUTPUT_BYTES
