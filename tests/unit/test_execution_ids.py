"""Execution ids that carry their run's scheduled_for (jobsched/domain/execution_ids.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from jobsched.domain.execution_ids import new_execution_id, scheduled_ms


def test_a_run_id_is_a_version_7_uuid_carrying_its_time_to_the_millisecond() -> None:
    when = datetime(2026, 12, 2, 1, 2, 3, 456_789, tzinfo=UTC)
    rid = new_execution_id(when)
    assert rid.version == 7
    assert rid.variant == uuid.RFC_4122
    assert scheduled_ms(str(rid)) == 1_796_173_323_456  # floored, never rounded up


def test_ids_of_one_instant_differ() -> None:
    when = datetime(2026, 12, 2, tzinfo=UTC)
    ids = {new_execution_id(when) for _ in range(1000)}
    assert len(ids) == 1000
    assert {scheduled_ms(str(i)) for i in ids} == {1_796_169_600_000}


def test_ids_that_carry_no_time_say_so() -> None:
    assert scheduled_ms(str(uuid.uuid4())) is None
    for junk in ("", "not-an-id", "0" * 36, "zzzzzzzz-zzzz-7zzz-zzzz-zzzzzzzzzzzz"):
        assert scheduled_ms(junk) is None


def test_an_odd_millisecond_is_kept() -> None:
    when = datetime(2026, 12, 2, 1, 2, 3, 457_000, tzinfo=UTC)
    assert scheduled_ms(str(new_execution_id(when))) == 1_796_173_323_457


def test_every_random_bit_of_an_id_is_random() -> None:
    # RFC 9562: 12 bits of rand_a (64-75) and 62 of rand_b (0-61); the rest fixed.
    when = datetime(2026, 12, 2, tzinfo=UTC)
    values = [new_execution_id(when).int for _ in range(1000)]
    for bit in [*range(62), *range(64, 76)]:
        seen = {v >> bit & 1 for v in values}
        assert seen == {0, 1}, f"bit {bit} never changes"
