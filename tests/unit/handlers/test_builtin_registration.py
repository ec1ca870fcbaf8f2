from __future__ import annotations

import pytest

from handlers import register_builtins
from jobsched.registry import HandlerRegistry

BUILTINS = [
    "http.webhook",
    "shell.command",
    "system.cleanup",
    "test.delay",
    "test.echo",
    "test.log",
]


def test_register_builtins_adds_exactly_the_six_handlers() -> None:
    registry = HandlerRegistry()
    register_builtins(registry)
    assert registry.names() == BUILTINS
    for name in BUILTINS:
        handler = registry.get(name)
        assert handler is not None
        assert handler.description, f"{name} has no description"


def test_registering_twice_is_refused() -> None:
    registry = HandlerRegistry()
    register_builtins(registry)
    with pytest.raises(ValueError, match=r"already registered"):
        register_builtins(registry)


@pytest.mark.parametrize("name", ["http.webhook", "shell.command", "system.cleanup", "test.log"])
def test_a_payload_that_is_not_an_object_is_refused(name: str) -> None:
    from jobsched.settings import Settings

    registry = HandlerRegistry()
    register_builtins(registry)
    handler = registry.get(name)
    assert handler is not None
    assert handler.validate([], Settings()) == {"payload": "must be a JSON object"}  # type: ignore[arg-type]
