from enum import StrEnum


class AuditTargetType(StrEnum):
    CALENDAR = "calendar"
    DEAD_LETTER = "dead_letter"
    EXECUTION = "execution"
    JOB = "job"
    KEY = "key"
    WORKFLOW = "workflow"
    WORKFLOW_RUN = "workflow_run"

    def __str__(self) -> str:
        return str(self.value)
