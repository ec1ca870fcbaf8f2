from enum import StrEnum


class ExecutionSource(StrEnum):
    BACKFILL = "backfill"
    SCHEDULE = "schedule"
    TRIGGER = "trigger"
    WORKFLOW = "workflow"

    def __str__(self) -> str:
        return str(self.value)
