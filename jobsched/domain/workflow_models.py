"""A workflow and a workflow run as the store reads them and the API sends them
(issue 23; contract: the design brief, section 5). Fields as ``jobsched.domain.models``
declares its nouns: every field always sent (null when empty)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta

from jobsched.domain.contract import UuidText
from jobsched.domain.models import At, Shown

StepStatusName = Literal["WAITING", "RUNNING", "SUCCEEDED", "FAILED", "SKIPPED", "CANCELLED"]
RunStatusName = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]


class Workflow(Shown):
    id: UuidText
    name: str
    description: str
    version: Annotated[int, Meta(description="raised by every edit; a run keeps its own")]
    status: Literal["SCHEDULED", "PAUSED"]
    steps: list[dict[str, Any]]
    schedule: str | None
    timezone: str
    overlap_policy: str
    dst_gap: str
    dst_overlap: str
    catch_up: str
    catch_up_window_s: int
    catch_up_max: int
    start_jitter_ms: int
    max_start_delay_ms: int | None
    max_duration_ms: int | None
    next_run_time: At | None
    created_at: At
    updated_at: At


class WorkflowRunStep(Shown):
    id: str
    status: StepStatusName
    execution_ids: Annotated[list[UuidText], Meta(description="in item order (one per item)")]
    reason: Annotated[str, Meta(description="why it was skipped, failed or cancelled")] | None
    items: Annotated[int, Meta(description="a for_each step's item count")] | None
    started_at: At | None
    finished_at: At | None


class WorkflowRun(Shown):
    id: UuidText
    workflow_id: UuidText
    version: int
    status: RunStatusName
    input: Any
    scheduled_for: At
    started_at: At | None
    finished_at: At | None
    created_at: At
    updated_at: At
    steps: list[WorkflowRunStep]


class WorkflowBackfillResult(Shown):
    items: Annotated[
        list[WorkflowRun],
        Meta(description="the runs this request created (at most 100; total counts them all)"),
    ]
    total: int
    existing: Annotated[
        int, Meta(description="occurrences in the range that already had a workflow run")
    ]


OccurrenceOutcomeName = Literal["ran", "caught_up", "skipped", "backfilled", "missed", "upcoming"]


class WorkflowOccurrence(Shown):
    scheduled_for: At
    outcome: Annotated[
        OccurrenceOutcomeName,
        Meta(
            description="ran (on time), caught_up (ran late, after downtime), backfilled, "
            "missed (no run: paused, down, or skipped by the overlap or catch-up policy), "
            "skipped (a DST gap), upcoming"
        ),
    ]
    workflow_run_id: UuidText | None
    status: RunStatusName | None
    reason: str | None


class WorkflowOccurrencePage(Shown):
    items: list[WorkflowOccurrence]
    since: At
    until: At
    truncated: Annotated[bool, Meta(description="the range held more than limit")]
