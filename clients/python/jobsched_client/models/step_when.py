from enum import StrEnum


class StepWhen(StrEnum):
    ALWAYS = "always"
    FAILURE = "failure"
    SUCCESS = "success"

    def __str__(self) -> str:
        return str(self.value)
