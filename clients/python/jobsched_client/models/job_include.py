from enum import StrEnum


class JobInclude(StrEnum):
    EXECUTIONS = "executions"

    def __str__(self) -> str:
        return str(self.value)
