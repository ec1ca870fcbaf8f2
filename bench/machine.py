"""What the figures were measured on: cores, CPU, memory, server and Python versions,
and what else was busy at the time (load average, other processes' CPU)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import psycopg
from redis import Redis


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _busiest_others(top: int = 5) -> list[str]:
    """The processes (not this one) using the most CPU right now, as ``ps`` shows them."""
    try:
        out = subprocess.run(
            ["ps", "-eo", "pid,pcpu,comm,args", "--sort=-pcpu"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[1:]
    except (OSError, subprocess.CalledProcessError):
        return []
    mine = str(os.getpid())
    rows = [line.split(None, 3) for line in out]
    return [
        f"{r[1]}% {r[3][:80]}" for r in rows if len(r) == 4 and r[0] != mine and float(r[1]) >= 5
    ][:top]


def describe(database_url: str, redis: Redis) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        shared_buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": f"{pg} (shared_buffers {shared_buffers})",
        "redis": redis.info("server")["redis_version"],
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "busiest_other_processes_at_start": _busiest_others(),
    }
