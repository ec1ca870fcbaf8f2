"""The OpenAPI document, the Chalice routes and the models agree: every route is
documented with the status it answers, every operation is served, and each
operation's request, query and response schemas are its models' own (in the source
document; the served one is shaped for client generators, checked rule by rule below).

What the routes actually answer is checked in tests/integration/test_api_contract.py.
"""

from __future__ import annotations

import re
import typing
from typing import Any

import msgspec
import pytest

from app.app import app
from jobsched.api import queries, wire
from jobsched.api.for_generators import request_components
from jobsched.api.openapi import (
    OPERATIONS,
    REF,
    SERVER,
    Operation,
    documented,
    openapi_document,
    source_document,
    statuses,
)

SPEC = openapi_document()
SOURCE = source_document()
ROUTES = {
    (path.removeprefix(SERVER), method): entry.view_function
    for path, methods in app.routes.items()
    for method, entry in methods.items()
}


def _op_id(op: Operation) -> str:
    return f"{op.method} {op.path}"


def _resolve(schema: dict[str, Any], doc: dict[str, Any] = SOURCE) -> dict[str, Any]:
    name = schema["$ref"].rsplit("/", 1)[1]
    return doc["components"]["schemas"][name]


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
    doc = SOURCE["paths"][op.path][op.method.lower()]
    if op.body is None:
        assert "requestBody" not in doc
    else:
        schema = doc["requestBody"]["content"]["application/json"]["schema"]
        assert _resolve(schema) == _component(op.body)
        assert doc["requestBody"]["required"] == op.body_required
    success = doc["responses"][str(op.status)]
    if op.text:
        assert list(success["content"]) == ["text/plain"], "text only: one media type"
        return
    if op.response is None:
        assert "content" not in success, "204 has no body"
        return
    schema = success["content"]["application/json"]["schema"]
    models = op.response if isinstance(op.response, tuple) else (op.response,)
    refs = schema.get("oneOf", [schema])
    for ref, model in zip(refs, models, strict=True):
        if isinstance(model, type) and issubclass(model, msgspec.Struct):
            assert _resolve(ref) == _component(model)


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.query], ids=_op_id)
def test_query_parameters_are_the_query_models_fields(op: Operation) -> None:
    doc = SOURCE["paths"][op.path][op.method.lower()]
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
        # A parameter the model cannot do without (GET /flow's job_id) is required.
        assert param["required"] == fields[name].required, name


def test_path_parameters_match_the_route_template() -> None:
    for op in OPERATIONS:
        doc = SPEC["paths"][op.path][op.method.lower()]
        names = [p["name"] for p in doc.get("parameters", []) if p["in"] == "path"]
        assert names == op.path_params, op.path


def test_only_health_and_the_document_are_public() -> None:
    """The document too: client generators read it from its URL, without a key. Each
    operation states its security (openapi-python-client reads no other)."""
    security = {(path, method): op["security"] for path, method, op in _operations()}
    public = {where for where, needs in security.items() if needs == []}
    assert public == {("/health", "get"), ("/openapi.json", "get")}
    assert {str(needs) for where, needs in security.items() if where not in public} == {
        str([{"bearer": []}])
    }
    # /health reads a key when one is sent: a wrong one is a 401.
    assert "401" in SPEC["paths"]["/health"]["get"]["responses"]


def test_every_operation_documents_its_errors_as_the_error_shape() -> None:
    error = {"$ref": REF.format(name="ErrorResponse")}
    assert _resolve(error) == _component(wire.ErrorResponse)
    assert _resolve(error, SPEC)["required"] == ["error"]
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            for code, response in op["responses"].items():
                if code.startswith("4") or (code == "503" and path != "/health"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error, (path, method, code)
            if path not in ("/health", "/openapi.json"):
                assert "401" in op["responses"], (path, method)


def test_a_batch_trigger_is_documented_as_a_page_of_executions() -> None:
    """The hand-written document said one execution; a batch answers a page."""
    schema = SPEC["paths"]["/jobs/{job_id}/trigger"]["post"]["responses"]["202"]
    refs = schema["content"]["application/json"]["schema"]["oneOf"]
    assert [r["$ref"].rsplit("/", 1)[1] for r in refs] == ["Execution", "ExecutionPage"]


def test_every_reference_resolves() -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            # KeyRef's property named "$ref" holds a schema, not a reference.
            own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
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


# ------------------------------------------------------- shaped for client generators


def _nodes(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every mapping in ``node`` with where it sits."""
    if isinstance(node, dict):
        own = [(where, node)]
        return own + [n for k, v in node.items() for n in _nodes(v, f"{where}/{k}")]
    if isinstance(node, list):
        return [n for i, v in enumerate(node) for n in _nodes(v, f"{where}/{i}")]
    return []


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, m, op) for path, ops in SPEC["paths"].items() for m, op in ops.items()]


def test_every_operation_has_a_unique_camel_case_operation_id_and_a_tag() -> None:
    ids = [op["operationId"] for _, _, op in _operations()]
    assert len(ids) == len(set(ids)) == len(OPERATIONS)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)+", i) for i in ids), ids
    tags = {tag for _, _, op in _operations() for tag in op["tags"]}
    assert tags == {
        "jobs",
        "executions",
        "dlq",
        "workflows",
        "flow",
        "calendars",
        "system",
        "audit",
        "keys",
    }
    assert SPEC["paths"]["/jobs"]["post"]["operationId"] == "createJob"
    assert SPEC["paths"]["/jobs/{job_id}/trigger"]["post"]["operationId"] == "triggerJob"


def test_a_free_form_object_says_so() -> None:
    """``{"type": "object"}`` alone is ``Record<string, never>`` to openapi-typescript."""
    closed = [
        where
        for where, node in _nodes(SPEC)
        if node.get("type") == "object"
        and not {"properties", "additionalProperties", "patternProperties"} & set(node)
    ]
    assert closed == []
    payload = SPEC["components"]["schemas"]["JobCreate"]["properties"]["payload"]
    assert payload["additionalProperties"] == {}


def test_request_schemas_carry_no_default_and_no_field_with_one_is_required() -> None:
    """openapi-typescript makes a field with a default required; the Python client
    sends it: the server applies defaults, the description states them."""
    schemas = SPEC["components"]["schemas"]
    for name in request_components(SPEC):
        defaults = [where for where, node in _nodes(schemas[name]) if "default" in node]
        assert defaults == [], name
        source = SOURCE["components"]["schemas"].get(name, {})
        with_default = {k for k, v in source.get("properties", {}).items() if "default" in v}
        assert not with_default & set(schemas[name].get("required", [])), name
    for _, _, op in _operations():
        for param in op.get("parameters", []):
            assert "default" not in param["schema"], param["name"]
    priority = schemas["JobCreate"]["properties"]["priority"]
    assert "Default (applied by the server): 50." in priority["description"]
    assert set(schemas["JobCreate"]["required"]) == {"name", "handler"}


def test_every_closed_set_is_a_named_enum_component_with_its_type() -> None:
    schemas = SPEC["components"]["schemas"]
    inline = [
        where
        for where, node in _nodes(SPEC)
        if "enum" in node and not re.fullmatch(r"/components/schemas/\w+", where)
    ]
    assert inline == []
    for name, schema in schemas.items():
        if "enum" in schema:
            assert schema["type"] == "string" and schema["title"] == name, name
    props = {n: s.get("properties", {}) for n, s in schemas.items()}
    assert props["Attempt"]["outcome"]["anyOf"][0] == {"$ref": REF.format(name="AttemptOutcome")}
    assert props["Execution"]["source"] == {"$ref": REF.format(name="ExecutionSource")}
    assert props["Execution"]["status"] == {"$ref": REF.format(name="ExecutionStatus")}
    assert props["ErrorDetail"]["code"] == {"$ref": REF.format(name="ErrorCode")}
    assert "request_too_long" in schemas["ErrorCode"]["enum"]
    sort = next(p for p in SPEC["paths"]["/jobs"]["get"]["parameters"] if p["name"] == "sort")
    assert sort["schema"]["$ref"] == REF.format(name="JobSort")


def test_ids_the_api_makes_are_uuids_everywhere() -> None:
    schemas = SPEC["components"]["schemas"]
    uuid = {"type": "string", "format": "uuid"}
    for model, field in [
        ("Job", "id"),
        ("Execution", "id"),
        ("Execution", "job_id"),
        ("DeadLetter", "id"),
        ("DeadLetter", "execution_id"),
        ("Workflow", "id"),
        ("WorkflowRun", "id"),
        ("WorkflowRun", "workflow_id"),
        ("ApiKey", "id"),
    ]:
        assert schemas[model]["properties"][field] == uuid, (model, field)
    for path, _, op in _operations():
        for param in op.get("parameters", []):
            if param["in"] == "path" and param["name"].endswith("_id"):
                assert param["schema"] == uuid, (path, param["name"])


def test_input_times_are_not_typed_date_time_since_they_may_have_no_offset() -> None:
    """``format: date-time`` requires an offset; the API also takes a time without one
    (UTC)."""
    schemas = SPEC["components"]["schemas"]
    inputs = [schemas[name] for name in request_components(SPEC)]
    inputs += [p for _, _, op in _operations() for p in op.get("parameters", [])]
    typed = [n for schema in inputs for _, n in _nodes(schema) if n.get("format") == "date-time"]
    assert typed == []
    run_at = schemas["Trigger"]["properties"]["run_at"]
    assert "without one (then UTC)" in run_at["description"]


@pytest.mark.parametrize("op", OPERATIONS, ids=_op_id)
def test_every_status_an_operation_may_answer_is_documented_with_the_error_shape(
    op: Operation,
) -> None:
    """What any request may get (a malformed request 400, an over-long one 414, a
    non-JSON Content-Type 415, a dependency down 503), what a key may get (401, 429;
    403 below admin... the scope), and what the handler raises."""
    responses = SPEC["paths"][op.path][op.method.lower()]["responses"]
    expected = {400, 414, 415, 503, *op.errors}
    if not op.public:
        expected |= {401, 429} | ({403} if op.needs != "read" else set())
    assert expected <= {int(code) for code in responses}
    assert set(statuses(op)) | set(op.also) == expected
    for code in expected - set(op.also):
        schema = responses[str(code)]["content"]["application/json"]["schema"]
        assert schema == {"$ref": REF.format(name="ErrorResponse")}, code


def test_the_prometheus_form_is_its_own_text_operation() -> None:
    metrics = SPEC["paths"]["/metrics"]["get"]
    assert list(metrics["responses"]["200"]["content"]) == ["application/json"]
    text = SPEC["paths"]["/metrics/prometheus"]["get"]
    assert text["operationId"] == "getMetricsPrometheus"
    assert list(text["responses"]["200"]["content"]) == ["text/plain"]


def test_every_error_code_answered_is_in_the_documented_enum() -> None:
    """A client switches on error.code: every code the core, Chalice's answers and the
    local front door give is a member of ErrorCode."""
    from app.app import CHALICE_ERROR_CODES
    from infra.local import passthrough
    from jobsched.errors import JobSchedulerError

    def codes(cls: type[JobSchedulerError]) -> set[str]:
        return {cls.code}.union(*(codes(sub) for sub in cls.__subclasses__()))

    answered = codes(JobSchedulerError) | set(CHALICE_ERROR_CODES.values())
    answered |= {
        passthrough.TOO_LONG["error"]["code"],
        passthrough.UNSUPPORTED_MULTIPART["error"]["code"],
        passthrough._bad_request("")["error"]["code"],
    }
    assert answered <= set(SPEC["components"]["schemas"]["ErrorCode"]["enum"])


def test_the_error_shape_is_not_named_like_its_own_field() -> None:
    """A component ``Error`` with a field ``error``: openapi-python-client's
    ``Error.from_dict`` names a local ``error`` like the field, and mypy --strict fails
    on the generated model. The body keeps its shape: ``{"error": {...}}``."""
    schemas = SPEC["components"]["schemas"]
    assert "Error" not in schemas
    error = schemas["ErrorResponse"]
    assert error["title"] == "ErrorResponse"
    assert error["required"] == ["error"]
    assert error["properties"] == {"error": {"$ref": REF.format(name="ErrorDetail")}}
    assert error["additionalProperties"] is False


def test_a_job_and_a_workflow_answer_their_controls_and_steps_typed() -> None:
    """What a job or a workflow is sent with comes back in the same shape (stored as
    sent): the answer names the request's components, not free-form objects."""
    props = {n: s.get("properties", {}) for n, s in SPEC["components"]["schemas"].items()}
    for field, name in [
        ("concurrency", "ConcurrencyControl"),
        ("rate", "RateControl"),
        ("debounce", "DebounceControl"),
        ("singleton", "SingletonControl"),
        ("spread", "SpreadControl"),
    ]:
        variants = props["Job"][field]["anyOf"]
        assert variants == [{"$ref": REF.format(name=name)}, {"type": "null"}], field
    steps = props["Workflow"]["steps"]
    assert steps["type"] == "array"
    assert steps["items"] == {"$ref": REF.format(name="WorkflowStep")}


def _response_components() -> set[str]:
    """The components an answer may hold (transitively), but no request body."""
    schemas = SPEC["components"]["schemas"]
    found: set[str] = set()
    todo = {
        r["$ref"].rsplit("/", 1)[1]
        for _, _, op in _operations()
        for response in op["responses"].values()
        for _, r in _nodes(response)
        if isinstance(r.get("$ref"), str)
    }
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        todo |= {
            r["$ref"].rsplit("/", 1)[1]
            for _, r in _nodes(schemas[name])
            if isinstance(r.get("$ref"), str)
        }
    return found - request_components(SPEC)


def test_every_field_an_answer_always_sends_is_required() -> None:
    """msgspec sends every field of an answer's model, defaults included (none sets
    omit_defaults); a field left out only when unset (``Job.executions``) has no
    default. A generator makes an optional field ``T | Unset``: each caller would
    check for a field that is always there."""
    schemas = SPEC["components"]["schemas"]
    source = SOURCE["components"]["schemas"]
    responses = _response_components()
    assert {"Execution", "FlowItem", "Handler", "NextRun", "Job"} <= responses
    for name in responses:
        props = source.get(name, {}).get("properties", {})
        always = {field for field, schema in props.items() if "default" in schema}
        missing = always - set(schemas[name].get("required", []))
        assert not missing, (name, missing)
        defaults = [where for where, node in _nodes(schemas[name]) if "default" in node]
        assert defaults == [], name
    execution = set(schemas["Execution"]["required"])
    assert {
        "concurrency_key",
        "concurrency_limit",
        "rate_key",
        "rate_limit",
        "rate_period_ms",
    } <= execution
    assert {"limited_by", "next_start_at"} <= set(schemas["FlowItem"]["required"])
    assert "flow" in schemas["Handler"]["required"]
    assert "reason" in schemas["NextRun"]["required"]
    # Left out unless asked for: not required.
    assert "executions" not in schemas["Job"]["required"]


def test_a_component_both_sent_and_answered_is_split_by_its_defaults() -> None:
    """A job's rate comes back with its mode (always sent: required) but is sent
    without one (the server's default: optional), as a workflow's steps."""
    schemas = SPEC["components"]["schemas"]
    assert "mode" in schemas["RateControl"]["required"]
    assert "mode" not in schemas["RateControlInput"]["required"]
    assert {"after", "when", "priority", "rate"} <= set(schemas["WorkflowStep"]["required"])
    assert set(schemas["WorkflowStepInput"]["required"]) == {"id", "handler"}
    create = schemas["JobCreate"]["properties"]["rate"]["anyOf"][0]
    assert create == {"$ref": REF.format(name="RateControlInput")}
    step = schemas["WorkflowStepInput"]["properties"]["rate"]["anyOf"][0]
    assert step == {"$ref": REF.format(name="RateControlInput")}
    inputs = request_components(SPEC)
    assert not {"RateControl", "WorkflowStep", "ConcurrencyControl"} & inputs


def test_a_key_reference_is_an_object_with_only_its_ref() -> None:
    """``{"$ref": "payload.<path>"}`` and nothing else (the request model refuses any
    other field): a generator gets a model with one required field."""
    key_ref = SPEC["components"]["schemas"]["KeyRef"]
    assert key_ref["type"] == "object"
    assert key_ref["required"] == ["$ref"]
    assert key_ref["additionalProperties"] is False
    ref = key_ref["properties"]["$ref"]
    assert ref["type"] == "string"
    assert "payload." in ref["description"]


def test_a_job_update_end_at_says_once_that_an_offset_is_optional() -> None:
    """The inner description said "no offset: UTC" under an outer one allowing an
    offset: the API takes a time with or without one."""
    end_at = SPEC["components"]["schemas"]["JobUpdate"]["properties"]["end_at"]
    texts = [node["description"] for _, node in _nodes(end_at) if "description" in node]
    assert not [t for t in texts if "no offset" in t], texts
    assert any("without one (then UTC)" in t for t in texts), texts


def test_the_trigger_answers_are_told_apart_by_their_required_fields() -> None:
    """One execution or a page of them: exactly one of the two matches any answer
    (``id`` only on an execution, ``items`` only on a page, no other field allowed)."""
    response = SPEC["paths"]["/jobs/{job_id}/trigger"]["post"]["responses"]["202"]
    schema = response["content"]["application/json"]["schema"]
    names = [r["$ref"].rsplit("/", 1)[1] for r in schema["oneOf"]]
    assert names == ["Execution", "ExecutionPage"]
    schemas = SPEC["components"]["schemas"]
    execution, page = schemas["Execution"], schemas["ExecutionPage"]
    assert "id" in execution["required"] and "id" not in page["properties"]
    assert "items" in page["required"] and "items" not in execution["properties"]
    assert execution["additionalProperties"] is False and page["additionalProperties"] is False
    assert '"runs"' in response["description"]
