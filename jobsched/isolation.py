"""Process isolation: one run of a handler in a child process of the worker.

For CPU-bound handlers and ones that may crash: a thread cannot be stopped, so a
handler that ignores its context keeps a slot (and the CPU) after its timeout, and
a segfault or the out-of-memory killer takes the whole worker with every run on it.
A child process can be killed at the timeout or on cancel, and its death fails only
its own attempt.

The child is started with ``spawn`` (a fresh interpreter): forking a process that
runs heartbeat threads and holds connection pools could copy a lock mid-use. The
handler function travels by reference (its module and name), so it must be a
module-level function, which ``@handler`` keeps it. Its result comes back over a
pipe and must pickle (JSON-able values do). In the child, ``ctx`` has the run's ids,
attempt, settings and deadline; ``ctx.cancelled`` is never set there, since a cancel
kills the child instead. The child is a daemon (it dies with the worker), so it cannot
start processes of its own through ``multiprocessing``; ``subprocess`` works.

What the child is allowed (see docs/reliability.md, "What a handler's child process
can reach"): before the handler runs it starts a session of its own (so the processes
it starts are ended with it: on timeout and cancel the whole group gets SIGTERM, then
SIGKILL, and what is left of it when it answers is killed), takes the child limits of
``jobsched.childlimits`` (memory, CPU, files, processes, first for the OOM killer, no
CAP_SYS_PTRACE), and hides the secrets (``jobsched.secrecy``); its settings come
without DATABASE_URL, REDIS_URL and API_KEYS. The result is cleaned in the child
(``jobsched.sanitize``) and comes back as JSON, at most ``MAX_ANSWER_BYTES`` of it: the
worker never unpickles what a child sends, nor reads an answer without end.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import signal
import time
from dataclasses import asdict, dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from jobsched.childlimits import ChildLimits, confine
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import HandlerCancelled, HandlerContext, HandlerTimeout, RunFn
from jobsched.sanitize import MAX_RESULT_BYTES, UnstorableResult, clean_result, clean_text
from jobsched.secrecy import hide_secrets
from jobsched.settings import Settings

POLL_S = 0.05
KILL_GRACE_S = 2.0
"""How long a child gets to exit after SIGTERM before SIGKILL."""
MAX_MESSAGE_CHARS = 4000
"""Characters of an exception's message sent back (the worker keeps as many)."""
MAX_ANSWER_BYTES = MAX_RESULT_BYTES + 64 * 1024
"""The largest answer read from a child: a cleaned result is at most MAX_RESULT_BYTES
of JSON (or a short preview), plus its envelope and an error message."""


class ChildCrashed(RuntimeError):
    """The handler's process died without answering (a signal, ``os._exit``)."""


@dataclass(frozen=True)
class Raised:
    """An exception from the child, as values (exceptions of user classes may not
    pickle): its type's name, message, and what the worker must know of it."""

    kind: str
    """``retry_later``, ``fail_now``, ``timeout``, ``cancelled`` or ``error``."""
    type_name: str
    message: str
    delay_ms: int | None = None


def _child(
    fn: RunFn,
    payload: dict[str, Any],
    ids: tuple[str, str, int, dict[str, Any]],
    remaining_s: float,
    settings: Settings,
    handler_settings: HandlerSettings,
    limits: ChildLimits,
    conn: Connection,
) -> None:
    from jobsched.plugins import FailNow, RetryLater

    # Before any of the handler's code runs (its module is imported already, by
    # reference; nothing of it has been called).
    os.setsid()  # a process group of its own: ended as a whole
    confine(limits)
    hide_secrets()
    execution_id, job_id, attempt, inputs = ids
    ctx = HandlerContext(
        execution_id=execution_id,
        job_id=job_id,
        attempt=attempt,
        deadline=time.monotonic() + remaining_s,
        settings=settings,
        logger=logging.getLogger(f"jobsched.job.{getattr(fn, '__name__', 'handler')}"),
        handler_settings=handler_settings,
        inputs=inputs,
    )
    try:
        # Cleaned here, so what crosses the pipe is plain JSON of a bounded size.
        answer: dict[str, Any] = {"ok": clean_result(fn(payload, ctx))}
    except RetryLater as exc:
        answer = _raised("retry_later", exc, exc.delay_ms)
    except FailNow as exc:
        answer = _raised("fail_now", exc)
    except HandlerTimeout as exc:
        answer = _raised("timeout", exc)
    except HandlerCancelled as exc:
        answer = _raised("cancelled", exc)
    except Exception as exc:  # UnstorableResult too: its message says why
        answer = _raised("error", exc)
    conn.send_bytes(json.dumps(answer).encode("utf-8"))
    conn.close()


def _raised(kind: str, exc: BaseException, delay_ms: int | None = None) -> dict[str, Any]:
    try:
        message = clean_text(str(exc), MAX_MESSAGE_CHARS)
    except Exception:  # a __str__ that raises
        message = ""
    name = type(exc).__name__
    if isinstance(exc, UnstorableResult):
        name = "UnstorableResult"
    return {"raised": asdict(Raised(kind, name, message, delay_ms))}


def run_in_process(fn: RunFn, payload: dict[str, Any], ctx: HandlerContext) -> Any:
    """Run ``fn`` in a child process; return its result, or raise what it raised
    (``Raised`` wrapped in ``ChildFailed``), ``HandlerTimeout`` when its deadline
    passed (the child is killed), ``HandlerCancelled`` when ``ctx.cancelled`` was set
    (likewise), or ``ChildCrashed`` when it died without answering."""
    mp = multiprocessing.get_context("spawn")
    receive, send = mp.Pipe(duplex=False)
    ids = (ctx.execution_id, ctx.job_id, ctx.attempt, ctx.inputs)  # a workflow step's inputs
    # The child needs none of these; its environment loses them too (hide_secrets).
    settings = replace(ctx.settings, database_url="", redis_url="", api_keys=())
    limits = ChildLimits.from_settings(ctx.handler_settings)
    child = mp.Process(
        target=_child,
        args=(
            fn,
            payload,
            ids,
            max(ctx.remaining(), 0),
            settings,
            ctx.handler_settings,
            limits,
            send,
        ),
        name=f"job-{ctx.execution_id[:8]}",
        daemon=True,
    )
    child.start()
    send.close()  # the child holds the only writer: EOF when it dies
    try:
        while True:
            if ctx.cancelled.is_set():
                _kill(child)
                raise HandlerCancelled("execution was cancelled")
            if ctx.remaining() <= 0:
                _kill(child)
                raise HandlerTimeout("timed out: the handler's process was killed")
            if receive.poll(POLL_S):
                try:
                    data = receive.recv_bytes(MAX_ANSWER_BYTES)
                except EOFError:
                    child.join(KILL_GRACE_S)
                    _kill_group(child.pid)
                    raise ChildCrashed(_death(child.exitcode)) from None
                except OSError:  # longer than MAX_ANSWER_BYTES: left unread
                    _kill(child)
                    raise ChildCrashed(
                        f"the handler's process sent an answer of over {MAX_ANSWER_BYTES} bytes"
                    ) from None
                child.join(KILL_GRACE_S)
                if child.is_alive():
                    _kill(child)
                _kill_group(child.pid)  # what it started and left running
                return _unwrap(data)
    finally:
        receive.close()


class ChildFailed(Exception):
    def __init__(self, raised: Raised) -> None:
        super().__init__(raised.message)
        self.raised = raised


def _unwrap(data: bytes) -> Any:
    try:
        answer = json.loads(data)
        if "ok" in answer:
            return answer["ok"]
        raised = Raised(**answer["raised"])
    except (ValueError, TypeError, KeyError) as exc:  # not what _child sends
        raise ChildCrashed(f"the handler's process sent an unreadable answer ({exc})") from None
    raise ChildFailed(raised)


def _kill_group(pgid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    """Signal the child's process group (its pid: it called setsid). Nothing to do
    when it is gone, or when the child died before it had a group of its own."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _kill(child: multiprocessing.process.BaseProcess) -> None:
    """The child and every process of its group: SIGTERM, then SIGKILL."""
    assert child.pid is not None
    _kill_group(child.pid, signal.SIGTERM)
    child.terminate()
    child.join(KILL_GRACE_S)
    if child.is_alive():
        child.kill()
        child.join(KILL_GRACE_S)
    _kill_group(child.pid)  # grandchildren that outlived or ignored SIGTERM


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return f"the handler's process was killed by {name}{why}"
    return f"the handler's process exited with code {exitcode} without a result"
