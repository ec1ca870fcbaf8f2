"""The TypeScript SDK (clients/typescript) without a server: its generated types match
openapi.json, it and its tests compile under ``tsc --strict`` with 0 errors, and its own
logic (auth header, paging, error decoding, waiting) holds against a fake fetch. Its
flows against a running stack are tests/e2e/test_sdk_typescript.py.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.sdk_typescript import (
    BIN,
    NO_NODE,
    NO_NODE_REASON,
    PACKAGE,
    compile_tests,
    node_test,
    require_tools,
    run,
)

pytestmark = pytest.mark.skipif(NO_NODE, reason=NO_NODE_REASON)


@pytest.fixture(scope="module")
def build(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One strict compile of src and test for the module (tsc takes a while on 2 cores)."""
    dest = tmp_path_factory.mktemp("sdk-typescript")
    return dest, compile_tests(dest)


def test_the_generated_schema_is_up_to_date_with_openapi_json(tmp_path: Path) -> None:
    require_tools()
    fresh = tmp_path / "schema.d.ts"
    generated = run([str(BIN / "openapi-typescript"), "../../openapi.json", "-o", str(fresh)])
    assert generated.returncode == 0, generated.stdout + generated.stderr
    committed = (PACKAGE / "src" / "schema.d.ts").read_text()
    assert committed == fresh.read_text(), (
        "clients/typescript/src/schema.d.ts is stale: run `make clients` and commit it"
    )


def test_the_sdk_and_its_tests_compile_under_strict_with_no_error(
    build: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, compiled = build
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_the_sdk_pages_decodes_errors_and_waits_against_a_fake_fetch(
    build: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    dest, compiled = build
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    result = node_test(sorted((dest / "test" / "unit").glob("*.test.js")))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.search(r"^# pass (\d+)$", output, re.MULTILINE)
    assert passed is not None and int(passed.group(1)) > 0, output
