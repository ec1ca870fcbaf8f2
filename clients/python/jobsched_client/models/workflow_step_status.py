from enum import StrEnum


class WorkflowStepStatus(StrEnum):
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    RUNNING = "RUNNING"
    SKIPPED = "SKIPPED"
    SUCCEEDED = "SUCCEEDED"
    WAITING = "WAITING"

    def __str__(self) -> str:
        return str(self.value)
