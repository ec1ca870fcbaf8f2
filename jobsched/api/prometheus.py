"""``/metrics`` in the Prometheus text exposition format (version 0.0.4).

Rendered from the same figures as the JSON answer (``JobService.metrics``), so the
two never disagree. Every series is a gauge read at scrape time except the run
duration histogram, whose counters only grow (migration 0010).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TEXT_TYPES = ("text/plain",)
"""What an ``Accept`` header names to get this format (Prometheus sends text/plain)."""


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
    return "{" + inner + "}"


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(int(value))


class _Family:
    def __init__(self, name: str, kind: str, help_text: str) -> None:
        self.lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        self.name = name

    def add(self, value: float, suffix: str = "", **labels: str) -> _Family:
        self.lines.append(f"{self.name}{suffix}{_labels(labels)} {_number(value)}")
        return self


def _gauge(name: str, help_text: str) -> _Family:
    return _Family(name, "gauge", help_text)


def _histogram(metrics: Mapping[str, Any]) -> _Family:
    family = _Family(
        "jobsched_run_duration_seconds",
        "histogram",
        "How long runs took (started to finished), by final status.",
    )
    for status, hist in metrics["run_durations"].items():
        for bucket in hist["buckets"]:
            family.add(bucket["count"], "_bucket", status=status, le=bucket["le"])
        family.add(float(hist["sum_seconds"]), "_sum", status=status)
        family.add(hist["count"], "_count", status=status)
    return family


def render(metrics: Mapping[str, Any]) -> str:
    """The text format of a ``/metrics`` JSON answer."""
    families: Iterable[_Family] = [
        _by(metrics["jobs"]["by_status"], "jobsched_jobs", "Jobs by status.", "status"),
        _gauge(
            "jobsched_jobs_schedule_errors", "Jobs the tick cannot schedule (see schedule_error)."
        ).add(metrics["jobs"]["schedule_errors"]),
        _by(
            metrics["executions"]["by_status"],
            "jobsched_executions",
            "Runs (executions kept in history) by status.",
            "status",
        ),
        _by(
            metrics["workflow_runs"]["by_status"],
            "jobsched_workflow_runs",
            "Workflow runs by status.",
            "status",
        ),
        _queue(metrics["queue"]),
        _gauge("jobsched_in_flight", "Runs claimed by workers, all pools.").add(
            metrics["queue"]["in_flight"]
        ),
        _gauge("jobsched_dead_letter_entries", "Entries in the dead-letter queue.").add(
            metrics["dead_letter"]
        ),
        _gauge("jobsched_workers", "Registered workers (live and stale).").add(
            metrics["workers"]["total"]
        ),
        _gauge("jobsched_workers_stale", "Workers whose heartbeat is late.").add(
            metrics["workers"]["stale"]
        ),
        _gauge("jobsched_leader_present", "1 while a scheduler tick holds the leader lock.").add(
            1 if metrics["leader"]["id"] else 0
        ),
        _by(
            metrics["alerts"],
            "jobsched_sla_alerts_last_hour",
            "SLA breaches in the last hour, by kind (late_start, overran).",
            "kind",
        ),
        _histogram(metrics),
        _flow(metrics.get("flow", {})),
    ]
    return "\n".join(line for f in families for line in f.lines) + "\n"


def _by(counts: Mapping[str, int], name: str, help_text: str, label: str) -> _Family:
    family = _gauge(name, help_text)
    for key, n in counts.items():
        family.add(n, **{label: key})
    return family


def _flow(counts: Mapping[str, int]) -> _Family:
    family = _Family(
        "jobsched_flow_triggers_total",
        "counter",
        "Triggers answered by flow control without a new run (debounce_joined, "
        "singleton_skipped), runs a singleton cancelled, triggers a rate refused.",
    )
    for outcome, n in counts.items():
        family.add(n, outcome=outcome)
    return family


def _queue(queue: Mapping[str, Any]) -> _Family:
    family = _gauge(
        "jobsched_queue_depth",
        "Runs in each pool's Redis queue, by state (ready, in_flight, delayed).",
    )
    for pool, depth in queue["pools"].items():
        for state in ("ready", "in_flight", "delayed"):
            family.add(depth[state], pool=pool, state=state)
    return family
