from enum import StrEnum


class AlertKind(StrEnum):
    LATE_START = "late_start"
    OVERRAN = "overran"

    def __str__(self) -> str:
        return str(self.value)
