"""What ``jobsched workflows apply`` says changed (jobsched/cli_workflows.py), from the
workflow before and after its update; and the defaults a field left out of a file
goes back to (the API's document)."""

from __future__ import annotations

from typing import Any

from jobsched.cli_workflows import _said, changes, defaults


def _wf(steps: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {"name": "etl", "steps": steps, **defaults(), **more}


A = {"id": "a", "handler": "test.echo", "after": []}
B = {"id": "b", "handler": "test.echo", "after": ["a"]}


def test_a_changed_field_is_said_with_its_values() -> None:
    said = changes(_wf([A]), _wf([A], schedule="0 2 * * *"))
    assert said == {"schedule": "None -> '0 2 * * *'"}


def test_steps_added_removed_and_changed_are_named() -> None:
    before = _wf([A, B])
    after = _wf([{**A, "max_retries": 5}, {"id": "c", "handler": "test.echo"}])
    assert changes(before, after) == {"steps": "added c; removed b; changed a"}


def test_steps_only_reordered_say_so_and_nothing_changed_says_nothing() -> None:
    assert changes(_wf([A, B]), _wf([B, A])) == {"steps": "reordered"}
    assert changes(_wf([A, B]), _wf([A, B])) == {}


def test_the_defaults_come_from_the_api_document() -> None:
    assert {"timezone": "UTC", "overlap_policy": "allow", "schedule": None}.items() <= (
        defaults().items()
    )
    assert "name" not in defaults() and "steps" not in defaults()


def test_what_apply_prints() -> None:
    wf = {"name": "etl", "version": 3}
    assert _said({"action": "unchanged", "workflow": wf}) == "workflow 'etl' unchanged (version 3)"
    how = {"schedule": "None -> '0 2 * * *'"}
    assert _said({"action": "updated", "workflow": wf, "how": how}).splitlines() == [
        "updated workflow 'etl' to version 3",
        "  schedule: None -> '0 2 * * *'",
    ]
