from enum import StrEnum


class ExplanationOutcome(StrEnum):
    DEFERRED = "deferred"
    NOT_AN_OCCURRENCE = "not_an_occurrence"
    RAN = "ran"
    SKIPPED = "skipped"
    UPCOMING = "upcoming"

    def __str__(self) -> str:
        return str(self.value)
