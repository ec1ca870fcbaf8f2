"""A key sent where an id belongs is never repeated (issue 20): not in the 404's
message, not in the log. Ids are UUIDs; a 404 does not echo what it was sent, and the
log names a path parameter only when it is one."""

from __future__ import annotations

import json
import logging

import pytest

from tests.integration import test_api
from tests.integration.test_access import new_key
from tests.integration.test_api import KEY, Api

api = test_api.api


def test_a_key_in_place_of_an_id_is_not_echoed(
    api: Api, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    created = new_key(api, "read")["key"]
    answers = []
    for secret in (created, KEY):  # a created key, and one of API_KEYS
        for method, path in (
            ("GET", f"/jobs/{secret}"),
            ("POST", f"/jobs/{secret}/trigger"),
            ("GET", f"/executions/{secret}"),
            ("DELETE", f"/dead-letter/{secret}"),
            ("GET", f"/jobs/{secret}/executions"),
        ):
            answers.append(api.call(method, path))
    assert {code for code, _ in answers} == {404}
    seen = json.dumps(answers) + caplog.text + "".join(capsys.readouterr())
    assert created not in seen and created[4:20] not in seen, "not even part of it"
    assert KEY not in seen
