"""bench/cpu_spent.py puts CPU time on the process that spent it: work done by the
PostgreSQL server shows as PostgreSQL's, work done here as the client's (the floor
bench's breakdown of where a trigger's time goes rests on it)."""

from __future__ import annotations

import psycopg
import redis

from bench.cpu_spent import cpu_per_call

CALLS = 5


def test_server_side_work_is_counted_as_postgres_cpu_not_the_clients(
    database_url: str, redis_url: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        client = redis.Redis.from_url(redis_url)
        with cpu_per_call(database_url, client, CALLS) as spent:
            for _ in range(CALLS):
                conn.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone()
        figures = spent()
    assert figures["postgres_us"] is not None
    assert figures["postgres_us"] > 10 * figures["client_us"]


def test_client_side_work_is_counted_as_the_clients(database_url: str, redis_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        client = redis.Redis.from_url(redis_url)
        with cpu_per_call(database_url, client, CALLS) as spent:
            for _ in range(CALLS):
                sum(range(3_000_000))
                conn.execute("SELECT 1").fetchone()
        figures = spent()
    assert figures["client_us"] > 10 * (figures["postgres_us"] or 0)
    assert figures["client_us"] > 10 * figures["redis_us"]
