"""Built-in job handlers. ``register_builtins`` adds them all to a registry."""

from __future__ import annotations

from jobsched.registry import HandlerRegistry


def register_builtins(registry: HandlerRegistry) -> None:
    from handlers import cleanup, shell, testing, webhook

    for module in (webhook, shell, testing, cleanup):
        module.register(registry)
