"""Who may do what: the scopes of API keys, and who a request comes from.

Pure rules, tested as tables (tests/unit/test_access.py). Which scope each route
needs is written once, in the operations table of the OpenAPI document
(``jobsched.api.operations.OPERATIONS``), through ``route_scope``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

SCOPES = ("read", "operate", "admin")
"""Each scope allows everything the ones before it allow."""
ScopeName = Literal[SCOPES]
BOOTSTRAP_SCOPE = "admin"
"""The scope of the keys in API_KEYS."""
KEY_PREFIX = "jsk_"
"""Every key the API creates starts with this, so a leaked one is easy to recognise
(secret scanners, grep)."""


def allows(have: str, need: str) -> bool:
    """Whether a key of scope ``have`` may call a route that needs ``need``."""
    return SCOPES.index(have) >= SCOPES.index(need)


def route_scope(method: str, declared: str | None) -> str:
    """The scope a route needs: the one its operation declares, else ``read`` for a GET
    and ``admin`` for anything else, so a new write is closed until someone opens it."""
    if declared is not None:
        return declared
    return "read" if method == "GET" else "admin"


OVERRIDE_ANY = "*"
"""In a handler's ``overridable``: any payload field."""


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON (``1`` is not ``true``, key order does not matter)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def overridden_fields(current: dict[str, Any], override: dict[str, Any]) -> list[str]:
    """The top-level payload fields a trigger's payload changes for its run: set, changed
    or left out (an override replaces the job's payload whole, so a field it omits is
    dropped for the run)."""
    names = set(current) | set(override)
    return sorted(
        n
        for n in names
        if n not in current or n not in override or not _same(current[n], override[n])
    )


def forbidden_overrides(
    scope: str,
    handler: str,
    overridable: tuple[str, ...],
    current: dict[str, Any],
    override: dict[str, Any],
) -> list[str]:
    """The payload fields a caller of ``scope`` may not override for one run of a job
    of ``handler`` (empty: the override is allowed). An admin may override anything;
    below that only the fields the handler declares overridable, and never a field of
    a ``system.*`` handler, whatever a published catalog entry says."""
    if allows(scope, "admin"):
        return []
    changed = overridden_fields(current, override)
    if handler.startswith("system."):
        return changed
    if OVERRIDE_ANY in overridable:
        return []
    return [n for n in changed if n not in overridable]


def key_hash(key: str) -> str:
    """What PostgreSQL stores instead of a created key (SHA-256, hex). The key is 256
    random bits, so a plain digest cannot be reversed; looking the digest up by index
    means no comparison ever runs over the key itself."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
