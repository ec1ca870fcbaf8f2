"""Iterators over the API's cursor pages: each page's ``next_cursor`` is passed back as
``cursor`` until it is null."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Protocol, TypeVar

from jobsched_client.types import UNSET, Unset

T_co = TypeVar("T_co", covariant=True)


class Page(Protocol[T_co]):
    """What every list answer holds (JobPage, ExecutionPage, DeadLetterPage, ...)."""

    @property
    def items(self) -> Sequence[T_co]: ...  # pragma: no cover

    @property
    def next_cursor(self) -> str | None: ...  # pragma: no cover


def iterate(fetch: Callable[[str | Unset], Page[T_co]]) -> Iterator[T_co]:
    cursor: str | Unset = UNSET
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


async def aiterate(fetch: Callable[[str | Unset], Awaitable[Page[T_co]]]) -> AsyncIterator[T_co]:
    cursor: str | Unset = UNSET
    while True:
        page = await fetch(cursor)
        for item in page.items:
            yield item
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
