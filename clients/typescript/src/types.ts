// Names for the document's schemas and query parameters, so users (and this package)
// write `Job` rather than `components["schemas"]["Job"]`. Every type here is an alias
// of the generated schema.d.ts: none is written by hand, so `make clients` after a
// change of the API changes them all.
import type { components, operations } from "./schema.js";

type Schemas = components["schemas"];
type Query<Op extends keyof operations> = NonNullable<operations[Op]["parameters"]["query"]>;

export type Job = Schemas["Job"];
export type JobCreate = Schemas["JobCreate"];
export type JobUpdate = Schemas["JobUpdate"];
export type JobPage = Schemas["JobPage"];
export type Trigger = Schemas["Trigger"];
export type TriggerRun = Schemas["TriggerRun"];
export type Execution = Schemas["Execution"];
export type ExecutionPage = Schemas["ExecutionPage"];
export type ExecutionStatus = Schemas["ExecutionStatus"];
export type Attempt = Schemas["Attempt"];
export type DeadLetter = Schemas["DeadLetter"];
export type DeadLetterPage = Schemas["DeadLetterPage"];
export type Workflow = Schemas["Workflow"];
export type WorkflowCreate = Schemas["WorkflowCreate"];
export type WorkflowUpdate = Schemas["WorkflowUpdate"];
export type WorkflowPage = Schemas["WorkflowPage"];
/** A step as a workflow is created or updated with (fields the server defaults optional). */
export type WorkflowStepInput = Schemas["WorkflowStepInput"];
/** A step as the API answers it (every field). */
export type WorkflowStep = Schemas["WorkflowStep"];
export type WorkflowTrigger = Schemas["WorkflowTrigger"];
export type WorkflowRun = Schemas["WorkflowRun"];
export type WorkflowRunPage = Schemas["WorkflowRunPage"];
export type WorkflowRunStatus = Schemas["WorkflowRunStatus"];
export type FlowPage = Schemas["FlowPage"];
export type FlowItem = Schemas["FlowItem"];
export type Calendar = Schemas["Calendar"];
export type CalendarBody = Schemas["CalendarBody"];
export type CalendarPage = Schemas["CalendarPage"];
export type CalendarDays = Schemas["CalendarDays"];
export type CalendarDay = Schemas["CalendarDay"];
export type Metrics = Schemas["Metrics"];
export type ExecutionMetrics = Schemas["ExecutionMetrics"];
export type Health = Schemas["Health"];
export type ApiError = Schemas["ErrorResponse"];
export type ErrorDetail = Schemas["ErrorDetail"];
export type ErrorCode = Schemas["ErrorCode"];

export type ListJobsQuery = Query<"listJobs">;
export type GetJobQuery = Query<"getJob">;
export type ListExecutionsQuery = Query<"listExecutions">;
export type ListJobExecutionsQuery = Query<"listJobExecutions">;
export type ListDeadLettersQuery = Query<"listDeadLetters">;
export type ListWorkflowsQuery = Query<"listWorkflows">;
export type ListWorkflowRunsQuery = Query<"listWorkflowRuns">;
export type CalendarDaysQuery = Query<"listCalendarDays">;
export type ExecutionMetricsQuery = Query<"getExecutionMetrics">;
