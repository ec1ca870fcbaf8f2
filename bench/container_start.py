"""The worker image: its size, its build time, and a container's cold start.

    .venv/bin/python -m bench.container_start [--runs 5]

- **Build** (``make image``'s ``build_image``): wall time of the whole step and of the
  Dockerfile's steps alone (``buildah bud``), with the debootstrap base and the wheelhouse
  already cached (a first build adds ~1 min for the base); the image's size as podman
  reports it (uncompressed layers).
- **Cold start**: a run is waiting in the queue; a worker container is started as the
  template's task runs it (``infra/worker/containers.py``: init, read-only root, memory
  limit, host network). Measured from just before ``podman run`` to the run's recorded
  start (``started_at``, written by the worker: the same host clock), and the part of it
  ``podman run --detach`` takes (creating and starting the container: with the overlay
  driver a mount; with vfs, a copy of the image's files, seconds to tens of seconds).
  Median and extremes of ``--runs`` samples, each a fresh container.

Writes bench/results/container_start.json; docs/performance.md quotes it.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402
from bench.scratch import scratch, write_results  # noqa: E402
from infra.aws.worker_task import worker_task  # noqa: E402
from infra.worker.base import ensure_base  # noqa: E402
from infra.worker.containers import WorkerContainer  # noqa: E402
from infra.worker.image import build_image  # noqa: E402
from infra.worker.podman import Engine  # noqa: E402
from jobsched.clock import SystemClock  # noqa: E402
from jobsched.domain.validation import validate_job_create  # noqa: E402
from jobsched.handler_settings import HandlerSettings  # noqa: E402
from jobsched.job_life import create_job  # noqa: E402
from jobsched.loader import builtin_registry  # noqa: E402
from jobsched.scheduler import Scheduler  # noqa: E402
from jobsched.trigger import trigger  # noqa: E402


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def cold_starts(engine: Engine, image: str, runs: int) -> dict[str, Any]:
    task = worker_task()
    clock = SystemClock()
    total_ms: list[float] = []
    create_ms: list[float] = []
    with scratch("containers") as s:
        machine = describe(s.database_url, s.client)
        scheduler = Scheduler(s.store, s.queue, s.settings, clock)
        body = {"name": "cold-start", "handler": "test.echo", "payload": {}}
        data = validate_job_create(body, builtin_registry(), HandlerSettings())
        job = create_job(s.store, data, clock.now())
        for n in range(runs):
            (execution,) = trigger(s.store, job.id, clock.now())
            scheduler.run_once()  # pushed: waiting in the queue before the container starts
            worker_id = f"cold-{n}"
            c = WorkerContainer(engine, task, f"bench-{secrets.token_hex(3)}-{n}", image)
            began = datetime.now(UTC)
            t0 = time.perf_counter()
            try:
                c.start(
                    {
                        "WORKER_ID": worker_id,
                        "WORKER_POOLS": "default",
                        "DATABASE_URL": s.database_url,
                        "REDIS_URL": s.redis_url,
                        "REDIS_KEY_PREFIX": s.prefix,
                        "RECORD_RUNNING_AFTER_MS": "0",
                    }
                )
                create_ms.append((time.perf_counter() - t0) * 1000)
                deadline = time.monotonic() + 120
                while True:
                    e = s.store.executions.get(execution.id)
                    if e.started_at is not None and e.worker_id == worker_id:
                        break
                    if time.monotonic() > deadline:
                        raise SystemExit(f"container {c.name} never started the run")
                    time.sleep(0.02)  # polling the store: the figure's resolution
                total_ms.append((e.started_at - began).total_seconds() * 1000)
            finally:
                c.remove()
    return {
        "runs": runs,
        "start_to_first_claimed_run_ms": _summary(total_ms),
        "podman_run_detach_ms": _summary(create_ms),
        "samples_ms": [round(v, 1) for v in total_ms],
        "machine": machine,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    ns = parser.parse_args(argv)
    engine = Engine.from_env()
    ensure_base(engine)  # the build figure is the one with the base cached
    built = build_image(engine)
    results = {
        "note": (
            f"podman 4.3 ({engine.storage_driver} storage, runc, cgroupfs) on Debian 12;"
            " image built by make image with the debootstrap base and wheelhouse cached"
        ),
        "storage_driver": engine.storage_driver,
        "image": {
            "name": built.image,
            "size_bytes": built.size_bytes,
            "size_mb": round(built.size_bytes / 1e6),
            "build_s": built.build_s,
            "dockerfile_steps_s": built.image_build_s,
        },
        "cold_start": cold_starts(engine, built.image, ns.runs),
    }
    path = write_results("container_start", results)
    cold = results["cold_start"]["start_to_first_claimed_run_ms"]
    print(
        f"image {results['image']['size_mb']} MB, built in {built.build_s} s;"
        f" cold start to first claimed run: median {cold['median']} ms"
        f" ({cold['min']}-{cold['max']}); {path}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
