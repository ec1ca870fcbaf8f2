from enum import StrEnum


class OnWindowClose(StrEnum):
    CANCEL = "cancel"
    LEAVE = "leave"

    def __str__(self) -> str:
        return str(self.value)
