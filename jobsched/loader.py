"""Which handlers a process has: the composition root of the plug-ins.

Handlers reach a registry through one door, ``load_module``: a module is imported,
then its ``register(registry)`` function (if any) is called and the handlers it
declared with ``@jobsched.handler`` are added. The modules come from, in order:

1. ``BUILTIN_MODULES``, the built-in handlers (the ``handlers`` package);
2. ``HANDLER_MODULES``, import paths (comma-separated);
3. the entry-point group ``jobsched.handlers`` of the installed packages, whose
   values name modules (``reports = "acme_reports.handlers"``).

A module that fails to import, or declares a name twice, stops the process at start
with ``HandlerLoadError`` naming the module: a worker missing half its handlers would
fail every run of the rest.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from importlib.metadata import entry_points

from jobsched.errors import SettingsError
from jobsched.plugins import declared_in
from jobsched.registry import HandlerRegistry

BUILTIN_MODULES = ("handlers",)
ENTRY_POINT_GROUP = "jobsched.handlers"


class HandlerLoadError(SettingsError):
    """A handler module could not be loaded."""


def load_module(registry: HandlerRegistry, path: str, source: str) -> None:
    """Import ``path`` and add its handlers. ``source`` says where it was named."""
    try:
        module = importlib.import_module(path)
    except Exception as exc:
        raise HandlerLoadError(
            f"{source}: cannot import handler module {path!r}: {type(exc).__name__}: {exc}",
            variable="HANDLER_MODULES",
        ) from exc
    try:
        register = getattr(module, "register", None)
        if callable(register):
            register(registry)
        for spec in declared_in(module.__name__):
            if registry.get(spec.name) is not spec:  # a package and its submodule named
                registry.add(spec)
    except ValueError as exc:
        raise HandlerLoadError(
            f"{source}: handler module {path!r}: {exc}", variable="HANDLER_MODULES"
        ) from exc


def load_handlers(
    modules: Iterable[str] = (), *, builtins: bool = True, plugins: bool = True
) -> HandlerRegistry:
    """A registry with the built-ins, ``modules`` and (``plugins``) the entry points."""
    registry = HandlerRegistry()
    if builtins:
        for path in BUILTIN_MODULES:
            load_module(registry, path, "built-in handlers")
    for path in modules:
        load_module(registry, path, "HANDLER_MODULES")
    if plugins:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            load_module(registry, ep.module, f"entry point {ep.name!r} ({ENTRY_POINT_GROUP})")
    return registry


_builtin: HandlerRegistry | None = None
_builtin_lock = threading.Lock()


def builtin_registry() -> HandlerRegistry:
    """The built-in handlers, loaded once per process: what the API knows without the
    catalog (user handlers reach the API only through it, never as imports)."""
    global _builtin
    with _builtin_lock:
        if _builtin is None:
            _builtin = load_handlers(builtins=True, plugins=False)
        return _builtin
