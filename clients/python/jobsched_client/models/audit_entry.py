from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.audit_action import AuditAction
from ..models.audit_target_type import AuditTargetType

if TYPE_CHECKING:
    from ..models.audit_entry_changes import AuditEntryChanges


T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """
    Attributes:
        action (AuditAction):
        at (datetime.datetime):
        changes (AuditEntryChanges): field -> {before, after}
        id (str):
        key_id (str): id of the caller's key, never the key
        target_id (str):
        target_type (AuditTargetType):
    """

    action: AuditAction
    at: datetime.datetime
    changes: AuditEntryChanges
    id: str
    key_id: str
    target_id: str
    target_type: AuditTargetType

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        at = self.at.isoformat()

        changes = self.changes.to_dict()

        id = self.id

        key_id = self.key_id

        target_id = self.target_id

        target_type = self.target_type.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
                "at": at,
                "changes": changes,
                "id": id,
                "key_id": key_id,
                "target_id": target_id,
                "target_type": target_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_entry_changes import AuditEntryChanges  # noqa: PLC0415

        d = dict(src_dict)
        action = AuditAction(d.pop("action"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        changes = AuditEntryChanges.from_dict(d.pop("changes"))

        id = d.pop("id")

        key_id = d.pop("key_id")

        target_id = d.pop("target_id")

        target_type = AuditTargetType(d.pop("target_type"))

        audit_entry = cls(
            action=action,
            at=at,
            changes=changes,
            id=id,
            key_id=key_id,
            target_id=target_id,
            target_type=target_type,
        )

        return audit_entry
