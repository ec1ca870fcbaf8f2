"""API requests/s and latency through the local gateway, with concurrent clients.

    .venv/bin/python -m bench.api_load [--clients 1,8,32] [--seconds 8]

Starts the local stack as ``make up`` does (tests/e2e/stack.py: LocalStack with
template.yaml deployed, the pass-through at ``127.0.0.1:PORT``, one worker) on a
scratch database and key prefix, and drives three operations, each for ``--seconds``
per client count, every client a thread with its own keep-alive connection:
``GET /jobs/{id}``, ``GET /executions`` (a page of 20 of 100 stored runs) and
``POST /jobs``. Before measuring, as many requests as the largest client count are sent
at once so every Lambda environment is warm: cold starts are bench/cold_start.py's.
Reported per operation and client count: requests/s, p50/p99 ms, and non-2xx answers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import write_results  # noqa: E402
from tests.e2e.stack import Stack, default_local_stack  # noqa: E402


class Caller:
    """One client: a keep-alive connection to the API."""

    def __init__(self, stack: Stack) -> None:
        self.url = urlsplit(stack.api_url)
        self.headers = {
            "Authorization": f"Bearer {stack.api_key}",
            "Content-Type": "application/json",
        }
        self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        try:
            self.conn.request(method, self.url.path + path, data, self.headers)
            reply = self.conn.getresponse()
            return reply.status, reply.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # reconnects on the next request
            return 0, b""


def _operations(job_id: str) -> dict[str, Any]:
    return {
        "GET /jobs/{id}": lambda c, i: c.call("GET", f"/jobs/{job_id}"),
        "GET /executions": lambda c, i: c.call("GET", "/executions?limit=20"),
        "POST /jobs": lambda c, i: c.call(
            "POST", "/jobs", {"name": f"load-{uuid.uuid4().hex}", "handler": "test.echo"}
        ),
    }


def _drive(stack: Stack, operation: Any, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client() -> None:
        caller, mine, bad, i = Caller(stack), [], Counter(), 0
        start.wait()
        while time.monotonic() < deadline[0]:
            t0 = time.perf_counter()
            status, _ = operation(caller, i)
            mine.append(time.perf_counter() - t0)
            if not 200 <= status < 300:
                bad[status] += 1  # 0: the connection failed
            i += 1
        with lock:
            latencies.extend(mine)
            errors.update(bad)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic() + seconds
    began = time.monotonic()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        return (
            round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)
            if ordered
            else None
        )

    return {
        "clients": clients,
        "requests": len(ordered),
        "requests_per_s": round(len(ordered) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "non_2xx": sum(errors.values()),
        "non_2xx_by_status": {str(k): v for k, v in sorted(errors.items())},
    }


def measure(clients: list[int], seconds: float) -> dict[str, Any]:
    results: dict[str, Any] = {"seconds_per_point": seconds, "operations": {}}
    with default_local_stack("benchapi", LOCAL_WORKERS="1") as stack:
        api = stack.client()
        job = api.create_job(name="load-target", handler="test.echo")
        api.trigger_many(job["id"], [{} for _ in range(100)])  # rows for GET /executions
        warm = _drive(stack, _operations(job["id"])["GET /jobs/{id}"], max(clients), 3.0)
        results["warm_up"] = warm
        for name, operation in _operations(job["id"]).items():
            results["operations"][name] = [_drive(stack, operation, c, seconds) for c in clients]
            print(name, json.dumps(results["operations"][name]), flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    results = measure([int(c) for c in args.clients.split(",")], args.seconds)
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('api_load', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
