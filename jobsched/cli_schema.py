"""The CLI's choices, ranges and defaults, read from the API's OpenAPI document
(``jobsched.api.openapi``) so that they are written once, in the API's models: a new
overlap policy or a wider priority range shows in ``jobsched jobs create --help``
without touching the CLI."""

from __future__ import annotations

from typing import Any

from jobsched.api.openapi import source_document


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A field's schema without its ``null`` alternative (an option is given or left out)."""
    variants = [v for v in schema.get("anyOf", [schema]) if v != {"type": "null"}]
    plain = dict(variants[0]) if len(variants) == 1 else {"anyOf": variants}
    if "default" in schema:
        plain["default"] = schema["default"]
    return plain


def body_field(model: str, name: str) -> dict[str, Any]:
    """The schema of field ``name`` of request body ``model`` (``JobCreate``)."""
    schemas = source_document()["components"]["schemas"]
    return _plain(schemas[model]["properties"][name])


def query_parameter(path: str, name: str) -> dict[str, Any]:
    """The schema of query parameter ``name`` of ``GET path``."""
    for parameter in source_document()["paths"][path]["get"].get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] == name:
            return _plain(parameter["schema"])
    raise KeyError(f"GET {path} has no query parameter {name}")


def choices(schema: dict[str, Any]) -> tuple[str, ...]:
    """The values an enum field takes, in the document's order."""
    return tuple(schema["enum"])


def _either(values: tuple[str, ...]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def described(schema: dict[str, Any], about: str | None = None) -> str | None:
    """An option's help: what it is (``about``), then its choices or range and its
    default, as the API states them."""
    parts = [about] if about else []
    if "enum" in schema:
        parts.append(_either(choices(schema)))
    if "minimum" in schema and "maximum" in schema:
        parts.append(f"{schema['minimum']}-{schema['maximum']}")
    text = "; ".join(parts)
    if schema.get("default") not in (None, {}, ""):
        text = f"{text} (default {schema['default']})".strip()
    return text or None
