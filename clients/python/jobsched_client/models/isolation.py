from enum import StrEnum


class Isolation(StrEnum):
    PROCESS = "process"
    THREAD = "thread"

    def __str__(self) -> str:
        return str(self.value)
