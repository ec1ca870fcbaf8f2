"""Job Scheduler core: pure Python, no AWS types.

Everything AWS-shaped (the Chalice app, Lambda handlers, the local cloud) is an
adapter over the modules in this package. Your own handlers use the public API
re-exported here (``from jobsched import handler, RetryLater, FailNow``; see
``jobsched.plugins``), loaded on first use so importing the package stays cheap.
"""

from typing import Any

__version__ = "0.1.0"

_PUBLIC = ("Context", "FailNow", "HandlerCancelled", "HandlerTimeout", "RetryLater", "handler")


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        from jobsched import plugins

        return getattr(plugins, name)
    raise AttributeError(f"module 'jobsched' has no attribute {name!r}")
