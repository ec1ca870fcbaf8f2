from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.isolation import Isolation

if TYPE_CHECKING:
    from ..models.handler_flow_type_0 import HandlerFlowType0
    from ..models.handler_schema_type_0 import HandlerSchemaType0


T = TypeVar("T", bound="Handler")


@_attrs_define
class Handler:
    """
    Attributes:
        description (str):
        flow (HandlerFlowType0 | None):
        isolation (Isolation):
        name (str):
        overridable (list[str]): top-level payload fields an operate key may override in a trigger ("*": any);
            overriding any other field needs an admin key
        pool (str):
        schema (HandlerSchemaType0 | None):
        workers (list[str]): live workers serving it on its pool
    """

    description: str
    flow: HandlerFlowType0 | None
    isolation: Isolation
    name: str
    overridable: list[str]
    pool: str
    schema: HandlerSchemaType0 | None
    workers: list[str]

    def to_dict(self) -> dict[str, Any]:
        from ..models.handler_flow_type_0 import HandlerFlowType0  # noqa: PLC0415
        from ..models.handler_schema_type_0 import HandlerSchemaType0  # noqa: PLC0415

        description = self.description

        flow: dict[str, Any] | None
        if isinstance(self.flow, HandlerFlowType0):
            flow = self.flow.to_dict()
        else:
            flow = self.flow

        isolation = self.isolation.value

        name = self.name

        overridable = self.overridable

        pool = self.pool

        schema: dict[str, Any] | None
        if isinstance(self.schema, HandlerSchemaType0):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        workers = self.workers

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "description": description,
                "flow": flow,
                "isolation": isolation,
                "name": name,
                "overridable": overridable,
                "pool": pool,
                "schema": schema,
                "workers": workers,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.handler_flow_type_0 import HandlerFlowType0  # noqa: PLC0415
        from ..models.handler_schema_type_0 import HandlerSchemaType0  # noqa: PLC0415

        d = dict(src_dict)
        description = d.pop("description")

        def _parse_flow(data: object) -> HandlerFlowType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                flow_type_0 = HandlerFlowType0.from_dict(data)

                return flow_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HandlerFlowType0 | None, data)

        flow = _parse_flow(d.pop("flow"))

        isolation = Isolation(d.pop("isolation"))

        name = d.pop("name")

        overridable = cast(list[str], d.pop("overridable"))

        pool = d.pop("pool")

        def _parse_schema(data: object) -> HandlerSchemaType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = HandlerSchemaType0.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HandlerSchemaType0 | None, data)

        schema = _parse_schema(d.pop("schema"))

        workers = cast(list[str], d.pop("workers"))

        handler = cls(
            description=description,
            flow=flow,
            isolation=isolation,
            name=name,
            overridable=overridable,
            pool=pool,
            schema=schema,
            workers=workers,
        )

        return handler
