from enum import StrEnum


class AuditAction(StrEnum):
    BACKFILL = "backfill"
    CANCEL = "cancel"
    CREATE = "create"
    DELETE = "delete"
    DLQ_DELETE = "dlq_delete"
    KEY_CREATE = "key_create"
    KEY_REVOKE = "key_revoke"
    PAUSE = "pause"
    REDRIVE = "redrive"
    RESUME = "resume"
    RETRY = "retry"
    TRIGGER = "trigger"
    UPDATE = "update"

    def __str__(self) -> str:
        return str(self.value)
