"""``python -m bench.counted <jobsched args>``: the jobsched CLI with its PostgreSQL
statements counted, for the benchmark's round-trips-per-execution figure.

The shared PostgreSQL server does not preload ``pg_stat_statements`` (loading it needs a
restart), so the count is taken on the client: every ``execute``, ``executemany`` and
``copy`` a psycopg cursor sends is one statement (an ``executemany`` is counted once per
parameter set: psycopg sends each as its own statement, pipelined). At exit the process
writes ``{"statements": n}`` to ``$BENCH_STATEMENTS_DIR/<pid>.json``. Nothing of jobsched
changes: the counter wraps psycopg's cursor from outside, only in these processes.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from pathlib import Path
from typing import Any

import psycopg

COUNTS = {"statements": 0}


def _install() -> None:
    cursor = psycopg.Cursor
    execute, executemany, copy = cursor.execute, cursor.executemany, cursor.copy

    def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        COUNTS["statements"] += 1
        return execute(self, *args, **kwargs)

    def counted_executemany(self: Any, query: Any, params_seq: Any, **kwargs: Any) -> Any:
        params_seq = list(params_seq)
        COUNTS["statements"] += len(params_seq)
        return executemany(self, query, params_seq, **kwargs)

    def counted_copy(self: Any, *args: Any, **kwargs: Any) -> Any:
        COUNTS["statements"] += 1
        return copy(self, *args, **kwargs)

    cursor.execute = counted_execute  # type: ignore[method-assign]
    cursor.executemany = counted_executemany  # type: ignore[method-assign]
    cursor.copy = counted_copy  # type: ignore[method-assign]


def _write(directory: str) -> None:
    (Path(directory) / f"{os.getpid()}.json").write_text(json.dumps(COUNTS))


def read_counts(directory: Path) -> int:
    """Statements the counted processes that wrote into ``directory`` sent, together."""
    return sum(json.loads(p.read_text())["statements"] for p in directory.glob("*.json"))


def main() -> int:
    directory = os.environ.get("BENCH_STATEMENTS_DIR")
    if directory:
        _install()
        atexit.register(_write, directory)
    from jobsched.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
