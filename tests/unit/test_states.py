"""The execution state machine, as a table a reader can check against the API contract.

That PostgreSQL enforces the same table is ``tests/integration/test_transitions.py``.
"""

import pytest

from jobsched.domain.states import (
    TERMINAL,
    TRANSITIONS,
    ExecutionStatus,
    allowed,
    transition_names_sql,
    transitions_sql,
)

E = ExecutionStatus


@pytest.mark.parametrize(
    ("source", "targets"),
    [
        # A short run is written once: straight to its end (WRITTEN_ONCE).
        (E.PENDING, {E.QUEUED, E.RUNNING, E.CANCELLED, E.SUCCEEDED, E.RETRYING, E.FAILED}),
        (E.QUEUED, {E.RUNNING, E.CANCELLED, E.SUCCEEDED, E.RETRYING, E.FAILED}),
        (E.RUNNING, {E.RUNNING, E.QUEUED, E.SUCCEEDED, E.RETRYING, E.FAILED, E.CANCELLED}),
        (E.RETRYING, {E.QUEUED, E.RUNNING, E.CANCELLED, E.SUCCEEDED, E.RETRYING, E.FAILED}),
        (E.SUCCEEDED, set()),
        (E.FAILED, {E.PENDING}),  # retry, redrive: written again as PENDING
        (E.CANCELLED, {E.PENDING}),  # retry
        (E.SKIPPED, set()),
    ],
    # Sorted: a set's order changes with the hash seed, and pytest-xdist's workers must
    # collect the same test ids.
    ids=lambda v: v.value if isinstance(v, E) else ",".join(sorted(t.value for t in v)) or "-",
)
def test_where_each_status_may_go(source: E, targets: set[E]) -> None:
    assert set(TRANSITIONS[source]) == targets


def test_finished_runs_leave_only_through_a_manual_retry() -> None:
    for status in TERMINAL:
        assert TRANSITIONS[status] <= {E.PENDING}


def test_the_sql_rendering_lists_every_pair_and_nothing_else() -> None:
    sql = transitions_sql()
    pairs = {(s.value, t.value) for s, targets in TRANSITIONS.items() for t in targets}
    assert sql.count("('") == len(pairs)
    for s, t in pairs:
        assert f"('{s}', '{t}')" in sql


def test_the_schema_allows_exactly_the_api_statuses() -> None:
    from jobsched.store.migrations import migration_files

    schema = "".join(sql for _, sql in migration_files())
    for status in ExecutionStatus:
        assert f"'{status.value}'" in schema


def test_the_text_rendering_lists_every_pair_and_nothing_else() -> None:
    sql = transition_names_sql()
    pairs = {f"{s.value}>{t.value}" for s, targets in TRANSITIONS.items() for t in targets}
    assert set(sql.removeprefix("ARRAY[").removesuffix("]").replace("'", "").split(", ")) == pairs


def test_the_sql_rendering_is_a_parenthesised_row_list() -> None:
    # What ``(status, x) IN :transitions`` needs, exactly: "(('A', 'B'), ('C', 'D'))".
    sql = transitions_sql()
    assert sql.startswith("(('") and sql.endswith("'))")
    assert sql[1:-1].split("), (")[0] == "('CANCELLED', 'PENDING'"
    assert sql.count("), (") == sql.count("('") - 1


@pytest.mark.parametrize(
    ("source", "target", "ok"),
    [("QUEUED", "RUNNING", True), ("SUCCEEDED", "RUNNING", False), ("RUNNING", "QUEUED", True)],
)
def test_allowed_reads_the_table(source: str, target: str, ok: bool) -> None:
    assert allowed(source, target) is ok
