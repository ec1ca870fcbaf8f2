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
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from jobsched.registry import HandlerCancelled, HandlerContext, HandlerTimeout, RunFn
from jobsched.settings import Settings

POLL_S = 0.05
KILL_GRACE_S = 2.0
"""How long a child gets to exit after SIGTERM before SIGKILL."""


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
    ids: tuple[str, str, int],
    remaining_s: float,
    settings: Settings,
    conn: Connection,
) -> None:
    from jobsched.plugins import FailNow, RetryLater

    execution_id, job_id, attempt = ids
    ctx = HandlerContext(
        execution_id=execution_id,
        job_id=job_id,
        attempt=attempt,
        deadline=time.monotonic() + remaining_s,
        settings=settings,
        logger=logging.getLogger(f"jobsched.job.{getattr(fn, '__name__', 'handler')}"),
    )
    try:
        result: Any = ("ok", fn(payload, ctx))
    except RetryLater as exc:
        result = ("raised", Raised("retry_later", type(exc).__name__, str(exc), exc.delay_ms))
    except FailNow as exc:
        result = ("raised", Raised("fail_now", type(exc).__name__, str(exc)))
    except HandlerTimeout as exc:
        result = ("raised", Raised("timeout", type(exc).__name__, str(exc)))
    except HandlerCancelled as exc:
        result = ("raised", Raised("cancelled", type(exc).__name__, str(exc)))
    except Exception as exc:
        result = ("raised", Raised("error", type(exc).__name__, str(exc)))
    try:
        conn.send(result)
    except Exception as exc:  # the result does not pickle
        conn.send(("raised", Raised("error", type(exc).__name__, f"result not sendable: {exc}")))
    conn.close()


def run_in_process(fn: RunFn, payload: dict[str, Any], ctx: HandlerContext) -> Any:
    """Run ``fn`` in a child process; return its result, or raise what it raised
    (``Raised`` wrapped in ``ChildFailed``), ``HandlerTimeout`` when its deadline
    passed (the child is killed), ``HandlerCancelled`` when ``ctx.cancelled`` was set
    (likewise), or ``ChildCrashed`` when it died without answering."""
    mp = multiprocessing.get_context("spawn")
    receive, send = mp.Pipe(duplex=False)
    ids = (ctx.execution_id, ctx.job_id, ctx.attempt)
    child = mp.Process(
        target=_child,
        args=(fn, payload, ids, max(ctx.remaining(), 0), ctx.settings, send),
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
                    answer = receive.recv()
                except EOFError:
                    child.join(KILL_GRACE_S)
                    raise ChildCrashed(_death(child.exitcode)) from None
                child.join(KILL_GRACE_S)
                if child.is_alive():
                    _kill(child)
                return _unwrap(answer)
    finally:
        receive.close()


class ChildFailed(Exception):
    def __init__(self, raised: Raised) -> None:
        super().__init__(raised.message)
        self.raised = raised


def _unwrap(answer: tuple[str, Any]) -> Any:
    tag, value = answer
    if tag == "ok":
        return value
    raise ChildFailed(value)


def _kill(child: multiprocessing.process.BaseProcess) -> None:
    child.terminate()
    child.join(KILL_GRACE_S)
    if child.is_alive():
        child.kill()
        child.join(KILL_GRACE_S)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return f"the handler's process was killed by {name}{why}"
    return f"the handler's process exited with code {exitcode} without a result"
