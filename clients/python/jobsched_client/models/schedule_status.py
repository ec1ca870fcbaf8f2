from enum import StrEnum


class ScheduleStatus(StrEnum):
    PAUSED = "PAUSED"
    SCHEDULED = "SCHEDULED"

    def __str__(self) -> str:
        return str(self.value)
