"""The one check every user-sent JSON document and text field goes through."""

from __future__ import annotations

import json
from types import SimpleNamespace
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


def _stored_page(items: list[dict[str, Any]], more: bool = False) -> Any:
    from jobsched.store.database import StoredPage

    keys = [[f"2026-01-0{n + 1}T00:00:00+00:00", item["id"]] for n, item in enumerate(items)]
    return StoredPage(items=items, keys=keys, more=more, total=len(items) + more)


ITEMS = [
    {"id": "00000000-0000-0000-0000-000000000001", "payload": {"text": "é😀", "n": [1, None]}},
    {"id": "00000000-0000-0000-0000-000000000002", "payload": {}, "waiting": "no worker"},
]


def test_a_weighed_page_is_sent_as_the_json_its_values_make() -> None:
    """The text sent is what encoding the page's JSON values whole gives: same keys in
    the same order, same escapes, each item once (a list answer's bytes, unchanged)."""
    from jobsched.api import cursors

    page = cursors.page(_stored_page([dict(i) for i in ITEMS], more=True), "executions")
    assert isinstance(page["items"], bounded.Weighed)
    assert page == {"next_cursor": page["next_cursor"], "total": 3, "items": ITEMS}
    assert list(page) == ["next_cursor", "total", "items"]  # plain(Page)'s field order
    sent = bounded.wire_json(page)
    assert sent == json.dumps(json.loads(sent), separators=(",", ":"))  # compact, ASCII
    assert json.loads(sent) == {"next_cursor": page["next_cursor"], "total": 3, "items": ITEMS}
    # A page inside another answer (a job's executions) is encoded as any list.
    assert bounded.wire_json({"job": page}) == json.dumps({"job": page}, separators=(",", ":"))
    # Empty: no item, no stray comma.
    empty = cursors.page(_stored_page([]), "executions")
    assert bounded.wire_json(empty) == '{"next_cursor":null,"total":0,"items":[]}'


def test_each_item_of_a_list_page_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list page weighs each item by its JSON (the page's byte budget) and sends that
    JSON: no item is encoded a second time, alone or within the page."""
    from jobsched.api import cursors

    encoded: list[Any] = []

    def counting_dumps(value: Any, **kwargs: Any) -> str:
        encoded.append(value)
        return json.dumps(value, **kwargs)

    items = [dict(i) for i in ITEMS]
    monkeypatch.setattr(bounded, "json", SimpleNamespace(dumps=counting_dumps))
    sent = bounded.wire_json(cursors.page(_stored_page(items), "executions"))

    def holds_items(value: Any) -> bool:
        if isinstance(value, dict):
            return "items" in value
        return isinstance(value, list) and ITEMS[0] in value

    assert [v for v in encoded if v in ITEMS] == ITEMS, "each item once, alone"
    assert not [v for v in encoded if holds_items(v)], "never again within the page"
    assert json.loads(sent)["items"] == ITEMS


def test_a_page_of_weighed_items_is_the_same_json_as_the_plain_page() -> None:
    """Written around its items' texts, a page is byte for byte what encoding it whole
    gives: compact, whatever else it holds."""
    items = [{"id": "a", "tags": ["x", "y"]}, {"id": "b\u00e9"}]
    texts = [bounded.wire_json(i) for i in items]
    page = {"items": bounded.Weighed(items, texts), "next_cursor": None, "filters": {"a": [1, 2]}}
    plain = {"items": items, "next_cursor": None, "filters": {"a": [1, 2]}}
    assert bounded.wire_json(page) == bounded.wire_json(plain)
    assert json.loads(bounded.wire_json(page)) == plain
