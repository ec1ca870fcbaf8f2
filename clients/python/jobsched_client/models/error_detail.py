from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.error_code import ErrorCode
from ..models.scope import Scope
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_detail_fields import ErrorDetailFields


T = TypeVar("T", bound="ErrorDetail")


@_attrs_define
class ErrorDetail:
    """
    Attributes:
        code (ErrorCode):
        message (str):
        fields (ErrorDetailFields | Unset): each bad field and what is wrong with it
        limit (int | Unset): with 409: the job's MAX_UNFINISHED_RUNS_PER_JOB
        required_scope (Scope | Unset):
        unfinished (int | Unset): with 409: the job's unfinished runs (up to limit)
    """

    code: ErrorCode
    message: str
    fields: ErrorDetailFields | Unset = UNSET
    limit: int | Unset = UNSET
    required_scope: Scope | Unset = UNSET
    unfinished: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code.value

        message = self.message

        fields: dict[str, Any] | Unset = UNSET
        if not isinstance(self.fields, Unset):
            fields = self.fields.to_dict()

        limit = self.limit

        required_scope: str | Unset = UNSET
        if not isinstance(self.required_scope, Unset):
            required_scope = self.required_scope.value

        unfinished = self.unfinished

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
            }
        )
        if fields is not UNSET:
            field_dict["fields"] = fields
        if limit is not UNSET:
            field_dict["limit"] = limit
        if required_scope is not UNSET:
            field_dict["required_scope"] = required_scope
        if unfinished is not UNSET:
            field_dict["unfinished"] = unfinished

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_detail_fields import ErrorDetailFields  # noqa: PLC0415

        d = dict(src_dict)
        code = ErrorCode(d.pop("code"))

        message = d.pop("message")

        _fields = d.pop("fields", UNSET)
        fields: ErrorDetailFields | Unset
        if isinstance(_fields, Unset):
            fields = UNSET
        else:
            fields = ErrorDetailFields.from_dict(_fields)

        limit = d.pop("limit", UNSET)

        _required_scope = d.pop("required_scope", UNSET)
        required_scope: Scope | Unset
        if isinstance(_required_scope, Unset):
            required_scope = UNSET
        else:
            required_scope = Scope(_required_scope)

        unfinished = d.pop("unfinished", UNSET)

        error_detail = cls(
            code=code,
            message=message,
            fields=fields,
            limit=limit,
            required_scope=required_scope,
            unfinished=unfinished,
        )

        error_detail.additional_properties = d
        return error_detail

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
