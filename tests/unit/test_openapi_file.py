"""The committed openapi.json is the document the API serves (client generators and
the SDKs read the file)."""

from __future__ import annotations

import json

from jobsched.api import openapi_file
from jobsched.api.openapi import openapi_document


def test_the_committed_openapi_json_is_up_to_date() -> None:
    assert openapi_file.PATH.exists(), "openapi.json is missing: run `make openapi`"
    committed = openapi_file.PATH.read_text(encoding="utf-8")
    assert committed == openapi_file.render(), "openapi.json is stale: run `make openapi`"


def test_the_file_is_deterministic_json_of_the_document() -> None:
    text = openapi_file.render()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert json.loads(text) == openapi_document()
    assert text == openapi_file.render()
    assert '\n  "components": {' in text, "indent 2, sorted keys"
