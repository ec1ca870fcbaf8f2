"""Cold import of the API Lambda: what every cold start pays before the first request.

    .venv/bin/python -m bench.cold_import [--runs 15] [--compare]

Each run is a fresh interpreter doing ``import app.app`` (the API Lambda's handler
module), as Lambda does on a cold start; the first run only warms the file cache and
writes bytecode. Prints the median and the spread, and writes
bench/results/cold_import.json. The budget is 300 ms for the import itself, judged
on the fastest run and on the median CPU time, so that other work on a shared
machine does not count against it; the median wall-clock time is printed too.

``--compare`` also times the two model libraries considered for the API's contract
(docs/decisions.md), each importing and building the same job-creation model and
validating one body, in fresh interpreters too. A library that is not installed is
reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 300.0
RESULTS = ROOT / "bench" / "results" / "cold_import.json"

TIMED = """
import time
t0, c0 = time.perf_counter(), time.process_time()
{code}
print((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000)
"""

CANDIDATES = {
    "msgspec": """
from typing import Annotated, Any, Literal
import msgspec
from msgspec import Meta, Struct
class JobCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    handler: Annotated[str, Meta(max_length=200)]
    description: Annotated[str, Meta(max_length=2000)] | None = ""
    payload: dict[str, Any] = {}
    schedule: Annotated[str, Meta(max_length=200)] | None = None
    timezone: Annotated[str, Meta(max_length=64)] = "UTC"
    priority: Annotated[int, Meta(ge=0, le=100)] = 50
    max_retries: Annotated[int, Meta(ge=0, le=100)] = 3
    timeout_ms: Annotated[int, Meta(ge=1, le=86400000)] = 60000
    retry_backoff_ms: Annotated[int, Meta(ge=0, le=86400000)] = 1000
    retry_backoff_max_ms: Annotated[int, Meta(ge=0, le=86400000)] = 60000
    overlap_policy: Literal["allow", "skip"] = "allow"
msgspec.convert({"name": "a", "handler": "test.echo"}, JobCreate, strict=True)
""",
    "pydantic": """
from typing import Annotated, Any, Literal
from pydantic import BaseModel, ConfigDict, Field
class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: Annotated[str, Field(min_length=1, max_length=200)]
    handler: Annotated[str, Field(max_length=200)]
    description: Annotated[str | None, Field(max_length=2000)] = ""
    payload: dict[str, Any] = {}
    schedule: Annotated[str | None, Field(max_length=200)] = None
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    priority: Annotated[int, Field(ge=0, le=100)] = 50
    max_retries: Annotated[int, Field(ge=0, le=100)] = 3
    timeout_ms: Annotated[int, Field(ge=1, le=86400000)] = 60000
    retry_backoff_ms: Annotated[int, Field(ge=0, le=86400000)] = 1000
    retry_backoff_max_ms: Annotated[int, Field(ge=0, le=86400000)] = 60000
    overlap_policy: Literal["allow", "skip"] = "allow"
JobCreate.model_validate({"name": "a", "handler": "test.echo"})
""",
}


def _fresh(code: str) -> tuple[float, float] | None:
    """Wall-clock and CPU milliseconds ``code`` takes in a new interpreter (None: it
    failed). CPU time is what the import costs on an otherwise idle machine; wall
    time on a shared one also counts the time other processes held the cores."""
    done = subprocess.run(
        [sys.executable, "-c", TIMED.format(code=code)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _series(code: str, runs: int) -> dict[str, Any]:
    if _fresh(code) is None:  # warm-up: file cache and bytecode
        return {"available": False}
    samples = [t for t in (_fresh(code) for _ in range(runs)) if t is not None]
    wall = sorted(w for w, _ in samples)
    cpu = sorted(c for _, c in samples)
    return {
        "runs": len(samples),
        "median_ms": round(statistics.median(wall), 1),
        "min_ms": round(wall[0], 1),
        "max_ms": round(wall[-1], 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
    }


def measure(runs: int = 15, compare: bool = False) -> dict[str, Any]:
    api = _series("import app.app", runs)
    # Judged on the fastest wall-clock run and on the CPU time: on a machine shared
    # with other work the median also measures the neighbours.
    within = max(api["min_ms"], api["cpu_median_ms"]) < BUDGET_MS
    result: dict[str, Any] = {
        "api_lambda": {**api, "budget_ms": BUDGET_MS, "within_budget": within},
    }
    if compare:
        result["model_libraries"] = {name: _series(code, runs) for name, code in CANDIDATES.items()}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--compare", action="store_true", help="also time msgspec and pydantic")
    args = parser.parse_args()
    result = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    result.update(measure(args.runs, args.compare))
    print(json.dumps(result, indent=2))
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0 if result["api_lambda"]["within_budget"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
