"""Secret values in payloads, and hiding them from those who need not see them.

A payload may carry credentials: a webhook's ``Authorization`` header, an API token, a
shell command's environment. The audit log never stores them (an entry outlives the
job and every ``read`` key may list the log), and a ``read`` key sees jobs and runs
with them replaced by ``REDACTED``. Pure rules, tested as tables
(tests/unit/test_redaction.py).
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "<redacted>"

SECRET_NAME = re.compile(
    r"authorization|cookie|api[-_]?key|token|secret|passw(or)?d|credential|"
    r"private[-_]?key|signature|x-amz-security",
    re.IGNORECASE,
)
"""A field or header whose string value is a secret, wherever it sits in a payload
(``Authorization``, ``X-Api-Key``, ``access_token``, ``client_secret``...)."""

SECRET_MAPS = frozenset({"env"})
"""Fields whose every value is a secret (``shell.command``'s environment)."""


def _hidden(value: Any) -> Any:
    """A secret's value hidden; numbers and booleans (``max_tokens: 100``) stay."""
    if isinstance(value, str):
        return REDACTED
    if isinstance(value, dict):
        return {k: _hidden(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hidden(v) for v in value]
    return value


def redact(value: Any) -> Any:
    """``value`` with every secret replaced by ``REDACTED`` (a new object; the input is
    left as it is). Names are kept, so what was set is still visible."""
    if isinstance(value, list):
        return [redact(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for name, item in value.items():
        secret_name = isinstance(name, str) and SECRET_NAME.search(name) is not None
        if secret_name or (name in SECRET_MAPS and isinstance(item, dict)):
            out[name] = _hidden(item)
        else:
            out[name] = redact(item)
    return out
