from datetime import UTC, datetime, timedelta

import pytest

from jobsched.api.queries import ExecutionListQuery
from jobsched.domain.validation import (
    load_query,
    validate_job_create,
    validate_job_update,
    validate_trigger,
)
from jobsched.errors import ValidationError
from jobsched.loader import builtin_registry
from jobsched.settings import Settings

REG = builtin_registry()
SETTINGS = Settings()


def fields_of(body: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        validate_job_create(body, REG, SETTINGS)
    return info.value.fields


def test_a_minimal_job_gets_the_defaults() -> None:
    data = validate_job_create({"name": " nightly ", "handler": "test.echo"}, REG, SETTINGS)
    assert data["name"] == "nightly"
    assert (data["priority"], data["timezone"], data["schedule"]) == (50, "UTC", None)
    # The README's catch-up defaults: latest, a 3600 s window, at most 10.
    assert (data["catch_up"], data["catch_up_window_s"], data["catch_up_max"]) == (
        "latest",
        3600,
        10,
    )


def test_every_bad_field_is_named_at_once() -> None:
    fields = fields_of(
        {
            "name": "",
            "handler": "nope",
            "priority": 101,
            "schedule": "every day",
            "timezone": "Moon/Base",
            "max_retries": -1,
            "timeout_ms": "10",
            "colour": "blue",
        }
    )
    assert set(fields) == {
        "name",
        "handler",
        "priority",
        "schedule",
        "timezone",
        "max_retries",
        "timeout_ms",
        "colour",
    }


@pytest.mark.parametrize("body", [None, [], "job", 3])
def test_the_body_must_be_an_object(body: object) -> None:
    assert set(fields_of(body)) == {"body"}


def test_required_fields() -> None:
    assert set(fields_of({})) == {"name", "handler"}


def test_booleans_are_not_integers() -> None:
    assert "priority" in fields_of({"name": "a", "handler": "test.echo", "priority": True})


def test_payload_is_checked_against_its_handler() -> None:
    fields = fields_of({"name": "a", "handler": "test.delay", "payload": {"durationMs": "x"}})
    assert "payload.durationMs" in fields


def test_backoff_cap_below_initial_is_refused() -> None:
    fields = fields_of(
        {"name": "a", "handler": "test.echo", "retry_backoff_ms": 5000, "retry_backoff_max_ms": 10}
    )
    assert set(fields) == {"retry_backoff_max_ms"}


def test_update_merges_and_ignores_read_only_fields() -> None:
    current = validate_job_create({"name": "a", "handler": "test.echo"}, REG, SETTINGS)
    merged = validate_job_update(
        {"priority": 90, "id": "x", "status": "PAUSED", "created_at": "y"}, current, REG, SETTINGS
    )
    assert merged["priority"] == 90
    assert merged["name"] == "a"
    with pytest.raises(ValidationError) as info:
        validate_job_update({"priority": -3, "bogus": 1}, current, REG, SETTINGS)
    assert set(info.value.fields) == {"priority", "bogus"}


def test_payload_problems_are_reported_alongside_other_fields() -> None:
    fields = fields_of(
        {"name": "a", "handler": "test.delay", "priority": 500, "payload": {"durationMs": "x"}}
    )
    assert set(fields) == {"priority", "payload.durationMs"}


def test_messages_say_what_the_field_accepts() -> None:
    """Derived from the field's type, so they say what the OpenAPI document says; a
    value of the right kind that only misses a bound is told the bound."""
    fields = fields_of(
        {
            "name": "x" * 201,
            "handler": "test.echo",
            "priority": "high",
            "description": 7,
            "overlap_policy": "sometimes",
            "payload": [],
        }
    )
    assert fields == {
        "name": "must be at most 200 characters",
        "priority": "must be an integer between 0 and 100",
        "description": "must be a string of at most 2000 characters, or null",
        "overlap_policy": "must be one of allow, skip, buffer_one, cancel_previous",
        "payload": "must be a JSON object",
    }


def test_text_that_postgresql_cannot_store_is_named() -> None:
    fields = fields_of({"name": "a\x00", "handler": "test.echo", "description": "\udfff"})
    assert fields == {
        "name": "must not contain NUL characters",
        "description": "must not contain unpaired surrogates (not valid Unicode)",
    }


def test_a_job_as_the_api_returns_it_can_be_sent_back() -> None:
    current = validate_job_create({"name": "a", "handler": "test.echo"}, REG, SETTINGS)
    returned = {
        **current,
        "id": "6a27e265-d7fd-4830-a649-360688e52bcd",
        "status": "SCHEDULED",
        "schedule_error": None,
        "next_run_time": None,
        "last_run_time": None,
        "upcoming_runs": [],
        "executions": {"items": [], "next_cursor": None, "total": 0},
        "created_at": "2026-12-01T10:00:00+00:00",
        "updated_at": "2026-12-01T10:00:00+00:00",
        "priority": 7,
    }
    assert validate_job_update(returned, current, REG, SETTINGS) == {**current, "priority": 7}


def test_the_schedule_is_stored_in_the_form_the_tick_reads() -> None:
    data = validate_job_create(
        {"name": "a", "handler": "test.echo", "schedule": " */5  * * * * "}, REG, SETTINGS
    )
    assert data["schedule"] == "*/5 * * * *"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"runs": []}, {"runs": "must be a list of 1 to 500 items"}),
        ({"runs": [{}] * 501}, {"runs": "must be a list of 1 to 500 items"}),
        ({"runs": [{}], "priority": 5}, {"priority": "not allowed together with runs"}),
        (
            {"runs": [{}, {"priority": 101, "colour": 1}, "x"]},
            {
                "runs[1].priority": "must be between 0 and 100",
                "runs[1].colour": "unknown field",
                "runs[2]": "must be a JSON object",
            },
        ),
        ({"payload": {"durationMs": "x"}}, {"payload.durationMs": None}),
        ({"runs": [{"payload": {"durationMs": -1}}]}, {"runs[0].payload.durationMs": None}),
        ("now", {"body": "must be a JSON object"}),
    ],
)
def test_every_problem_of_a_trigger_is_named(body: object, fields: dict[str, str | None]) -> None:
    with pytest.raises(ValidationError) as info:
        validate_trigger(body, REG.get("test.delay"), SETTINGS)
    found = info.value.fields
    assert set(found) == set(fields)
    assert {k: v for k, v in fields.items() if v} == {k: found[k] for k in fields if fields[k]}


def test_a_trigger_yields_its_runs_overrides() -> None:
    handler = REG.get("test.echo")
    assert validate_trigger(None, handler, SETTINGS) == [{}]
    assert validate_trigger({"priority": 9}, handler, SETTINGS) == [{"priority": 9}]
    runs = {"runs": [{"payload": {"n": 1}}, {}]}
    assert validate_trigger(runs, handler, SETTINGS) == [{"payload": {"n": 1}}, {}]


def test_a_run_at_is_at_most_as_far_ahead_as_a_delay() -> None:
    handler = REG.get("test.echo")
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    furthest = now + timedelta(days=366)
    assert validate_trigger({"run_at": furthest.isoformat()}, handler, SETTINGS, now) == [
        {"run_at": furthest}
    ]
    too_far = (furthest + timedelta(seconds=1)).isoformat()
    with pytest.raises(ValidationError) as info:
        validate_trigger({"run_at": too_far}, handler, SETTINGS, now)
    assert info.value.fields == {"run_at": "must be at most 366 days from now (as delay_ms)"}
    batch = {"runs": [{"run_at": furthest.isoformat()}, {"run_at": "2999-01-01T00:00:00Z"}]}
    with pytest.raises(ValidationError) as info:
        validate_trigger(batch, handler, SETTINGS, now)
    assert list(info.value.fields) == ["runs[1].run_at"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"limit": "0"}, {"limit": "must be between 1 and 200"}),
        ({"limit": "1.5"}, {"limit": "must be an integer between 1 and 200"}),
        ({"limit": "abc", "status": "DONE"}, {"limit", "status"}),
        ({"cursor": "x" * 2049}, {"cursor": "must be at most 2048 characters"}),
        ({"job_id": "not-a-uuid"}, {"job_id": "must be a UUID"}),
        ({"handler": "a\x00"}, {"handler": "must not contain NUL characters"}),
    ],
)
def test_query_parameters_are_checked_by_their_model(query: dict, fields: object) -> None:
    with pytest.raises(ValidationError) as info:
        load_query(ExecutionListQuery, query)
    found = info.value.fields
    assert found == fields if isinstance(fields, dict) else set(found) == fields


def test_query_parameters_are_converted_and_empty_ones_are_absent() -> None:
    query = load_query(ExecutionListQuery, {"limit": "5", "status": "FAILED", "handler": ""})
    assert (query.limit, query.status, query.handler) == (5, "FAILED", None)


@pytest.mark.parametrize("field", ["priority", "overlap_policy", "payload", "timeout_ms"])
def test_an_unpaired_surrogate_where_text_does_not_belong_is_named(field: str) -> None:
    assert set(fields_of({"name": "a", "handler": "test.echo", field: "\ud800"})) == {field}


def test_an_unpaired_surrogate_in_a_query_parameter_is_named() -> None:
    with pytest.raises(ValidationError) as info:
        load_query(ExecutionListQuery, {"limit": "\ud800", "status": "\udfff", "job_id": "\ud800"})
    assert set(info.value.fields) == {"limit", "status", "job_id"}
