from enum import StrEnum


class AttemptOutcome(StrEnum):
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    HANDED_BACK = "HANDED_BACK"
    LOST = "LOST"
    SUCCEEDED = "SUCCEEDED"
    TIMED_OUT = "TIMED_OUT"

    def __str__(self) -> str:
        return str(self.value)
