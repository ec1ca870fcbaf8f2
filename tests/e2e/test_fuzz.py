"""Fuzz the running stack over HTTP: whatever arrives, the API answers without a 5xx,
every answer matches the OpenAPI document it serves (a documented status, the error
shape, the response schema), and every 4xx names what was wrong.

Two sources of requests:
- schemathesis, from the OpenAPI document (valid and invalid by the schema);
- hostile strategies of our own, for what a schema never generates: NUL, unpaired
  surrogates, NaN/Infinity, huge integers, deep nesting and long strings, in bodies,
  path ids and query strings, sent as raw bytes.

Each test prints how many requests it sent (and records it as a junit property).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jobsched.api.openapi import openapi_document
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e
schema = schemathesis.openapi.from_dict(openapi_document())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SENT: Counter[str] = Counter()


def _check_error_shape(response: Any, label: str) -> None:
    if 400 <= response.status_code < 500 and response.status_code != 403:
        body = response.json()
        assert "error" in body, (label, response.status_code, body)
        assert set(body["error"]) >= {"code", "message"}, body
        if body["error"]["code"] == "validation_error":
            assert body["error"]["fields"], body


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_reaches_a_server_error(case, stack: Stack) -> None:
    response = case.call(
        base_url=stack.api_url,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=15,
    )
    SENT["schemathesis"] += 1
    case.validate_response(response, checks=CHECKS)
    _check_error_shape(response, f"{case.method} {case.formatted_path}")


# ------------------------------------------------------------------ hostile strategies


def nasty_text(longest: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            ["\x00", "a\x00b", "\ud800", "x\udfff", "\ud83d", "\ufeff", "%00", "..", "🙂", "\x7f"]
        ),
        # Any code point, surrogates included (Hypothesis leaves them out by default).
        st.text(st.characters(exclude_categories=()), max_size=12),
        st.builds(
            lambda c, n: c * n, st.sampled_from(["x", "\x00", "é", "*"]), st.integers(1, longest)
        ),
    )


NASTY_TEXT = nasty_text(300_000)
# URLs: the HTTP front door (API Gateway, and its local stand-in) answers 414 itself past
# ~10 KB; 2,000 characters is ten times every text bound of the API.
URL_TEXT = nasty_text(2_000)
# "", "." and ".." would name another route (the client resolves dot segments): the
# gateway answers those itself, as API Gateway does (403 Missing Authentication Token).
PATH_IDS = URL_TEXT.filter(lambda v: v not in ("", ".", ".."))
NASTY_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**30, -0.0, 1e308]),
    st.floats(allow_nan=True, allow_infinity=True),
)
JSON_ISH = st.recursive(
    st.one_of(st.none(), st.booleans(), NASTY_NUMBERS, NASTY_TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(NASTY_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
RAW_TOKENS = ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 5000, '"\\ud800"', '"\\u0000"']


def _dumps(value: Any) -> str:
    """JSON as a sloppy client writes it: NaN/Infinity tokens and \\ud800 escapes
    pass through (``json.dumps`` allows both)."""
    return json.dumps(value)


def _deep(levels: int, kind: str) -> str:
    opener, closer = ('{"a":', "}") if kind == "object" else ("[", "]")
    return opener * levels + "1" + closer * levels


@st.composite
def hostile_json_text(draw: Callable) -> str:
    """A JSON-ish document as text: a value, a raw token, or deep nesting."""
    choice = draw(st.sampled_from(["value", "token", "deep"]))
    if choice == "token":
        return draw(st.sampled_from(RAW_TOKENS))
    if choice == "deep":
        return _deep(draw(st.integers(20, 60_000)), draw(st.sampled_from(["object", "array"])))
    return _dumps(draw(JSON_ISH))


@dataclass
class Hostile:
    method: str
    path: str  # the OpenAPI path template
    path_params: dict[str, str]
    query: dict[str, str]
    body: str | None

    def url(self, base: str) -> str:
        path = self.path
        for name, value in self.path_params.items():
            path = path.replace("{" + name + "}", _quote(value))
        if self.query:
            path += "?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in self.query.items())
        return base + path


def _quote(value: str) -> str:
    # surrogatepass: an unpaired surrogate goes out as its (invalid) UTF-8 bytes.
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


JOB_FIELDS = ["name", "description", "handler", "payload", "schedule", "timezone", "priority"]


@st.composite
def job_body(draw: Callable) -> str:
    """A plausible job whose one field (or whose payload) is hostile."""
    field = draw(st.sampled_from([*JOB_FIELDS, "payload-inner", "whole"]))
    if field == "whole":
        return draw(hostile_json_text())
    base = {"name": f"fz-{draw(st.integers(0, 10**9))}", "handler": "test.echo"}
    text = _dumps(base)[:-1]
    if field == "payload-inner":
        return text + f', "payload": {{"k": {draw(hostile_json_text())}}}}}'
    value = draw(st.one_of(hostile_json_text(), st.builds(_dumps, NASTY_TEXT)))
    return text + f', "{field}": {value}}}'


@st.composite
def trigger_body(draw: Callable) -> str:
    shape = draw(st.sampled_from(["payload", "runs", "priority", "whole"]))
    if shape == "whole":
        return draw(hostile_json_text())
    if shape == "priority":
        return f'{{"priority": {draw(st.sampled_from(RAW_TOKENS))}}}'
    if shape == "payload":
        return f'{{"payload": {{"v": {draw(hostile_json_text())}}}}}'
    runs = draw(st.lists(hostile_json_text(), min_size=1, max_size=3))
    return '{"runs": [' + ", ".join(f'{{"payload": {{"v": {r}}}}}' for r in runs) + "]}"


@st.composite
def key_body(draw: Callable) -> str:
    """A plausible key request whose one field (or whole body) is hostile."""
    field = draw(st.sampled_from(["name", "scope", "rate_limit_per_minute", "whole"]))
    if field == "whole":
        return draw(hostile_json_text())
    text = _dumps({"name": "fz-key", "scope": "read"})[:-1]
    value = draw(
        st.one_of(hostile_json_text(), st.builds(_dumps, NASTY_TEXT), st.sampled_from(RAW_TOKENS))
    )
    return text + f', "{field}": {value}}}'


QUERY_TARGETS = {
    "/jobs": ["status", "handler", "name", "sort", "limit", "cursor"],
    "/executions": ["status", "job_id", "handler", "limit", "cursor"],
    "/dead-letter": ["limit", "cursor"],
    "/metrics/executions": ["window_s", "bucket_s"],
    "/audit": ["action", "target_type", "target_id", "key_id", "since", "until", "limit", "cursor"],
}
ID_PATHS = [
    ("GET", "/jobs/{job_id}"),
    ("DELETE", "/jobs/{job_id}"),
    ("POST", "/jobs/{job_id}/pause"),
    ("GET", "/jobs/{job_id}/executions"),
    ("POST", "/jobs/{job_id}/resume"),
    ("POST", "/executions/{execution_id}/retry"),
    ("DELETE", "/dead-letter/{entry_id}"),
    ("GET", "/executions/{execution_id}"),
    ("POST", "/executions/{execution_id}/cancel"),
    ("GET", "/dead-letter/{entry_id}"),
    ("POST", "/dead-letter/{entry_id}/redrive"),
    ("DELETE", "/keys/{key_id}"),
]
QUERY_VALUES = st.one_of(
    URL_TEXT,
    st.builds(str, NASTY_NUMBERS),
    st.sampled_from(["o:99999999999999999999999", "bzo5OTk5OTk5OTk5OTk5OTk5OTk5OQ==", "-1", "1e3"]),
)


def hostile_requests(job_id: str) -> st.SearchStrategy[Hostile]:
    queries = st.sampled_from(sorted(QUERY_TARGETS)).flatmap(
        lambda path: st.builds(
            Hostile,
            st.just("GET"),
            st.just(path),
            st.just({}),
            st.dictionaries(st.sampled_from(QUERY_TARGETS[path]), QUERY_VALUES, min_size=1),
            st.none(),
        )
    )
    ids = st.sampled_from(ID_PATHS).flatmap(
        lambda mp: st.builds(
            Hostile,
            st.just(mp[0]),
            st.just(mp[1]),
            st.builds(lambda v: {mp[1].split("{")[1].split("}")[0]: v}, PATH_IDS),
            st.just({}),
            st.none(),
        )
    )
    creates = st.builds(
        Hostile, st.just("POST"), st.just("/jobs"), st.just({}), st.just({}), job_body()
    )
    updates = st.builds(
        Hostile,
        st.just("PUT"),
        st.just("/jobs/{job_id}"),
        st.just({"job_id": job_id}),
        st.just({}),
        job_body(),
    )
    triggers = st.builds(
        Hostile,
        st.just("POST"),
        st.just("/jobs/{job_id}/trigger"),
        st.just({"job_id": job_id}),
        st.just({}),
        trigger_body(),
    )
    keys = st.builds(
        Hostile, st.just("POST"), st.just("/keys"), st.just({}), st.just({}), key_body()
    )
    return st.one_of(queries, ids, creates, updates, triggers, keys)


def _case_for(request: Hostile) -> Any:
    """A schemathesis Case for the operation, so the answer is checked against it."""
    operation = schema[request.path][request.method]
    return operation.Case(path_parameters=request.path_params or None, query=request.query or None)


def test_hostile_bytes_never_reach_a_server_error(stack: Stack, record_property, capsys) -> None:
    api = stack.client()
    job = api.create_job(name="fuzz-target", handler="test.echo")
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {stack.api_key}", "Content-Type": "application/json"}
    )
    kinds: Counter[str] = Counter()

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=hostile_requests(job["id"]))
    def send(request: Hostile) -> None:
        body = None if request.body is None else request.body.encode("utf-8", "surrogatepass")
        response = session.request(
            request.method, request.url(stack.api_url), data=body, timeout=30
        )
        kinds[f"{request.method} {request.path}"] += 1
        label = f"{request.method} {request.url('')[:200]} {(request.body or '')[:200]!r}"
        if response.status_code == 414:
            # The front door's own size limit (64 KB of request line and headers), which
            # many URL values of 2,000 "é" (6 bytes each, encoded) together can pass.
            return
        assert response.status_code < 500, (label, response.text[:500])
        _case_for(request).validate_response(response, checks=CHECKS)
        _check_error_shape(response, label)

    send()
    total = sum(kinds.values())
    record_property("hostile_requests", total)
    with capsys.disabled():
        print(f"\n[fuzz] {total} hostile requests, 0 server errors; by operation: {dict(kinds)}")
    assert total >= 400


def test_report_the_schemathesis_case_count(record_property, capsys) -> None:
    """Runs after the schemathesis test above (file order): how many cases it sent."""
    record_property("schemathesis_cases", SENT["schemathesis"])
    with capsys.disabled():
        print(f"\n[fuzz] schemathesis sent {SENT['schemathesis']} cases, 0 server errors")
