"""The OpenAPI 3.1 document the API serves at /api/v1/openapi.json, generated.

Each operation names its models (request bodies in ``jobsched.domain.contract``, the
rest in ``jobsched.api.wire``); their schemas come from msgspec, so the document says
exactly what the models accept and return.
``tests/unit/test_openapi.py`` checks the operations against the Chalice routes
(every route documented, with its success status; every operation served), and
``tests/integration/test_api_contract.py`` calls each one and checks its answers.
"""

from __future__ import annotations

import re
import types
import typing
from functools import cache
from typing import Any

import msgspec

from jobsched.api import wire as w
from jobsched.api.for_generators import for_generators
from jobsched.api.operations import OPERATIONS, Operation, scope_of

__all__ = ["OPERATIONS", "Operation", "openapi_document", "scope_of", "source_document"]

SERVER = "/api/v1"
REF = "#/components/schemas/{name}"


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _one_of(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


ERRORS = {
    400: "bad input (the body names each bad field) or a malformed HTTP request",
    401: "no key, or one that is not valid",
    403: "the key's scope is too small (required_scope names the one needed)",
    404: "not found",
    409: "refused in the current state",
    414: "the request line and headers are too long",
    415: "a Content-Type other than application/json",
    429: "the key is over its rate limit",
    503: "a dependency is unavailable, or a statement took too long",
}
"""What each error status means; every one answers the error shape."""
ANY_REQUEST = (400, 414, 415, 503)
"""What any request may be answered: malformed HTTP (a Content-Length that is not a
number), a head too long for the gateway, a Content-Type other than JSON (Chalice
checks it on every route, with or without a body), PostgreSQL or Redis not answering."""


def _path_schema(name: str) -> dict[str, Any]:
    # Every id the API makes is a UUID (the tables' primary keys); calendars go by name.
    return {"type": "string", "format": "uuid"} if name.endswith("_id") else {"type": "string"}


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = [
        {"name": p, "in": "path", "required": True, "schema": _path_schema(p)}
        for p in op.path_params
    ]
    params += [
        {
            "name": name,
            "in": "header",
            "required": False,
            "description": about,
            "schema": {"type": "string", "maxLength": 200},
        }
        for name, about in op.headers.items()
    ]
    if op.query is None:
        return params
    hints = typing.get_type_hints(op.query, include_extras=True)
    for f in msgspec.structs.fields(op.query):
        tp = hints[f.name]
        union = typing.get_origin(tp) in (typing.Union, types.UnionType)
        # A query parameter is absent or a value, never null.
        members = [m for m in (typing.get_args(tp) if union else (tp,)) if m is not type(None)]
        schema = _one_of([msgspec.json.schema(m) for m in members])
        if f.default not in (None, msgspec.NODEFAULT):
            schema["default"] = f.default
        params.append({"name": f.name, "in": "query", "required": f.required, "schema": schema})
    return params


def statuses(op: Operation) -> list[int]:
    """Every error status ``op`` may answer (each with the error shape)."""
    # Any key may be over its limit (429); only a key of too little scope is refused (403).
    keyed = () if op.public else (401, 429) if op.needs == "read" else (401, 403, 429)
    return sorted({*op.errors, *keyed, *ANY_REQUEST} - set(op.also))


def _operation(op: Operation, schema: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.text:
        text = {"text/plain": {"schema": {"type": "string", "description": op.text}}}
        responses[str(op.status)] = {"description": "ok", "content": text}
    elif op.response is None:
        responses[str(op.status)] = {"description": "done"}
    else:
        models = op.response if isinstance(op.response, tuple) else (op.response,)
        # oneOf: each model refuses the other's fields (additionalProperties: false)
        # and requires its own, so exactly one matches an answer.
        one = [schema[m] for m in models]
        responses[str(op.status)] = {
            "description": op.answers,
            **_json(one[0] if len(one) == 1 else {"oneOf": one}),
        }
    for status, model in op.also.items():
        responses[str(status)] = {"description": "see the body", **_json(schema[model])}
    for status in statuses(op):
        responses[str(status)] = {"description": ERRORS[status], **_json(schema[w.ErrorResponse])}
    if "429" in responses:
        responses["429"]["headers"] = {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        }
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "tags": [op.tag],
        "summary": op.summary,
        "responses": responses,
    }
    if not op.public:
        doc["description"] = f"Needs a key of scope {op.needs} or above."
    if parameters := _parameters(op):
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required, **_json(schema[op.body])}
    # Stated on each operation: openapi-python-client reads only an operation's own
    # security (a key required: its AuthenticatedClient; none: any client). /health reads
    # a key when one is sent (its description and 401 say so), but needs none: [] there,
    # since [{}, {"bearer": []}] would have generated clients demand one.
    doc["security"] = [] if op.public else [{"bearer": []}]
    return doc


def _models() -> list[Any]:
    found: list[Any] = [w.ErrorResponse]
    for op in OPERATIONS:
        response = op.response if isinstance(op.response, tuple) else (op.response,)
        found += [m for m in (*response, *op.also.values(), op.body) if m is not None]
    return list(dict.fromkeys(found))


VIEW = "View"
"""The suffix of a wire Struct named after what the queue or the catalog gives
(``jobsched.api.wire``: ``WorkerView``, ``HandlerView``)."""
GENERIC = re.compile(r"^(\w+)_(\w+)_$|^(\w+)\[(\w+)\]$")
"""msgspec's name of a generic model's component (``Page_Job_``) or its title
(``Page[Job]``)."""
LISTED_AS = {"AuditEntry": "Audit", "ApiKey": "Key"}
"""A page's name where it is not its item's (``AuditPage``, ``KeyPage``)."""


def _noun(name: str) -> str:
    """The document's name of a model: ``WorkerView`` is the API's ``Worker``, and a
    ``Page[Job]`` is a ``JobPage``, as they always were."""
    if found := GENERIC.match(name):
        generic, item = found.group(1) or found.group(3), found.group(2) or found.group(4)
        return f"{LISTED_AS.get(item, _noun(item))}{generic}"
    return name.removesuffix(VIEW)


def documented(node: Any) -> Any:
    """``node`` with each reference to and title of a model renamed as ``_noun`` says."""
    if isinstance(node, list | tuple):
        return [documented(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: documented(value) for key, value in node.items()}
    if isinstance(ref := out.get("$ref"), str) and ref.startswith(REF.format(name="")):
        out["$ref"] = REF.format(name=_noun(ref.removeprefix(REF.format(name=""))))
    if isinstance(title := out.get("title"), str):
        out["title"] = _noun(title)
    return out


KEY_REF_PATTERN = r"^payload(\.[^.]+)+$"
"""What ``flow.ref_problem`` accepts of a key reference: ``payload.`` and a dotted path."""


def _key_ref(schema: dict[str, Any]) -> dict[str, Any]:
    """A flow key's ``{"$ref": "payload.<path>"}``: its one property, required, with the
    path's pattern (the model checks it in code, naming the field)."""
    out = dict(schema)
    ref = dict(out["properties"]["$ref"])
    ref["pattern"] = KEY_REF_PATTERN
    ref["description"] = "payload.<path>: the run's payload field (dotted path) giving its key"
    out["properties"] = {"$ref": ref}
    out["additionalProperties"] = False
    return out


@cache
def openapi_document() -> dict[str, Any]:
    """The document the API serves and ``make openapi`` writes: ``source_document``
    shaped for client generators (``jobsched.api.for_generators``)."""
    return for_generators(source_document())


@cache
def source_document() -> dict[str, Any]:
    """Each operation with its models' schemas as msgspec states them (request
    defaults, inline enums): what the CLI reads its choices and defaults from."""
    models = _models()
    refs, components = msgspec.json.schema_components(models, ref_template=REF)
    schema = dict(zip(models, documented(refs), strict=True))
    components = {_noun(name): documented(model) for name, model in components.items()}
    if "KeyRef" in components:
        components["KeyRef"] = _key_ref(components["KeyRef"])
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schema)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Job Scheduler API", "version": "1"},
        "servers": [{"url": SERVER}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": components,
        },
        "paths": paths,
    }
