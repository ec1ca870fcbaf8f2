"""An audit entry as decided, before it is written: the value a use case hands the
store (``jobsched.store.audit.record``), which writes it in the transaction of the change
it records. What it says is decided by ``jobsched.domain.audit``; the store only
stores it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditRecord:
    """Who (``key_id``) did what (``action``) to which target, and the change
    (``{field: {"before": x, "after": y}}``, as JSON can hold it)."""

    key_id: str
    action: str
    target_type: str
    target_id: str
    changes: dict[str, Any]
