"""Which payload values are secrets (issue 20): hidden from the audit log and from
read keys, with their names kept."""

from __future__ import annotations

from typing import Any

import pytest

from jobsched.domain.redaction import REDACTED, redact


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"url": "https://x.test/", "headers": {"Authorization": "Bearer s", "Accept": "a"}},
            {"url": "https://x.test/", "headers": {"Authorization": REDACTED, "Accept": "a"}},
        ),
        (
            {"headers": {"cookie": "c=1", "X-Api-Key": "k"}},
            {"headers": {"cookie": REDACTED, "X-Api-Key": REDACTED}},
        ),
        ({"headers": {"X-Auth-Token": "t"}}, {"headers": {"X-Auth-Token": REDACTED}}),
        (
            {"command": "/bin/x", "env": {"A": "1", "B": "2"}},
            {"command": "/bin/x", "env": {"A": REDACTED, "B": REDACTED}},
        ),
        (
            {"body": {"client_secret": "s", "user": "u"}},
            {"body": {"client_secret": REDACTED, "user": "u"}},
        ),
        ({"items": [{"password": "p"}, {"n": 1}]}, {"items": [{"password": REDACTED}, {"n": 1}]}),
        ({"max_tokens": 100, "token_ok": True}, {"max_tokens": 100, "token_ok": True}),
        ({"a": 1, "b": ["x"]}, {"a": 1, "b": ["x"]}),
    ],
)
def test_secrets_are_hidden_and_names_kept(payload: dict[str, Any], expected: Any) -> None:
    original = repr(payload)
    assert redact(payload) == expected
    assert repr(payload) == original, "the input is left as it is"
