"""Fuzz every operation of the served OpenAPI document against the running stack:
whatever schemathesis generates (valid or not), the API answers without a 5xx, and
every 4xx carries the error shape naming what was wrong."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from jobsched.api.openapi import openapi_document
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e
schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_reaches_a_server_error(case, stack: Stack) -> None:
    base = stack.api_url.removesuffix("/api/v1")
    response = case.call(
        base_url=base + "/api/v1",
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=15,
    )
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if 400 <= response.status_code < 500 and response.status_code != 403:
        body = response.json()
        assert "error" in body, (case.method, case.formatted_path, response.status_code, body)
        assert set(body["error"]) >= {"code", "message"}, body
        if body["error"]["code"] == "validation_error":
            assert body["error"]["fields"], body
