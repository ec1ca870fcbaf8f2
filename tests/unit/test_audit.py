"""The audit log's pure rules: key ids, what a change records, and the list's filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobsched.api.http import bootstrap_key_index
from jobsched.api.queries import AuditQuery
from jobsched.domain import audit
from jobsched.domain.plain import plain
from jobsched.domain.validation import load_query
from jobsched.errors import ValidationError
from jobsched.store.audit import entry_from_row

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_bootstrap_key_is_named_by_a_stable_id_that_does_not_reveal_it() -> None:
    keys = ["first-key-0123456789", "second-key-9876543210"]
    first, second = audit.key_id(keys[0]), audit.key_id(keys[1])
    assert first == audit.key_id("first-key-0123456789") != second
    assert first.startswith("env-") and len(first) == 16
    assert "first-key" not in first
    assert bootstrap_key_index("second-key-9876543210", keys) == 1
    assert bootstrap_key_index("third-key", keys) is None
    assert bootstrap_key_index("first-key-012345678", keys) is None  # a prefix is not a key


def test_an_update_records_only_the_changed_fields_with_both_values() -> None:
    before = {f: None for f in audit.JOB_FIELDS} | {"priority": 50, "name": "a", "payload": {}}
    after = before | {"priority": 80, "payload": {"x": 1}}
    assert audit.diff(before, after) == {
        "priority": {"before": 50, "after": 80},
        "payload": {"before": {}, "after": {"x": 1}},
    }
    assert audit.diff(before, dict(before)) == {}


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ({"small": "x" * 100}, True),
        ({"big": "x" * audit.MAX_VALUE_BYTES}, False),
        ("x" * 5000, False),
        (42, True),
    ],
)
def test_big_values_are_recorded_by_size_and_digest(value: object, kept: bool) -> None:
    capped = audit.cap(value)
    if kept:
        assert capped == value
    else:
        assert capped["truncated"] is True
        assert capped["bytes"] > audit.MAX_VALUE_BYTES
        assert len(capped["sha256"]) == 64


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"action": "launch"}, "action"),
        ({"target_type": "worker"}, "target_type"),
        ({"target_id": "a\x00b"}, "target_id"),
        ({"key_id": "k" * 65}, "key_id"),
        ({"key_id": "\ud800"}, "key_id"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-02-30T00:00:00"}, "until"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(query: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        load_query(AuditQuery, query)
    assert list(err.value.fields) == [field]


def test_filters_read_times_as_utc_and_ids_in_canonical_form() -> None:
    parsed = load_query(
        AuditQuery,
        {"since": "2026-12-01T10:00:00", "target_id": "6A27E265-D7FD-4830-A649-360688E52BCD"},
    ).filters()
    assert parsed["since"].isoformat() == "2026-12-01T10:00:00+00:00"
    assert parsed["target_id"] == "6a27e265-d7fd-4830-a649-360688e52bcd"
    assert load_query(AuditQuery, {}).filters()["action"] is None


def test_a_padded_payload_still_shows_where_it_sends_and_what_it_runs() -> None:
    """Issue 20: padding a payload past 4 KiB hid its URL (or command) behind a digest."""
    hook = {"url": "https://evil.test/x", "method": "PUT", "pad": "x" * 10_000}
    shell = {"command": "/usr/bin/rm", "args": ["-rf", "/data"], "cwd": "/", "pad": "x" * 9000}
    for payload in (hook, shell):
        capped = audit.cap_payload(payload)
        assert capped["truncated"] is True
        assert capped["kept"] == {k: v for k, v in payload.items() if k != "pad"}
    change = audit.triggered(["e1", "e2"], [{"payload": {"n": 1}}, {"payload": hook}])
    first, second = change["overrides"]["after"]
    assert first == {"payload": {"n": 1}}
    assert second["payload"]["kept"]["url"] == "https://evil.test/x"


def test_secrets_never_reach_the_log_and_old_entries_are_shown_redacted() -> None:
    payload = {"url": "https://x.test/", "headers": {"Authorization": "Bearer s3cret"}}
    before = {f: None for f in audit.JOB_FIELDS} | {"payload": {}}
    recorded = audit.diff(before, before | {"payload": payload})
    assert "s3cret" not in repr(recorded)
    assert recorded["payload"]["after"]["headers"] == {"Authorization": "<redacted>"}
    assert "s3cret" not in repr(audit.created(before | {"payload": payload}))
    assert "s3cret" not in repr(audit.triggered(["e"], [{"payload": payload}]))
    # An entry written before redaction existed is read as stored, and shown without
    # the secret (``shown``, applied where the API lists the log).
    row = {"id": 1, "at": NOW, "key_id": "k", "action": "create", "target_type": "job"}
    old = entry_from_row(row | {"target_id": "j", "changes": {"payload": {"after": payload}}})
    assert "s3cret" in repr(plain(old))
    assert "s3cret" not in repr(audit.shown(old.changes))


@pytest.mark.parametrize(
    ("who", "changes", "expected"),
    [
        (None, {"status": {"before": "A", "after": "B"}}, None),  # no caller: not logged
        (audit.Audit("k", "pause"), {}, None),  # nothing changed: not logged
        (
            audit.Audit("k", "pause"),
            {"status": {"before": "A", "after": "B"}},
            audit.AuditRecord("k", "pause", "job", "j1", {"status": {"before": "A", "after": "B"}}),
        ),
    ],
)
def test_an_entry_is_decided_only_for_a_caller_and_a_change(
    who: audit.Audit | None, changes: dict, expected: audit.AuditRecord | None
) -> None:
    assert audit.entry(who, "job", "j1", changes) == expected


def test_the_wording_of_a_requeue_a_revocation_and_a_backfill() -> None:
    assert audit.requeued("FAILED", "PENDING", None) == {
        "status": {"before": "FAILED", "after": "PENDING"}
    }
    assert audit.requeued("FAILED", "PENDING", "d1")["dead_letter_id"] == {
        "before": "d1",
        "after": None,
    }
    assert audit.revoked(NOW, "k1", "k1") == {
        "revoked_at": {"before": None, "after": NOW.isoformat()}
    }
    assert audit.revoked(NOW, "k2", "k1")["revoked_with"] == {"after": "k1"}
    assert audit.backfilled(["e1"], NOW, NOW) == {
        "executions": {"after": ["e1"]},
        "range": {"after": {"start": NOW.isoformat(), "end": NOW.isoformat()}},
    }
