from enum import StrEnum


class CatchUp(StrEnum):
    ALL = "all"
    LATEST = "latest"
    NONE = "none"

    def __str__(self) -> str:
        return str(self.value)
