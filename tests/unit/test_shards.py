"""Shard arithmetic (jobsched/domain/shards.py): stable, covering, fair."""

from __future__ import annotations

import uuid

import pytest

from jobsched.domain.shards import BUCKETS, bucket_of, buckets_of, fair_share, preference, shard_of


def test_a_jobs_bucket_is_its_ids_last_byte_whatever_the_spelling() -> None:
    job_id = uuid.UUID("12345678-1234-4234-8234-1234567890ab")
    assert bucket_of(job_id) == 0xAB
    assert bucket_of(str(job_id)) == bucket_of(str(job_id).upper()) == 0xAB


@pytest.mark.parametrize("shards", [1, 2, 3, 4, 7, 16, BUCKETS])
def test_the_shards_buckets_cover_every_bucket_exactly_once(shards: int) -> None:
    owned = [b for shard in range(shards) for b in buckets_of([shard], shards)]
    assert sorted(owned) == list(range(BUCKETS))


@pytest.mark.parametrize("shards", [2, 3, 4])
def test_every_job_falls_in_the_shard_whose_buckets_hold_it(shards: int) -> None:
    for _ in range(200):
        job_id = uuid.uuid4()
        shard = shard_of(job_id, shards)
        assert bucket_of(job_id) in buckets_of([shard], shards)
        assert shard_of(job_id, shards) == shard  # stable


def test_random_ids_spread_over_the_shards() -> None:
    counts = [0] * 4
    for _ in range(4000):
        counts[shard_of(uuid.uuid4(), 4)] += 1
    assert min(counts) > 800  # 1000 expected each


@pytest.mark.parametrize(
    ("shards", "instances", "share"),
    [(1, 1, 1), (4, 1, 4), (4, 2, 2), (4, 3, 2), (4, 4, 1), (4, 6, 1), (16, 3, 6), (8, 0, 8)],
)
def test_fair_shares_together_cover_every_shard(shards: int, instances: int, share: int) -> None:
    assert fair_share(shards, instances) == share
    assert share * max(instances, 1) >= shards


def test_instances_start_their_search_at_different_shards() -> None:
    firsts = [preference(rank, 2, 8)[0] for rank in range(4)]
    assert firsts == [0, 2, 4, 6]
    assert sorted(preference(3, 2, 8)) == list(range(8))


def test_an_instance_tries_the_shards_upwards_from_its_start() -> None:
    assert preference(1, 2, 4) == [2, 3, 0, 1]
    assert preference(0, 3, 5) == [0, 1, 2, 3, 4]
