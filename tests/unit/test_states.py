"""The state machine in Python and the guarded UPDATEs in SQL must agree."""

from jobsched.domain.states import TERMINAL, TRANSITIONS, ExecutionStatus, sources_of
from jobsched.store.queries import q


def test_terminal_states_have_no_way_out_except_manual_retry() -> None:
    for status in TERMINAL:
        assert TRANSITIONS[status] <= {ExecutionStatus.QUEUED}


def test_sql_claims_only_from_states_that_may_become_running() -> None:
    sql = q("lock_claimable")
    for status in sources_of(ExecutionStatus.RUNNING):
        assert f"'{status}'" in sql
    for status in TERMINAL:
        assert f"'{status.value}'" not in sql


def test_the_schema_allows_exactly_the_api_statuses() -> None:
    from jobsched.store.migrations import migration_files

    schema = "".join(sql for _, sql in migration_files())
    for status in ExecutionStatus:
        assert f"'{status.value}'" in schema
