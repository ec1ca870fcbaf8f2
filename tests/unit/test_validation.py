import pytest

from jobsched.domain.validation import validate_job_create, validate_job_update
from jobsched.errors import ValidationError
from jobsched.registry import default_registry
from jobsched.settings import Settings

REG = default_registry()
SETTINGS = Settings()


def fields_of(body: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        validate_job_create(body, REG, SETTINGS)
    return info.value.fields


def test_a_minimal_job_gets_the_defaults() -> None:
    data = validate_job_create({"name": " nightly ", "handler": "test.echo"}, REG, SETTINGS)
    assert data["name"] == "nightly"
    assert (data["priority"], data["timezone"], data["schedule"]) == (50, "UTC", None)


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
