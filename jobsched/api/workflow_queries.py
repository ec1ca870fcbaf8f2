"""The query parameters of the workflow lists (issue 23)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from jobsched.api.queries import Paging
from jobsched.domain.contract import Param
from jobsched.domain.workflow_models import RunStatusName


class WorkflowListQuery(Paging):
    name: Annotated[Param, Meta(description="substring, case-insensitive")] | None = None


class WorkflowRunListQuery(Paging):
    status: RunStatusName | None = None
