"""The dashboard's job form takes its choices, ranges and defaults from the API's
OpenAPI document (dashboard/js/contract.js), not from copies of its own (issue 21).
The module is run under node against the document the API serves."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jobsched.api.openapi import openapi_document
from jobsched.domain import due

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "dashboard" / "js" / "contract.js"

SCRIPT = """
import { fieldSpec, loadContract, selectOptions, withRange } from %(module)s;
const doc = JSON.parse(await (await import('node:fs/promises')).readFile(%(doc)s, 'utf8'));
let calls = 0;
const api = {
  request: async (method, path) => { calls += 1; return path === '/openapi.json' ? doc : null; },
};
const schemas = await loadContract(api);
await loadContract(api);
const spec = (name) => fieldSpec(schemas, 'JobCreate', name);
console.log(JSON.stringify({
  calls,
  overlap: selectOptions(spec('overlap_policy'), { allow: 'Run anyway (allow)' }),
  overlapDefault: spec('overlap_policy').default,
  priority: withRange('higher runs first', spec('priority')),
  priorityDefault: spec('priority').default,
  concurrency: [spec('max_concurrency').min, spec('max_concurrency').max],
  trigger: fieldSpec(schemas, 'Trigger', 'priority'),
  offline: selectOptions(fieldSpec(null, 'JobCreate', 'dst_gap'), { shift: 'Shift' }),
}));
"""


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    folder = tmp_path_factory.mktemp("dashboard")
    doc = folder / "openapi.json"
    doc.write_text(json.dumps(openapi_document()))
    script = folder / "check.mjs"
    script.write_text(
        SCRIPT % {"module": json.dumps(CONTRACT.as_uri()), "doc": json.dumps(str(doc))}
    )
    out = subprocess.run([node, str(script)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_form_offers_every_overlap_policy_the_api_accepts(answer: dict) -> None:
    offered = [value for value, _ in answer["overlap"]]
    assert sorted(offered) == sorted(due.OVERLAP_POLICIES)
    # The form's words (and order) first, then what it has no words for, as the value.
    assert answer["overlap"][0] == ["allow", "Run anyway (allow)"]
    assert ["cancel_previous", "cancel_previous"] in answer["overlap"]
    assert answer["overlapDefault"] == "allow"


def test_the_form_states_the_apis_ranges_and_defaults(answer: dict) -> None:
    assert answer["priority"] == "higher runs first; 0–100"
    assert answer["priorityDefault"] == 50
    assert answer["concurrency"] == [1, 10_000]  # through the field's null alternative
    # The trigger dialog's priority override.
    assert answer["trigger"] == {"min": 0, "max": 100, "choices": None, "default": None}


def test_the_document_is_read_once_and_its_absence_is_survivable(answer: dict) -> None:
    assert answer["calls"] == 1
    assert answer["offline"] == [["shift", "Shift"]]
