from enum import StrEnum


class DstOverlap(StrEnum):
    FIRST = "first"
    TWICE = "twice"

    def __str__(self) -> str:
        return str(self.value)
