from enum import StrEnum


class ExecutionStatus(StrEnum):
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    PENDING = "PENDING"
    QUEUED = "QUEUED"
    RETRYING = "RETRYING"
    RUNNING = "RUNNING"
    SKIPPED = "SKIPPED"
    SUCCEEDED = "SUCCEEDED"

    def __str__(self) -> str:
        return str(self.value)
