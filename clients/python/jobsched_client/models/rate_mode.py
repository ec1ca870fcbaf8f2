from enum import StrEnum


class RateMode(StrEnum):
    QUEUE = "queue"
    REJECT = "reject"

    def __str__(self) -> str:
        return str(self.value)
