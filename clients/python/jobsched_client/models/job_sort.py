from enum import StrEnum


class JobSort(StrEnum):
    CREATED_AT = "created_at"
    NAME = "name"
    NEXT_RUN_TIME = "next_run_time"
    PRIORITY = "priority"
    VALUE_0 = "-created_at"
    VALUE_1 = "-name"
    VALUE_2 = "-next_run_time"
    VALUE_3 = "-priority"

    def __str__(self) -> str:
        return str(self.value)
