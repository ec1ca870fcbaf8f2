"""The handler threads' helpers: the cancel flag every run gets (``LazyEvent``) behaves
as a ``threading.Event`` though it builds its condition only when first used."""

from __future__ import annotations

import threading
import time

from jobsched.registry import HandlerContext
from jobsched.settings import Settings
from jobsched.threads import LazyEvent


def test_it_is_an_event_unset_until_set() -> None:
    event = LazyEvent()
    assert isinstance(event, threading.Event)
    assert not event.is_set()
    assert event.wait(0.01) is False
    event.set()
    assert event.is_set() and event.wait(0) is True and event.wait() is True
    event.clear()
    assert not event.is_set()


def _wakes_all(waiters: int) -> list[bool]:
    event = LazyEvent()
    woken: list[bool] = []
    start = threading.Barrier(waiters + 1)

    def wait() -> None:
        start.wait()
        woken.append(event.wait(5))

    threads = [threading.Thread(target=wait) for _ in range(waiters)]
    for t in threads:
        t.start()
    start.wait()
    event.set()
    for t in threads:
        t.join(5)
    return woken


def test_set_wakes_every_waiter_even_when_all_start_using_it_at_once() -> None:
    for _ in range(20):
        assert _wakes_all(8) == [True] * 8


def test_a_waiter_is_woken_by_a_later_set() -> None:
    event = LazyEvent()
    woke_after: list[float] = []

    def wait() -> None:
        t0 = time.monotonic()
        event.wait(5)
        woke_after.append(time.monotonic() - t0)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.05)
    event.set()
    waiter.join(5)
    assert woke_after and woke_after[0] < 4


def test_each_handler_context_has_its_own_cancel_flag() -> None:
    def ctx() -> HandlerContext:
        return HandlerContext("e", "j", 1, time.monotonic() + 10, Settings())

    a, b = ctx(), ctx()
    assert isinstance(a.cancelled, threading.Event) and a.cancelled is not b.cancelled
    a.cancelled.set()
    assert a.cancelled.is_set() and not b.cancelled.is_set()
