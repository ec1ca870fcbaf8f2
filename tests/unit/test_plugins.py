"""Loading the user's handlers: HANDLER_MODULES, entry points, the built-ins, schemas."""

from __future__ import annotations

import pytest

from jobsched import handler
from jobsched.domain.validation import validate_job_create
from jobsched.errors import ValidationError
from jobsched.loader import HandlerLoadError, load_handlers
from jobsched.settings import Settings

BUILTINS = {"http.webhook", "shell.command", "test.echo", "test.delay", "test.log"}


def test_the_built_ins_and_handler_modules_load_through_one_door() -> None:
    registry = load_handlers(["tests.plugins.sample"], plugins=False)
    assert set(registry.names()) >= BUILTINS
    add = registry.get("sample.add")
    assert add is not None
    assert add.describe() == {
        "name": "sample.add",
        "description": "Adds a and b.",
        "schema": add.schema,
        "pool": "default",
        "isolation": "thread",
        "overridable": [],  # none declared: any override needs an admin key
        "flow": None,  # no flow-control defaults
    }
    assert registry.get("sample.spin").isolation == "process"
    assert registry.get("sample.pid").description == (
        "Returns the process it ran in (and, as a workflow step, its upstream results)."
    )


def test_only_the_built_ins_without_handler_modules() -> None:
    registry = load_handlers(plugins=False)
    assert not [n for n in registry.names() if n.startswith("sample.")]


def test_a_module_that_fails_to_import_stops_loading_naming_it() -> None:
    with pytest.raises(HandlerLoadError) as caught:
        load_handlers(["tests.plugins.broken"], plugins=False)
    assert "HANDLER_MODULES" in caught.value.message
    assert "'tests.plugins.broken'" in caught.value.message
    assert "a_module_that_does_not_exist" in caught.value.message


def test_a_module_not_found_is_named() -> None:
    with pytest.raises(HandlerLoadError, match=r"'no_such_pkg\.tasks'"):
        load_handlers(["no_such_pkg.tasks"], plugins=False)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"isolation": "fiber"}, "isolation must be one of thread, process"),
        ({"pool": "Reports!"}, "pool 'Reports!' must match"),
        ({"schema": {"type": "no-such-type"}}, "invalid payload schema"),
        ({"schema": ["not", "an", "object"]}, "schema must be a JSON Schema object"),
        ({"name": "two, names"}, "handler name 'two, names' must match"),
        ({"name": ""}, "handler name '' must match"),
    ],
)
def test_a_bad_declaration_fails_at_import(kwargs: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        handler(kwargs.pop("name", "bad.one"), **kwargs)


def test_the_payload_is_checked_against_the_schema_naming_each_field() -> None:
    registry = load_handlers(["tests.plugins.sample"], plugins=False)
    settings = Settings()
    body = {"name": "sum", "handler": "sample.add", "payload": {"a": "one", "c": 1}}
    with pytest.raises(ValidationError) as caught:
        validate_job_create(body, registry, settings)
    fields = caught.value.fields
    assert fields["payload.a"] == "'one' is not of type 'integer'"
    assert fields["payload.b"] == "is required"
    assert "payload" in fields  # additionalProperties: 'c' was unexpected
    good = {"name": "sum", "handler": "sample.add", "payload": {"a": 1, "b": 2}}
    assert validate_job_create(good, registry, settings)["payload"] == {"a": 1, "b": 2}


def test_a_handler_declares_the_payload_fields_a_trigger_may_override() -> None:
    """Issue 20: overrides by an operate key are a declared right."""

    def fn(payload: dict, ctx: object) -> None:
        return None

    handler("mine.report", overridable=("day", "format"))(fn)
    from jobsched.plugins import declared_in

    (spec,) = [h for h in declared_in(fn.__module__) if h.name == "mine.report"]
    assert spec.overridable == ("day", "format")
    assert spec.describe()["overridable"] == ["day", "format"]
    with pytest.raises(ValueError, match="overridable"):
        handler("mine.bad", overridable="day")  # a string is not a tuple of names
    with pytest.raises(ValueError, match="system handlers"):
        handler("system.mine", overridable=("anything",))
