"""The TypeScript SDK's flows (clients/typescript/test/flows: the README's, as code) run
against the e2e stack: create with a cron in a time zone, page, update, pause/resume,
trigger with an override and run_at, executions, cancel, the dead-letter queue and
redrive, a workflow, flow control, calendars, metrics, errors as the API's shape.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.stack import Stack
from tests.sdk_typescript import NO_NODE, NO_NODE_REASON, compile_tests, node_test

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(NO_NODE, reason=NO_NODE_REASON)]


def test_the_typescript_sdk_runs_the_readme_flows_against_the_stack(
    single_redis_stack: Stack, tmp_path: Path
) -> None:
    compiled = compile_tests(tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    flows = sorted((tmp_path / "test" / "flows").glob("*.test.js"))
    result = node_test(
        flows,
        env={
            "JOBSCHED_URL": single_redis_stack.api_url,
            "JOBSCHED_API_KEY": single_redis_stack.api_key,
        },
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    counts = dict(re.findall(r"^# (pass|fail|skipped|todo) (\d+)$", output, re.MULTILINE))
    assert int(counts.get("pass", "0")) >= len(flows), output
    assert counts.get("fail") == "0" and counts.get("skipped") == "0", output
