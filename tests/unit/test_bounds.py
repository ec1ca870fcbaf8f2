"""start_at, end_at and max_runs as a filter over a schedule's times."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobsched.domain import bounds
from jobsched.errors import ValidationError

DAYS = [datetime(2026, 1, d, 9, tzinfo=UTC) for d in range(1, 11)]


@pytest.mark.parametrize(
    ("body", "runs_so_far", "expected_days"),
    [
        ({}, 0, list(range(1, 11))),
        ({"start_at": "2026-01-03T09:00:00Z"}, 0, list(range(3, 11))),  # inclusive
        ({"end_at": "2026-01-03T09:00:00Z"}, 0, [1, 2]),  # exclusive
        ({"max_runs": 3}, 0, [1, 2, 3]),
        ({"max_runs": 3}, 2, [1]),
        ({"max_runs": 3}, 3, []),
        # start_at counts from its own time; max_runs counts runs made, not times seen.
        ({"start_at": "2026-01-05T10:00:00+01:00", "max_runs": 2}, 0, [5, 6]),
        ({"start_at": "2026-01-02T00:00:00Z", "end_at": "2026-01-04T12:00:00Z"}, 0, [2, 3, 4]),
    ],
)
def test_bounded(body: dict[str, Any], runs_so_far: int, expected_days: list[int]) -> None:
    rule = bounds.bounds_from_dict(body)
    got = list(bounds.bounded(iter(DAYS), rule, runs_so_far))
    assert [t.day for t in got] == expected_days


def test_bounded_ends_an_endless_schedule() -> None:
    def hourly():  # type: ignore[no-untyped-def]
        return (DAYS[0] + timedelta(hours=n) for n in itertools.count())

    assert len(list(bounds.bounded(hourly(), bounds.Bounds(max_runs=5)))) == 5
    assert len(list(bounds.bounded(hourly(), bounds.Bounds(end_at=DAYS[1])))) == 24


def test_out_of_bounds_says_why() -> None:
    rule = bounds.bounds_from_dict(
        {"start_at": "2026-01-02T00:00:00Z", "end_at": "2026-01-05T00:00:00Z", "max_runs": 2}
    )
    assert "start_at 2026-01-02" in bounds.out_of_bounds(DAYS[0], rule)
    assert "end_at 2026-01-05" in bounds.out_of_bounds(DAYS[5], rule)
    assert "max_runs (2)" in bounds.out_of_bounds(DAYS[2], rule, runs_so_far=2)
    assert bounds.out_of_bounds(DAYS[2], rule, runs_so_far=1) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_at": "2026-01-01"}, "start_at"),  # no time, no offset
        ({"start_at": "2026-01-01T00:00:00"}, "start_at"),
        ({"end_at": 5}, "end_at"),
        ({"start_at": "2026-01-02T00:00:00Z", "end_at": "2026-01-01T00:00:00Z"}, "end_at"),
        ({"max_runs": 0}, "max_runs"),
        ({"max_runs": True}, "max_runs"),
        ({"max_runs": "3"}, "max_runs"),
    ],
)
def test_bad_bounds_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        bounds.bounds_from_dict(body)
    assert set(refused.value.fields) == {field}
