from enum import StrEnum


class NonBusinessDay(StrEnum):
    NEXT = "next"
    PREVIOUS = "previous"
    SKIP = "skip"

    def __str__(self) -> str:
        return str(self.value)
