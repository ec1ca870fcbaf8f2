from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.alert_counts import AlertCounts
    from ..models.durations import Durations
    from ..models.execution_counts import ExecutionCounts
    from ..models.failure_rate import FailureRate
    from ..models.flow_counts import FlowCounts
    from ..models.job_counts import JobCounts
    from ..models.leader import Leader
    from ..models.metrics_run_durations import MetricsRunDurations
    from ..models.queue_depth import QueueDepth
    from ..models.shard_holding import ShardHolding
    from ..models.throughput import Throughput
    from ..models.worker_counts import WorkerCounts
    from ..models.workflow_run_counts import WorkflowRunCounts


T = TypeVar("T", bound="Metrics")


@_attrs_define
class Metrics:
    """
    Attributes:
        alerts (AlertCounts):
        dead_letter (int):
        duration_ms (Durations):
        executions (ExecutionCounts):
        failure_rate (FailureRate):
        flow (FlowCounts): Triggers flow control answered without a new run, or refused (since Redis's data
                began: counters kept there).
        generated_at (datetime.datetime):
        jobs (JobCounts):
        leader (Leader):
        queue (QueueDepth): Summed over the pools, and each pool's own.
        run_durations (MetricsRunDurations): per final status (SUCCEEDED, FAILED): how long finished runs took
        shards (list[ShardHolding]): who holds each tick shard (SCHEDULER_SHARDS > 1; else empty)
        throughput (Throughput):
        workers (WorkerCounts):
        workflow_runs (WorkflowRunCounts):
    """

    alerts: AlertCounts
    dead_letter: int
    duration_ms: Durations
    executions: ExecutionCounts
    failure_rate: FailureRate
    flow: FlowCounts
    generated_at: datetime.datetime
    jobs: JobCounts
    leader: Leader
    queue: QueueDepth
    run_durations: MetricsRunDurations
    shards: list[ShardHolding]
    throughput: Throughput
    workers: WorkerCounts
    workflow_runs: WorkflowRunCounts

    def to_dict(self) -> dict[str, Any]:
        alerts = self.alerts.to_dict()

        dead_letter = self.dead_letter

        duration_ms = self.duration_ms.to_dict()

        executions = self.executions.to_dict()

        failure_rate = self.failure_rate.to_dict()

        flow = self.flow.to_dict()

        generated_at = self.generated_at.isoformat()

        jobs = self.jobs.to_dict()

        leader = self.leader.to_dict()

        queue = self.queue.to_dict()

        run_durations = self.run_durations.to_dict()

        shards = []
        for shards_item_data in self.shards:
            shards_item = shards_item_data.to_dict()
            shards.append(shards_item)

        throughput = self.throughput.to_dict()

        workers = self.workers.to_dict()

        workflow_runs = self.workflow_runs.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "alerts": alerts,
                "dead_letter": dead_letter,
                "duration_ms": duration_ms,
                "executions": executions,
                "failure_rate": failure_rate,
                "flow": flow,
                "generated_at": generated_at,
                "jobs": jobs,
                "leader": leader,
                "queue": queue,
                "run_durations": run_durations,
                "shards": shards,
                "throughput": throughput,
                "workers": workers,
                "workflow_runs": workflow_runs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.alert_counts import AlertCounts  # noqa: PLC0415
        from ..models.durations import Durations  # noqa: PLC0415
        from ..models.execution_counts import ExecutionCounts  # noqa: PLC0415
        from ..models.failure_rate import FailureRate  # noqa: PLC0415
        from ..models.flow_counts import FlowCounts  # noqa: PLC0415
        from ..models.job_counts import JobCounts  # noqa: PLC0415
        from ..models.leader import Leader  # noqa: PLC0415
        from ..models.metrics_run_durations import MetricsRunDurations  # noqa: PLC0415
        from ..models.queue_depth import QueueDepth  # noqa: PLC0415
        from ..models.shard_holding import ShardHolding  # noqa: PLC0415
        from ..models.throughput import Throughput  # noqa: PLC0415
        from ..models.worker_counts import WorkerCounts  # noqa: PLC0415
        from ..models.workflow_run_counts import WorkflowRunCounts  # noqa: PLC0415

        d = dict(src_dict)
        alerts = AlertCounts.from_dict(d.pop("alerts"))

        dead_letter = d.pop("dead_letter")

        duration_ms = Durations.from_dict(d.pop("duration_ms"))

        executions = ExecutionCounts.from_dict(d.pop("executions"))

        failure_rate = FailureRate.from_dict(d.pop("failure_rate"))

        flow = FlowCounts.from_dict(d.pop("flow"))

        generated_at = datetime.datetime.fromisoformat(d.pop("generated_at"))

        jobs = JobCounts.from_dict(d.pop("jobs"))

        leader = Leader.from_dict(d.pop("leader"))

        queue = QueueDepth.from_dict(d.pop("queue"))

        run_durations = MetricsRunDurations.from_dict(d.pop("run_durations"))

        shards = []
        _shards = d.pop("shards")
        for shards_item_data in _shards:
            shards_item = ShardHolding.from_dict(shards_item_data)

            shards.append(shards_item)

        throughput = Throughput.from_dict(d.pop("throughput"))

        workers = WorkerCounts.from_dict(d.pop("workers"))

        workflow_runs = WorkflowRunCounts.from_dict(d.pop("workflow_runs"))

        metrics = cls(
            alerts=alerts,
            dead_letter=dead_letter,
            duration_ms=duration_ms,
            executions=executions,
            failure_rate=failure_rate,
            flow=flow,
            generated_at=generated_at,
            jobs=jobs,
            leader=leader,
            queue=queue,
            run_durations=run_durations,
            shards=shards,
            throughput=throughput,
            workers=workers,
            workflow_runs=workflow_runs,
        )

        return metrics
