"""The one check every user-sent JSON document and text field goes through."""

from __future__ import annotations

from typing import Any

import pytest

from jobsched.domain import bounded, cron
from jobsched.domain.bounded import MAX_JSON_DEPTH, json_problem, text_problem


def nested(levels: int) -> Any:
    value: Any = {}
    for i in range(levels - 1):
        value = {"a": value} if i % 2 else [value]
    return value


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"a": [1, "two", None, True, 2.5, {"b": {}}]}, None),
        (nested(MAX_JSON_DEPTH), None),
        (nested(MAX_JSON_DEPTH + 1), "nested at most 32 levels"),
        (nested(100_000), "nested at most 32 levels"),  # iterative: no RecursionError
        ({"a": "x\x00"}, "NUL characters (at a)"),
        ({"k\x00": 1}, "NUL characters (in a key)"),
        ({"a": {"b": ["ok", "\ud800"]}}, "(not valid Unicode) (at a.b[1])"),
        ({"a": float("nan")}, "NaN or Infinity"),
        ({"a": float("-inf")}, "NaN or Infinity"),
        ({"a": {1, 2}}, "only JSON values"),
        ({"a": 10**40}, None),  # PostgreSQL's numeric takes it
        ({"a": "x" * 70_000}, "at most 65536 bytes"),
        ({"a": "é" * 40_000}, "at most 65536 bytes"),  # bytes, not characters
    ],
)
def test_json_problem(value: Any, problem: str | None) -> None:
    found = json_problem(value)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found, found


@pytest.mark.parametrize(
    ("text", "limit", "problem"),
    [
        ("fine", 10, None),
        ("x" * 11, 10, "at most 10"),
        ("a\x00", None, "NUL"),
        ("\udfff", None, "surrogate"),
    ],
)
def test_text_problem(text: str, limit: int | None, problem: str | None) -> None:
    found = text_problem(text, limit)
    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        ("0 0 29 2 *", None),  # leap days: every four years is still a schedule
        ("0 0 31 2 1", None),  # day-of-month OR weekday: Mondays in February
        ("0 0 31 2 *", "never fires"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("* * * * " + ",".join(["1"] * 200), "at most 200 characters"),
    ],
)
def test_a_schedule_must_be_short_and_fire(schedule: str, problem: str | None) -> None:
    if problem is None:
        assert cron.validate_schedule(schedule) == schedule
    else:
        with pytest.raises(ValueError, match=problem):
            cron.validate_schedule(schedule)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        # The whole message, where the table above checks a part of it.
        ("a\x00", "must not contain NUL characters"),
        ({"a": {"b\x00": 1}}, "must not contain NUL characters (in a key at a)"),
        ({"k\x00": 1}, "must not contain NUL characters (in a key)"),
    ],
)
def test_json_problem_says_where_exactly(value: Any, problem: str) -> None:
    assert json_problem(value) == problem


def test_the_bounds_are_inclusive() -> None:
    assert text_problem("abc", 3) is None
    assert text_problem("abcd", 3) == "must be at most 3 characters"
    document = {"a": "x"}  # {"a":"x"}: 9 bytes
    assert json_problem(document, max_bytes=9) is None
    assert json_problem(document, max_bytes=8) == "must be at most 8 bytes of JSON"


@pytest.mark.parametrize(
    ("sizes", "budget", "held"),
    [
        ([], 100, 0),
        # Each item costs its size and a comma.
        ([49, 49], 100, 2),
        ([49, 50], 100, 1),
        ([10, 10, 10, 10], 33, 3),
        ([10, 10, 10, 10], 32, 2),
        # At least one item, however heavy: paging always moves on.
        ([500, 1], 100, 1),
        ([99], 100, 1),
    ],
)
def test_a_page_holds_the_items_that_fit_its_budget_and_at_least_one(sizes, budget, held) -> None:
    assert bounded.fits_in_page(sizes, budget) == held


def test_a_page_is_budgeted_at_1_mib_less_its_envelope_by_default() -> None:
    # The README's 1 MiB a page, written out; 128 KiB of it is kept for the envelope.
    fits = 1024 * 1024 - 128 * 1024 - 1
    assert bounded.fits_in_page([fits, 1]) == 1
    assert bounded.fits_in_page([fits - 2, 0]) == 2


def test_the_wire_form_is_compact_ascii_so_its_length_is_its_size() -> None:
    assert bounded.wire_json({"a": [1, 2], "b": "é😀"}) == '{"a":[1,2],"b":"\\u00e9\\ud83d\\ude00"}'
