"""One operation of the API: its operationId and tag, route, summary, models, statuses
and the scope a key needs (the table is ``jobsched.api.operations``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from jobsched.domain.access import route_scope


@dataclass(frozen=True)
class Operation:
    operation_id: str
    """Stable: generated clients name their functions after it; never derive it from the path."""
    tag: str
    method: str
    path: str
    summary: str
    status: int = 200
    response: Any = None
    """The model of the success body (a tuple: one of them); None for 204."""
    answers: str = "ok"
    """The success answer's description: with a tuple ``response``, when each comes."""
    body: type[msgspec.Struct] | None = None
    body_required: bool = True
    query: type[msgspec.Struct] | None = None
    errors: tuple[int, ...] = ()
    """Client errors besides 401 (every operation but the public one may answer it)."""
    public: bool = False
    also: dict[int, Any] = field(default_factory=dict)
    """Other answers with their own body (``/health``'s 503)."""
    headers: dict[str, str] = field(default_factory=dict)
    """Optional request headers the operation reads, with what they mean."""
    scope: str | None = None
    """The scope a key needs to call it; None: ``read`` for a GET, else ``admin``."""
    text: str | None = None
    """The success body is plain text (described here), not JSON."""

    @property
    def needs(self) -> str:
        return route_scope(self.method, self.scope)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


PROMETHEUS_TEXT = "the Prometheus text exposition format, version 0.0.4"
NOT_FOUND, BAD, CONFLICT = (404,), (400,), (409,)
OPERATE = "operate"
ADMIN = "admin"
