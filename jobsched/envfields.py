"""Typed settings objects over the environment: the machinery the three of them share.

``jobsched.settings.Settings`` (the core), ``jobsched.handler_settings.HandlerSettings``
(what the built-in handlers read) and ``infra.local.settings.LocalStackSettings`` (the
local stack's ports and processes) are frozen dataclasses whose fields name their
variable and meaning; ``from_env`` reads them and a bad value stops start-up with an
error naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import field, fields
from typing import Any, Self

from jobsched.errors import SettingsError

POOL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
"""Pool names go into Redis keys and CloudFormation names: short, lower case."""


def env_field(name: str, help_: str, **kwargs: Any) -> Any:
    """A field read from the variable ``name``; ``help_`` is its meaning in the README."""
    return field(metadata={"env": name, "help": help_}, **kwargs)


class EnvSettings:
    """Base of a frozen dataclass of ``env_field``s."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            raw = environ.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = parse(name, raw, f.default)
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raises ``SettingsError`` naming the variable of a value out of bounds."""

    def environment(self) -> dict[str, str]:
        """These settings as the variables ``from_env`` reads back."""
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            env[f.metadata["env"]] = ",".join(value) if isinstance(value, tuple) else str(value)
        return env

    @classmethod
    def rows(cls) -> list[tuple[str, str, str]]:
        """(variable, default, meaning) rows, for the README and ``jobsched settings``."""
        out = []
        for f in fields(cls):
            default = f.default
            shown = ",".join(default) if isinstance(default, tuple) else str(default)
            out.append((f.metadata["env"], shown, f.metadata["help"]))
        return out


def parse(name: str, raw: str, default: Any) -> Any:
    """``raw`` as the type of ``default``; a bad value names the variable."""
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        kind = type(default).__name__
        raise SettingsError(f"{name} must be a {kind}, got {raw!r}", variable=name) from None
    return raw


def must_be_positive(values: Mapping[str, float]) -> None:
    for name, value in values.items():
        if value <= 0:
            raise SettingsError(f"{name} must be greater than 0, got {value!r}", variable=name)


def must_not_be_negative(values: Mapping[str, float]) -> None:
    for name, value in values.items():
        if value < 0:
            raise SettingsError(f"{name} must not be negative", variable=name)


def pool_values(entries: tuple[str, ...], variable: str) -> dict[str, str]:
    """``pool:value`` entries as a dict; a malformed one names the variable."""
    out: dict[str, str] = {}
    for entry in entries:
        pool, sep, value = entry.partition(":")
        pool, value = pool.strip(), value.strip()
        if not sep or not POOL_NAME.match(pool) or not value:
            raise SettingsError(f"{variable}: {entry!r} is not pool:value", variable=variable)
        out[pool] = value
    return out
