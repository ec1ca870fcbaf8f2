from enum import StrEnum


class OverlapPolicy(StrEnum):
    ALLOW = "allow"
    BUFFER_ONE = "buffer_one"
    CANCEL_PREVIOUS = "cancel_previous"
    SKIP = "skip"

    def __str__(self) -> str:
        return str(self.value)
