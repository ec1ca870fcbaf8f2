from enum import StrEnum


class OccurrenceOutcome(StrEnum):
    BACKFILLED = "backfilled"
    CAUGHT_UP = "caught_up"
    MISSED = "missed"
    RAN = "ran"
    SKIPPED = "skipped"
    UPCOMING = "upcoming"

    def __str__(self) -> str:
        return str(self.value)
