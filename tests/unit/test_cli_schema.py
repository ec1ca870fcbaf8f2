"""The CLI's choices, ranges and defaults come from the API's OpenAPI document: an
operator reading ``--help`` sees every value the API accepts (issue 21: the CLI's own
copy said ``allow or skip`` long after buffer_one and cancel_previous existed)."""

from __future__ import annotations

import argparse
import re

import pytest

from jobsched.api.queries import MAX_PAGE
from jobsched.cli import build_parser
from jobsched.domain import due
from jobsched.domain.access import SCOPES
from jobsched.domain.audit import TARGET_TYPES
from jobsched.domain.contract import JOB_STATUSES, MAX_BACKFILL
from jobsched.domain.states import ExecutionStatus


def _help(*command: str) -> str:
    parser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    # One line per option: argparse wraps help text at the terminal's width.
    return re.sub(r"\s+", " ", parser.format_help())


@pytest.mark.parametrize("command", [("jobs", "create"), ("jobs", "update")])
def test_job_options_name_every_value_and_bound_the_api_accepts(command: tuple[str, ...]) -> None:
    text = _help(*command)
    for policy in due.OVERLAP_POLICIES:
        assert policy in text
    assert "0-100 (default 50)" in text  # priority, as JobCreate declares it


def test_list_filters_name_the_api_statuses_and_targets() -> None:
    jobs = _help("jobs", "list")
    assert all(status in jobs for status in JOB_STATUSES)
    executions = _help("executions", "list")
    assert all(status.value in executions for status in ExecutionStatus)
    audit = _help("audit")
    assert all(target in audit for target in TARGET_TYPES)
    assert f"items per page; 1-{MAX_PAGE}" in jobs
    assert f"items per page; 1-{MAX_BACKFILL} (default 200)" in _help("jobs", "occurrences")


def test_a_key_can_be_created_with_every_scope_the_api_knows() -> None:
    for scope in SCOPES:
        args = build_parser().parse_args(["keys", "create", "ci", "--scope", scope])
        assert args.scope == scope
