"""The stable spread of a scheduled job's runs (jobsched/domain/spread.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobsched.domain import flow, spread

HOUR_MS = 3_600_000
DAY1 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "window_ms", "offset"),
    [
        # sha256(key)[:8] as a big-endian integer, modulo the window: fixed forever.
        ("acme", HOUR_MS, 739_872),
        ("globex", HOUR_MS, 266_599),
        ("initech", HOUR_MS, 885_763),
        ("acme", 1, 0),
        ("acme", 0, 0),
    ],
)
def test_a_keys_offset_is_a_stable_hash_within_the_window(key, window_ms, offset):
    assert spread.offset_ms(key, window_ms) == offset


def test_every_offset_falls_inside_the_window_and_keys_spread_apart():
    offsets = {spread.offset_ms(f"customer-{i}", 60_000) for i in range(200)}
    assert all(0 <= o < 60_000 for o in offsets)
    assert len(offsets) > 190  # not bunched at one time


def test_each_key_gets_its_run_at_the_same_offset_of_every_occurrence():
    rule = {"keys": ["acme", "globex"], "window_ms": HOUR_MS}
    day1 = spread.runs(rule, {"report": "daily"}, DAY1)
    day2 = spread.runs(rule, {"report": "daily"}, DAY1 + timedelta(days=1))
    assert [(r.key, r.start_after - DAY1) for r in day1] == [
        ("acme", timedelta(milliseconds=739_872)),
        ("globex", timedelta(milliseconds=266_599)),
    ]
    assert [r.start_after - timedelta(days=1) for r in day2] == [r.start_after for r in day1]
    assert day1[0].payload == {"report": "daily", "spread_key": "acme"}


def test_keys_are_read_from_the_payload_and_put_at_the_named_field():
    rule = {"keys": {"$ref": "payload.tenants"}, "window_ms": 1000, "field": "tenant"}
    (one, two) = spread.runs(rule, {"tenants": ["a", 7, "a"]}, DAY1)
    assert (one.key, two.key) == ("a", "7")
    assert two.payload == {"tenants": ["a", 7, "a"], "tenant": "7"}


MISSING = "is required: the spread's keys refer to it"
NO_LIST = "must be a list of 1 to 1000 keys: the spread's keys"
BAD_KEY = "must be text, a number or a boolean (one line, no NUL or unpaired surrogates)"


@pytest.mark.parametrize(
    ("rule", "payload", "field", "problem"),
    [
        ({"keys": {"$ref": "payload.tenants"}}, {}, "payload.tenants", MISSING),
        ({"keys": {"$ref": "payload.tenants"}}, {"tenants": "a"}, "payload.tenants", NO_LIST),
        ({"keys": []}, {}, "spread.keys", NO_LIST),
        ({"keys": [str(i) for i in range(1001)]}, {}, "spread.keys", NO_LIST),
        ({"keys": ["a", {"x": 1}]}, {}, "spread.keys[1]", BAD_KEY),
    ],
)
def test_keys_that_name_no_list_of_keys_are_refused_naming_where(rule, payload, field, problem):
    """The 400's field and message, word for word."""
    with pytest.raises(flow.KeyMissing) as exc:
        spread.runs({**rule, "window_ms": 1000}, payload, DAY1)
    assert (exc.value.field, exc.value.problem) == (field, problem)


def test_a_spread_takes_up_to_a_thousand_keys():
    keys = [str(i) for i in range(1000)]
    assert [r.key for r in spread.runs({"keys": keys, "window_ms": 1000}, {}, DAY1)] == keys
