"""The local API (`make up`'s port, LocalStack behind it): latency with and without
keep-alive, requests/s, LocalStack's memory under sustained polling, READY and idle memory.

    .venv/bin/python -m bench.local_api [--requests 100000] [--probe 300] [--seconds 8]

Starts the local stack as ``make up`` does (tests/e2e/stack.py, one worker) and measures,
all with ``GET /jobs/{id}`` (the dashboard's kind of request):

- ``ready_s``: from starting ``jobsched up`` to its READY line; ``idle``: RSS of every
  process of the stack (LocalStack, its warm Lambda environments, the worker, the
  pass-through) and of LocalStack alone, after ``IDLE_S`` seconds without requests.
- ``latency``: ``--probe`` sequential requests on one kept-alive connection and as many
  each on a fresh connection (alternating: the machine may be shared), through the
  pass-through and straight to LocalStack's stage.
- ``throughput``: 1 and 32 clients (threads, each its own kept-alive connection) for
  ``--seconds`` each: requests/s, p50/p99.
- ``memory``: LocalStack's RSS after 1,000 requests and at checkpoints up to
  ``--requests`` (8 clients), and the CloudWatch Logs events its log groups then hold.

Writes bench/results/local_api.json (with what was run) and prints the figures. The
function to call from a runner is ``run(requests=..., probe=..., seconds=...)``;
``make bench`` calls ``measure`` and renders ``section``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import write_results  # noqa: E402
from tests.e2e.stack import Stack, default_local_stack  # noqa: E402

IDLE_S = 20.0
MEMORY_CLIENTS = 8
FIRST_CHECKPOINT = 1_000


def _percentile(ordered: list[float], p: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)


def _summary(latencies: list[float], elapsed: float, failures: int) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "requests_per_s": round(len(ordered) / elapsed, 1) if elapsed else None,
        "p50_ms": _percentile(ordered, 0.50),
        "p99_ms": _percentile(ordered, 0.99),
        "failures": failures,
    }


class Target:
    """``GET <base>/jobs/<id>`` with the stack's key, on a kept-alive or fresh connection."""

    def __init__(self, base_url: str, api_key: str, job_id: str) -> None:
        self.url = urlsplit(base_url)
        self.path = f"{self.url.path}/jobs/{job_id}"
        self.headers = {"Authorization": f"Bearer {api_key}"}

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)

    def get(self, conn: http.client.HTTPConnection) -> bool:
        try:
            conn.request("GET", self.path, headers=self.headers)
            reply = conn.getresponse()
            reply.read()
            return reply.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()  # http.client reconnects on the next request
            return False


def keep_alive_against_fresh(target: Target, count: int) -> dict[str, dict[str, Any]]:
    """``count`` requests on one kept-alive connection and ``count`` each on a fresh one,
    alternating, so both meet the same load on a shared machine."""
    kept, fresh = target.connect(), None
    target.get(kept)  # the first request opens the connection: not what is measured
    times: dict[str, list[float]] = {"keep-alive": [], "fresh": []}
    failures = {"keep-alive": 0, "fresh": 0}
    started = time.perf_counter()
    for _ in range(count):
        for mode in times:
            if mode == "fresh":
                fresh = target.connect()
            t0 = time.perf_counter()
            ok = target.get(kept if mode == "keep-alive" else fresh)
            times[mode].append(time.perf_counter() - t0)
            failures[mode] += not ok
            if fresh is not None:
                fresh.close()
                fresh = None
    kept.close()
    elapsed = time.perf_counter() - started
    return {mode: _summary(times[mode], elapsed / 2, failures[mode]) for mode in times}


def concurrent(
    target: Target, clients: int, *, seconds: float | None = None, total: int | None = None
) -> dict[str, Any]:
    """``clients`` threads, each on its own kept-alive connection, for ``seconds`` or
    until ``total`` requests were sent between them."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    remaining = [total if total is not None else -1]
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def take() -> bool:
        with lock:
            if remaining[0] == 0:
                return False
            remaining[0] -= 1
            return True

    def client() -> None:
        conn, mine, bad = target.connect(), [], 0
        barrier.wait()
        while (seconds is None or time.monotonic() < deadline[0]) and take():
            t0 = time.perf_counter()
            bad += not target.get(conn)
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + (seconds or 0)
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    return {"clients": clients, **_summary(latencies, time.perf_counter() - started, failures[0])}


def stack_processes(stack: Stack) -> dict[int, str]:
    """pid -> command line of ``jobsched up`` and every process under it (LocalStack, its
    Lambda environments, the workers; servers it found running are not its own)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended while we looked
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {stack.process.pid}, [stack.process.pid]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found.update(children)
        frontier.extend(children)
    commands = {}
    for pid in found:
        try:
            commands[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
    return {pid: command.decode() for pid, command in commands.items()}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def localstack_pid(stack: Stack) -> int:
    return next(p for p, cmd in stack_processes(stack).items() if "localstack.runtime" in cmd)


def idle_memory(stack: Stack) -> dict[str, Any]:
    processes = stack_processes(stack)
    return {
        "after_idle_s": IDLE_S,
        "stack_rss_mb": round(sum(rss_mb(p) for p in processes), 1),
        "processes": len(processes),
        "localstack_rss_mb": rss_mb(localstack_pid(stack)),
    }


def log_events(stack: Stack) -> dict[str, int]:
    """Events each log group holds (LocalStack's CloudWatch Logs)."""
    import boto3

    logs = boto3.client(
        "logs",
        endpoint_url=stack.localstack_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    counts = {}
    for group in logs.describe_log_groups()["logGroups"]:
        name, total = group["logGroupName"], 0
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=name):
            total += len(page["events"])
        counts[name] = total
    return counts


def memory_under_polling(
    stack: Stack, target: Target, requests: int, done: int, first: dict[str, Any]
) -> dict[str, Any]:
    """LocalStack's RSS at each tenth of the way to ``requests`` (``first``: at 1k)."""
    pid = localstack_pid(stack)
    points = [first]
    for checkpoint in range(requests // 10, requests + 1, requests // 10):
        if checkpoint <= done:
            continue
        run = concurrent(target, MEMORY_CLIENTS, total=checkpoint - done)
        done = checkpoint
        points.append({"requests": done, "rss_mb": rss_mb(pid), "failures": run["failures"]})
        print(f"  after {done:>7,} requests: LocalStack RSS {points[-1]['rss_mb']} MB", flush=True)
    return {
        "clients": MEMORY_CLIENTS,
        "points": points,
        "growth_after_1k_pct": round(
            (points[-1]["rss_mb"] - first["rss_mb"]) / first["rss_mb"] * 100, 1
        ),
        "log_events_per_group": log_events(stack),
    }


def run(requests: int = 100_000, probe: int = 300, seconds: float = 8.0) -> dict[str, Any]:
    results: dict[str, Any] = {
        "ran": {"requests": requests, "probe": probe, "seconds": seconds},
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with default_local_stack("benchlocal", LOCAL_WORKERS="1") as stack:
        results["ready_s"] = round(stack.ready_s, 2)
        time.sleep(IDLE_S)  # what an idle stack holds: nothing to await, only time
        results["idle"] = idle_memory(stack)
        job = stack.client().create_job(name="local-api-bench", handler="test.echo")
        api = Target(stack.api_url, stack.api_key, job["id"])
        stage = Target(stack.stage_api_url, stack.api_key, job["id"])
        warm = 32 * 10
        concurrent(api, 32, total=warm)  # one warm Lambda environment per client
        run_1k = concurrent(api, MEMORY_CLIENTS, total=FIRST_CHECKPOINT - warm)
        first = {
            "requests": FIRST_CHECKPOINT,
            "rss_mb": rss_mb(localstack_pid(stack)),
            "failures": run_1k["failures"],
        }
        print(f"  after {FIRST_CHECKPOINT:>7,} requests: LocalStack RSS {first['rss_mb']} MB")
        results["latency"] = {
            f"{name} {mode}": point
            for name, target in (("api", api), ("stage", stage))
            for mode, point in keep_alive_against_fresh(target, probe).items()
        }
        results["throughput"] = [concurrent(api, c, seconds=seconds) for c in (1, 32)]
        done = FIRST_CHECKPOINT + 4 * (probe + 1)
        done += sum(point["requests"] for point in results["throughput"])
        results["memory"] = memory_under_polling(stack, api, requests, done, first)
    return results


def report(results: dict[str, Any]) -> str:
    lines = [
        f"READY {results['ready_s']} s; idle: stack {results['idle']['stack_rss_mb']} MB "
        f"({results['idle']['processes']} processes), "
        f"LocalStack {results['idle']['localstack_rss_mb']} MB",
    ]
    for name, point in results["latency"].items():
        lines.append(f"{name:<20} p50 {point['p50_ms']} ms  p99 {point['p99_ms']} ms")
    for point in results["throughput"]:
        lines.append(
            f"{point['clients']:>2} clients: {point['requests_per_s']} requests/s, "
            f"p50 {point['p50_ms']} ms, p99 {point['p99_ms']} ms, {point['failures']} failed"
        )
    memory = results["memory"]
    first, last = memory["points"][0], memory["points"][-1]
    lines.append(
        f"LocalStack RSS {first['rss_mb']} MB after {first['requests']:,} requests, "
        f"{last['rss_mb']} MB after {last['requests']:,} "
        f"({memory['growth_after_1k_pct']:+}% from 1k); log events kept: "
        f"{memory['log_events_per_group']}"
    )
    return "\n".join(lines)


def measure(quick: bool = False, repeat: int = 1) -> dict[str, Any]:
    """``make bench``'s call (bench/run.py): one soak of ``LOCAL_API_REQUESTS`` requests
    (100,000 unless set; ~15 minutes here), or a toy run with ``quick``. ``repeat`` is
    not used: the soak's checkpoints are its repeated measure."""
    if quick:
        return run(requests=10 * FIRST_CHECKPOINT, probe=20, seconds=1.0)
    return run(requests=int(os.environ.get("LOCAL_API_REQUESTS", "100000")))


def section(results: dict[str, Any]) -> list[str]:
    """docs/performance.md's block for these results (bench/report.py renders it)."""
    idle, memory = results["idle"], results["memory"]
    first, last = memory["points"][0], memory["points"][-1]
    lines = [
        "### The local API through `make up`'s port",
        "",
        f"Measured {results['started_at']} (load average at the start "
        f"{', '.join(map(str, results['load_average_at_start']))}): READY in "
        f"{results['ready_s']} s; idle, the whole stack holds {idle['stack_rss_mb']} MB "
        f"({idle['processes']} processes), LocalStack alone {idle['localstack_rss_mb']} MB.",
        "",
        "| Path, connection | p50 (ms) | p99 (ms) |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {point['p50_ms']} | {point['p99_ms']} |"
        for name, point in results["latency"].items()
    ]
    lines += [
        "",
        "| Clients | requests/s | p50 (ms) | p99 (ms) | failed |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {p['clients']} | {p['requests_per_s']} | {p['p50_ms']} | {p['p99_ms']} "
        f"| {p['failures']} |"
        for p in results["throughput"]
    ]
    lines += [
        "",
        f"LocalStack's RSS: {first['rss_mb']} MB after {first['requests']:,} requests, "
        f"{last['rss_mb']} MB after {last['requests']:,} "
        f"({memory['growth_after_1k_pct']:+}% from the first).",
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="total for the soak")
    parser.add_argument("--probe", type=int, default=300, help="sequential requests per mode")
    parser.add_argument("--seconds", type=float, default=8.0, help="per throughput point")
    args = parser.parse_args()
    if args.requests < 10 * FIRST_CHECKPOINT:
        parser.error(f"--requests must be at least {10 * FIRST_CHECKPOINT}")
    results = run(args.requests, args.probe, args.seconds)
    print(report(results))
    print(f"written to {write_results('local_api', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
