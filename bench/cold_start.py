"""Lambda cold start: for each function in template.yaml, a fresh interpreter imports
its handler module and invokes it once with a realistic event (app/events/), as Lambda
does on a cold start. The figures are wall-clock ms on a shared machine.

    .venv/bin/python -m bench.cold_start [--runs 5]

- API (``app.app``): ``POST /api/v1/jobs`` then, in another cold interpreter, ``GET
  /api/v1/jobs/{id}`` (API Gateway proxy events), against a scratch database.
- Tick (``app.tick``): the EventBridge scheduled event, with a context whose remaining
  time allows exactly one pass (SCAN_INTERVAL_MS=100; the 100 ms wait after the pass is
  included).

The first invocation is what the function's first request pays after the import:
clients connect (PostgreSQL pool, Redis), first queries are planned.
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
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch, write_results  # noqa: E402
from jobsched.scheduler import MIN_STOP_MARGIN_MS  # noqa: E402

KEY = "bench-cold-key"
CHILD = """
import json, sys, time
t0 = time.perf_counter()
import app.app as module
t1 = time.perf_counter()

class Context:
    function_name = "job-scheduler-bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:job-scheduler"
    aws_request_id = "7d6c1bd2-0f5c-4b3e-9d7a-0123456789ab"
    log_group_name = "/aws/lambda/job-scheduler"
    log_stream_name = "bench"
    def __init__(self, budget_ms):
        self.deadline = time.monotonic() + budget_ms / 1000
    def get_remaining_time_in_millis(self):
        return max(int((self.deadline - time.monotonic()) * 1000), 0)

spec = json.loads(sys.stdin.read())
result = getattr(module, spec["handler"])(spec["event"], Context(spec["budget_ms"]))
t2 = time.perf_counter()
status = result.get("statusCode") if isinstance(result, dict) else None
body = result.get("body") if isinstance(result, dict) else None
print(json.dumps({"import_ms": (t1 - t0) * 1000, "invoke_ms": (t2 - t1) * 1000,
                  "status": status, "body": body}))
"""


def _event(name: str, **replacements: str) -> dict[str, Any]:
    text = (ROOT / "app" / "events" / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    return json.loads(text)


def _cold(env: dict[str, str], handler: str, event: dict, budget_ms: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps({"handler": handler, "event": event, "budget_ms": budget_ms}),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{handler} failed on a cold start:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _series(samples: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "runs": len(samples),
        "import_ms_median": round(statistics.median(s["import_ms"] for s in samples), 1),
        "first_invocation_ms_median": round(statistics.median(s["invoke_ms"] for s in samples), 1),
        "first_invocation_ms_min": round(min(s["invoke_ms"] for s in samples), 1),
    }


def measure(runs: int = 5) -> dict[str, Any]:
    with scratch("cold") as scr:
        env = {
            **os.environ,
            "DATABASE_URL": scr.database_url,
            "REDIS_URL": scr.redis_url,
            "REDIS_KEY_PREFIX": scr.prefix,
            "API_KEYS": KEY,
            "SCAN_INTERVAL_MS": "100",
            "PYTHONPATH": str(ROOT),
            "POWERTOOLS_METRICS_NAMESPACE": "JobScheduler",
        }
        post = _event("api_post_job.json", **{"REPLACED-BY-TEST": KEY})
        posts, gets, ticks = [], [], []
        job_id = None
        for i in range(runs + 1):  # the first run warms the file cache and writes bytecode
            body = json.loads(post["body"])
            body["name"] = f"cold-start-{i}"
            created = _cold(env, "app", {**post, "body": json.dumps(body)}, 29_000)
            if created["status"] != 201:
                raise RuntimeError(f"POST /jobs answered {created['status']}: {created['body']}")
            job_id = json.loads(created["body"])["id"]
            get = _event("api_get_job.json", **{"REPLACED-BY-TEST": KEY})
            get["pathParameters"]["job_id"] = job_id
            get["path"] = get["path"].replace(KEY, job_id)
            fetched = _cold(env, "app", get, 29_000)
            tick = _cold(env, "tick", _event("scheduled_tick.json"), MIN_STOP_MARGIN_MS + 1_500)
            if i:
                posts.append(created)
                gets.append(fetched)
                ticks.append(tick)
    return {
        "note": "fresh interpreter per sample; import of app.app, then one invocation",
        "api_post_job": _series(posts),
        "api_get_job": _series(gets),
        "tick": _series(ticks),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = measure(args.runs)
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('cold_start', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
