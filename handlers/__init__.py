"""Built-in job handlers. ``register`` adds them all to a registry.

They reach the worker and the API the way a user's handlers do: ``jobsched.loader``
imports this module by name and calls ``register``; the core never imports it.
"""

from __future__ import annotations

from jobsched.registry import HandlerRegistry


def register_builtins(registry: HandlerRegistry) -> None:
    from handlers import cleanup, shell, testing, webhook

    for module in (webhook, shell, testing, cleanup):
        module.register(registry)


register = register_builtins
