"""The OpenAPI document, the Chalice routes and the models agree: every route is
documented with the status it answers, every operation is served, and each
operation's request, query and response schemas are its models' own.

What the routes actually answer is checked in tests/integration/test_api_contract.py.
"""

from __future__ import annotations

import typing
from typing import Any

import msgspec
import pytest

from app.app import app
from jobsched.api import queries, wire
from jobsched.api.openapi import (
    OPERATIONS,
    REF,
    SERVER,
    Operation,
    documented,
    openapi_document,
)

SPEC = openapi_document()
ROUTES = {
    (path.removeprefix(SERVER), method): entry.view_function
    for path, methods in app.routes.items()
    for method, entry in methods.items()
}


def _op_id(op: Operation) -> str:
    return f"{op.method} {op.path}"


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].rsplit("/", 1)[1]
    return SPEC["components"]["schemas"][name]


def _component(model: type) -> dict[str, Any]:
    """The model's schema as msgspec generates it, on its own (named as the document
    names it: ``WorkerView`` ``Worker``, ``Page[Job]`` ``JobPage``)."""
    (ref,), components = msgspec.json.schema_components([model], ref_template=REF)
    return documented(components[ref["$ref"].rsplit("/", 1)[1]])


def test_every_route_is_documented_and_every_operation_is_served() -> None:
    documented = {(path, method.upper()) for path, ops in SPEC["paths"].items() for method in ops}
    assert documented == set(ROUTES)
    assert len(OPERATIONS) == len(documented), "one operation per route"


@pytest.mark.parametrize("op", OPERATIONS, ids=_op_id)
def test_the_route_answers_the_documented_success_status(op: Operation) -> None:
    route = ROUTES[(op.path, op.method)]
    assert route.success_status == op.status
    responses = SPEC["paths"][op.path][op.method.lower()]["responses"]
    assert [code for code in responses if code.startswith("2")] == [str(op.status)]
    assert route.public == op.public


@pytest.mark.parametrize("op", OPERATIONS, ids=_op_id)
def test_request_and_response_schemas_are_the_models(op: Operation) -> None:
    doc = SPEC["paths"][op.path][op.method.lower()]
    if op.body is None:
        assert "requestBody" not in doc
    else:
        schema = doc["requestBody"]["content"]["application/json"]["schema"]
        assert _resolve(schema) == _component(op.body)
        assert doc["requestBody"]["required"] == op.body_required
    success = doc["responses"][str(op.status)]
    if op.response is None:
        assert "content" not in success, "204 has no body"
        return
    schema = success["content"]["application/json"]["schema"]
    models = op.response if isinstance(op.response, tuple) else (op.response,)
    refs = schema.get("anyOf", [schema])
    for ref, model in zip(refs, models, strict=True):
        if isinstance(model, type) and issubclass(model, msgspec.Struct):
            assert _resolve(ref) == _component(model)


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.query], ids=_op_id)
def test_query_parameters_are_the_query_models_fields(op: Operation) -> None:
    doc = SPEC["paths"][op.path][op.method.lower()]
    documented = {p["name"]: p for p in doc["parameters"] if p["in"] == "query"}
    fields = {f.name: f for f in msgspec.structs.fields(op.query)}
    assert set(documented) == set(fields)
    hints = typing.get_type_hints(op.query, include_extras=True)
    for name, param in documented.items():
        # The parameter's schema is the field's (without null: a parameter is left out).
        expected = msgspec.json.schema(hints[name])
        variants = expected.get("anyOf", [expected])
        non_null = [v for v in variants if v != {"type": "null"}]
        schema = {k: v for k, v in param["schema"].items() if k != "default"}
        assert schema.get("anyOf", [schema]) == non_null, name


def test_path_parameters_match_the_route_template() -> None:
    for op in OPERATIONS:
        doc = SPEC["paths"][op.path][op.method.lower()]
        names = [p["name"] for p in doc.get("parameters", []) if p["in"] == "path"]
        assert names == op.path_params, op.path


def test_only_health_is_public() -> None:
    public = {
        path
        for path, ops in SPEC["paths"].items()
        for op in ops.values()
        if {} in op.get("security", SPEC["security"])  # {}: no key needed
    }
    assert public == {"/health"}


def test_every_operation_documents_its_errors_as_the_error_shape() -> None:
    error = {"$ref": REF.format(name="Error")}
    assert _resolve(error) == _component(wire.Error)
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            for code, response in op["responses"].items():
                if code.startswith("4") or (code == "503" and path != "/health"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error, (path, method, code)
            if path != "/health":
                assert "401" in op["responses"], (path, method)


def test_a_batch_trigger_is_documented_as_a_page_of_executions() -> None:
    """The hand-written document said one execution; a batch answers a page."""
    schema = SPEC["paths"]["/jobs/{job_id}/trigger"]["post"]["responses"]["202"]
    refs = schema["content"]["application/json"]["schema"]["anyOf"]
    assert [r["$ref"].rsplit("/", 1)[1] for r in refs] == ["Execution", "ExecutionPage"]


def test_every_reference_resolves() -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    names = set(SPEC["components"]["schemas"])
    assert {r.rsplit("/", 1)[1] for r in refs(SPEC)} <= names


def test_the_documented_job_sorts_are_the_ones_the_store_orders_by() -> None:
    from jobsched.store.postgres import JOB_SORTS

    assert set(typing.get_args(queries.JobSort)) == set(JOB_SORTS)


def test_a_view_model_keeps_its_nouns_name_in_the_document() -> None:
    """Clients (and generated SDKs) see ``Job``, ``Execution``, ``DeadLetter``... (the
    domain's own models), ``Worker`` and ``Handler`` (``WorkerView``, ``HandlerView``)
    and ``JobPage``, ``AuditPage``... (``Page[Job]``, ``Page[AuditEntry]``)."""
    names = set(SPEC["components"]["schemas"])
    assert {"Job", "Execution", "Attempt", "DeadLetter", "Worker", "Handler"} <= names
    assert {"AuditEntry", "ApiKey"} <= names
    assert not [name for name in names if name.endswith("View")]
    assert "View" not in str(SPEC)
    assert {"JobPage", "ExecutionPage", "DeadLetterPage", "AuditPage", "KeyPage"} <= names
    assert not [name for name in names if "[" in name or name.startswith("Page")]
