"""Contains all the data models used in inputs/outputs"""

from .alert import Alert
from .alert_counts import AlertCounts
from .alert_kind import AlertKind
from .api_key import ApiKey
from .attempt import Attempt
from .attempt_outcome import AttemptOutcome
from .audit_action import AuditAction
from .audit_entry import AuditEntry
from .audit_entry_changes import AuditEntryChanges
from .audit_page import AuditPage
from .audit_target_type import AuditTargetType
from .backfill import Backfill
from .backfill_result import BackfillResult
from .bucket import Bucket
from .calendar import Calendar
from .calendar_blackouts_type_0_item import CalendarBlackoutsType0Item
from .calendar_body import CalendarBody
from .calendar_body_blackouts_type_0_item import CalendarBodyBlackoutsType0Item
from .calendar_body_holidays import CalendarBodyHolidays
from .calendar_body_windows_type_0_item import CalendarBodyWindowsType0Item
from .calendar_day import CalendarDay
from .calendar_days import CalendarDays
from .calendar_page import CalendarPage
from .calendar_windows_type_0_item import CalendarWindowsType0Item
from .catch_up import CatchUp
from .change import Change
from .concurrency_control import ConcurrencyControl
from .concurrency_control_input import ConcurrencyControlInput
from .dead_letter import DeadLetter
from .dead_letter_page import DeadLetterPage
from .dead_letter_payload import DeadLetterPayload
from .debounce_control import DebounceControl
from .debounce_control_input import DebounceControlInput
from .dst_gap import DstGap
from .dst_overlap import DstOverlap
from .duration_bucket import DurationBucket
from .duration_histogram import DurationHistogram
from .durations import Durations
from .error_code import ErrorCode
from .error_detail import ErrorDetail
from .error_detail_fields import ErrorDetailFields
from .error_response import ErrorResponse
from .execution import Execution
from .execution_counts import ExecutionCounts
from .execution_counts_by_status import ExecutionCountsByStatus
from .execution_metrics import ExecutionMetrics
from .execution_page import ExecutionPage
from .execution_payload import ExecutionPayload
from .execution_source import ExecutionSource
from .execution_status import ExecutionStatus
from .explanation import Explanation
from .explanation_outcome import ExplanationOutcome
from .failure_rate import FailureRate
from .flow_counts import FlowCounts
from .flow_item import FlowItem
from .flow_limit import FlowLimit
from .flow_page import FlowPage
from .get_open_api_response_200 import GetOpenApiResponse200
from .handler import Handler
from .handler_flow_type_0 import HandlerFlowType0
from .handler_page import HandlerPage
from .handler_schema_type_0 import HandlerSchemaType0
from .health import Health
from .health_check import HealthCheck
from .health_checks import HealthChecks
from .health_status import HealthStatus
from .holidays import Holidays
from .isolation import Isolation
from .job import Job
from .job_blackouts_type_0_item import JobBlackoutsType0Item
from .job_business_day_rule_type_0 import JobBusinessDayRuleType0
from .job_counts import JobCounts
from .job_counts_by_status import JobCountsByStatus
from .job_create import JobCreate
from .job_create_blackouts_type_0_item import JobCreateBlackoutsType0Item
from .job_create_business_day_rule_type_0 import JobCreateBusinessDayRuleType0
from .job_create_payload import JobCreatePayload
from .job_create_windows_type_0_item import JobCreateWindowsType0Item
from .job_include import JobInclude
from .job_page import JobPage
from .job_payload import JobPayload
from .job_sort import JobSort
from .job_update import JobUpdate
from .job_update_blackouts_type_0_item import JobUpdateBlackoutsType0Item
from .job_update_business_day_rule_type_0 import JobUpdateBusinessDayRuleType0
from .job_update_payload import JobUpdatePayload
from .job_update_windows_type_0_item import JobUpdateWindowsType0Item
from .job_windows_type_0_item import JobWindowsType0Item
from .key_create import KeyCreate
from .key_created import KeyCreated
from .key_page import KeyPage
from .key_ref import KeyRef
from .leader import Leader
from .me import Me
from .metrics import Metrics
from .metrics_run_durations import MetricsRunDurations
from .next_run import NextRun
from .next_runs import NextRuns
from .non_business_day import NonBusinessDay
from .occurrence import Occurrence
from .occurrence_outcome import OccurrenceOutcome
from .occurrence_page import OccurrencePage
from .on_window_close import OnWindowClose
from .outside_window import OutsideWindow
from .overlap_policy import OverlapPolicy
from .pool_depth import PoolDepth
from .queue_depth import QueueDepth
from .queue_depth_pools import QueueDepthPools
from .rate_control import RateControl
from .rate_control_input import RateControlInput
from .rate_mode import RateMode
from .schedule_preview import SchedulePreview
from .schedule_preview_blackouts_type_0_item import SchedulePreviewBlackoutsType0Item
from .schedule_preview_windows_type_0_item import SchedulePreviewWindowsType0Item
from .schedule_status import ScheduleStatus
from .scope import Scope
from .shard_holding import ShardHolding
from .singleton_control import SingletonControl
from .singleton_control_input import SingletonControlInput
from .singleton_mode import SingletonMode
from .spread_control import SpreadControl
from .spread_control_input import SpreadControlInput
from .step_when import StepWhen
from .throughput import Throughput
from .trigger import Trigger
from .trigger_payload import TriggerPayload
from .trigger_run import TriggerRun
from .trigger_run_payload import TriggerRunPayload
from .worker import Worker
from .worker_counts import WorkerCounts
from .worker_page import WorkerPage
from .workflow import Workflow
from .workflow_backfill_result import WorkflowBackfillResult
from .workflow_create import WorkflowCreate
from .workflow_occurrence import WorkflowOccurrence
from .workflow_occurrence_page import WorkflowOccurrencePage
from .workflow_page import WorkflowPage
from .workflow_run import WorkflowRun
from .workflow_run_counts import WorkflowRunCounts
from .workflow_run_counts_by_status import WorkflowRunCountsByStatus
from .workflow_run_page import WorkflowRunPage
from .workflow_run_status import WorkflowRunStatus
from .workflow_run_step import WorkflowRunStep
from .workflow_step import WorkflowStep
from .workflow_step_for_each_type_0 import WorkflowStepForEachType0
from .workflow_step_input import WorkflowStepInput
from .workflow_step_input_for_each_type_0 import WorkflowStepInputForEachType0
from .workflow_step_input_payload import WorkflowStepInputPayload
from .workflow_step_payload import WorkflowStepPayload
from .workflow_step_status import WorkflowStepStatus
from .workflow_trigger import WorkflowTrigger
from .workflow_trigger_input import WorkflowTriggerInput
from .workflow_update import WorkflowUpdate

__all__ = (
    "Alert",
    "AlertCounts",
    "AlertKind",
    "ApiKey",
    "Attempt",
    "AttemptOutcome",
    "AuditAction",
    "AuditEntry",
    "AuditEntryChanges",
    "AuditPage",
    "AuditTargetType",
    "Backfill",
    "BackfillResult",
    "Bucket",
    "Calendar",
    "CalendarBlackoutsType0Item",
    "CalendarBody",
    "CalendarBodyBlackoutsType0Item",
    "CalendarBodyHolidays",
    "CalendarBodyWindowsType0Item",
    "CalendarDay",
    "CalendarDays",
    "CalendarPage",
    "CalendarWindowsType0Item",
    "CatchUp",
    "Change",
    "ConcurrencyControl",
    "ConcurrencyControlInput",
    "DeadLetter",
    "DeadLetterPage",
    "DeadLetterPayload",
    "DebounceControl",
    "DebounceControlInput",
    "DstGap",
    "DstOverlap",
    "DurationBucket",
    "DurationHistogram",
    "Durations",
    "ErrorCode",
    "ErrorDetail",
    "ErrorDetailFields",
    "ErrorResponse",
    "Execution",
    "ExecutionCounts",
    "ExecutionCountsByStatus",
    "ExecutionMetrics",
    "ExecutionPage",
    "ExecutionPayload",
    "ExecutionSource",
    "ExecutionStatus",
    "Explanation",
    "ExplanationOutcome",
    "FailureRate",
    "FlowCounts",
    "FlowItem",
    "FlowLimit",
    "FlowPage",
    "GetOpenApiResponse200",
    "Handler",
    "HandlerFlowType0",
    "HandlerPage",
    "HandlerSchemaType0",
    "Health",
    "HealthCheck",
    "HealthChecks",
    "HealthStatus",
    "Holidays",
    "Isolation",
    "Job",
    "JobBlackoutsType0Item",
    "JobBusinessDayRuleType0",
    "JobCounts",
    "JobCountsByStatus",
    "JobCreate",
    "JobCreateBlackoutsType0Item",
    "JobCreateBusinessDayRuleType0",
    "JobCreatePayload",
    "JobCreateWindowsType0Item",
    "JobInclude",
    "JobPage",
    "JobPayload",
    "JobSort",
    "JobUpdate",
    "JobUpdateBlackoutsType0Item",
    "JobUpdateBusinessDayRuleType0",
    "JobUpdatePayload",
    "JobUpdateWindowsType0Item",
    "JobWindowsType0Item",
    "KeyCreate",
    "KeyCreated",
    "KeyPage",
    "KeyRef",
    "Leader",
    "Me",
    "Metrics",
    "MetricsRunDurations",
    "NextRun",
    "NextRuns",
    "NonBusinessDay",
    "Occurrence",
    "OccurrenceOutcome",
    "OccurrencePage",
    "OnWindowClose",
    "OutsideWindow",
    "OverlapPolicy",
    "PoolDepth",
    "QueueDepth",
    "QueueDepthPools",
    "RateControl",
    "RateControlInput",
    "RateMode",
    "SchedulePreview",
    "SchedulePreviewBlackoutsType0Item",
    "SchedulePreviewWindowsType0Item",
    "ScheduleStatus",
    "Scope",
    "ShardHolding",
    "SingletonControl",
    "SingletonControlInput",
    "SingletonMode",
    "SpreadControl",
    "SpreadControlInput",
    "StepWhen",
    "Throughput",
    "Trigger",
    "TriggerPayload",
    "TriggerRun",
    "TriggerRunPayload",
    "Worker",
    "WorkerCounts",
    "WorkerPage",
    "Workflow",
    "WorkflowBackfillResult",
    "WorkflowCreate",
    "WorkflowOccurrence",
    "WorkflowOccurrencePage",
    "WorkflowPage",
    "WorkflowRun",
    "WorkflowRunCounts",
    "WorkflowRunCountsByStatus",
    "WorkflowRunPage",
    "WorkflowRunStatus",
    "WorkflowRunStep",
    "WorkflowStep",
    "WorkflowStepForEachType0",
    "WorkflowStepInput",
    "WorkflowStepInputForEachType0",
    "WorkflowStepInputPayload",
    "WorkflowStepPayload",
    "WorkflowStepStatus",
    "WorkflowTrigger",
    "WorkflowTriggerInput",
    "WorkflowUpdate",
)
