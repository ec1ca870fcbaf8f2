from enum import StrEnum


class FlowLimit(StrEnum):
    CONCURRENCY = "concurrency"
    DEBOUNCE = "debounce"
    RATE = "rate"

    def __str__(self) -> str:
        return str(self.value)
