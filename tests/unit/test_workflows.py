"""A workflow definition's rules, its references and its advancement (issue 23), as tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from jobsched.domain import workflow_refs as refs
from jobsched.domain.workflow_advance import (
    ItemState,
    StepState,
    advance,
    cancel_steps,
    retry_steps,
)
from jobsched.domain.workflows import MAX_ITEMS, MAX_STEPS, validate_workflow
from jobsched.errors import ValidationError


@dataclass
class _Handler:
    pool: str = "default"

    @property
    def validate(self):
        def check(payload: dict[str, Any], settings: object) -> dict[str, str]:
            if "bad" in payload:
                return {"payload.bad": "is not allowed"}
            return {}

        return check


class _Handlers:
    known = {"test.echo": _Handler(), "reports.make": _Handler("reports")}

    def get(self, name: str) -> _Handler | None:
        return self.known.get(name)

    def names(self) -> list[str]:
        return sorted(self.known)


def _wf(*steps: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"name": "etl", "steps": [{"handler": "test.echo", **s} for s in steps], **more}


def _problems(body: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as err:
        validate_workflow(body, _Handlers(), None)
    return err.value.fields


# ------------------------------------------------------------------ definitions


def test_a_sound_definition_gets_its_defaults_and_the_handlers_pool():
    data = validate_workflow(
        _wf({"id": "a"}, {"id": "b", "after": ["a"], "handler": "reports.make"}),
        _Handlers(),
        None,
    )
    a, b = data["steps"]
    assert (a["when"], a["max_retries"], a["pool"], a["after"]) == ("success", 3, "default", [])
    assert b["pool"] == "reports"
    assert data["timezone"] == "UTC" and data["schedule"] is None


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (
            _wf({"id": "a", "after": ["b"]}, {"id": "b", "after": ["a"]}),
            "steps",
            "cycle: a -> b -> a",
        ),
        (_wf({"id": "a", "after": ["a"]}), "steps", "cycle: a -> a"),
        (
            _wf(
                {"id": "a"},
                {"id": "b", "after": ["c"]},
                {"id": "c", "after": ["d"]},
                {"id": "d", "after": ["b"]},
            ),
            "steps",
            "cycle: b -> c -> d -> b",
        ),
        (_wf({"id": "a"}, {"id": "b", "after": ["zz"]}), "steps[1].after", "unknown step 'zz'"),
        (_wf({"id": "a"}, {"id": "a"}), "steps[1].id", "duplicate step id 'a'"),
        (_wf({"id": "a", "handler": "nope"}), "steps[0].handler", "unknown handler"),
        (_wf({"id": "a", "payload": {"bad": 1}}), "steps[0].payload.bad", "is not allowed"),
        (_wf({"id": "a", "when": "sometimes"}), "steps[0].when", "one of success"),
        (_wf({"id": "a", "when": "failure"}), "steps[0].when", "failure needs upstream"),
        (_wf({"id": "a b"}), "steps[0].id", "must be a step id"),
        (_wf(*[{"id": f"s{i}"} for i in range(MAX_STEPS + 1)]), "steps", f"1 to {MAX_STEPS}"),
        ({"name": "etl", "steps": []}, "steps", f"1 to {MAX_STEPS}"),
        ({"name": "etl"}, "steps", "is required"),
        (_wf({"id": "a", "for_each": [1, 2]}), "steps[0].for_each", "must be a reference"),
        (
            _wf({"id": "a", "for_each": {"$ref": "item"}}),
            "steps[0].for_each",
            "item is only for the payload of a for_each step",
        ),
        (
            _wf({"id": "a", "payload": {"x": {"$ref": "item"}}}),
            "steps[0].payload.x",
            "only for the payload of a for_each step",
        ),
        (
            _wf({"id": "a", "payload": {"x": {"$ref": "results.a"}}}),
            "steps[0].payload.x",
            "unknown reference 'results.a'",
        ),
        (
            _wf({"id": "a"}, {"id": "b", "payload": {"l": [{"$ref": "steps.a.result.n"}]}}),
            "steps[1].payload.l[0]",
            "not upstream of 'b'",
        ),
        (
            _wf({"id": "a", "payload": {"x": {"$ref": "input.x", "other": 1}}}),
            "steps[0].payload.x",
            'only "$ref"',
        ),
        (_wf({"id": "a", "max_concurrency": 2}), "steps[0].max_concurrency", "only for a for_each"),
        (_wf({"id": "a", "colour": "red"}), "steps[0].colour", "unknown field"),
        (_wf({"id": "a"}, schedule="61 * * * *"), "schedule", ""),
        (_wf({"id": "a"}, timezone="Mars/Olympus"), "timezone", ""),
    ],
)
def test_a_bad_definition_is_refused_naming_the_problem(body, field, says):
    problems = _problems(body)
    assert field in problems, problems
    assert says in problems[field]


def test_every_problem_is_named_at_once():
    problems = _problems(
        _wf({"id": "a", "handler": "nope"}, {"id": "b", "after": ["zz"]}, {"id": "a"})
    )
    assert {"steps[0].handler", "steps[1].after", "steps[2].id"} <= set(problems)


def test_a_reference_through_an_indirect_upstream_step_is_accepted():
    validate_workflow(
        _wf(
            {"id": "a"},
            {"id": "b", "after": ["a"]},
            {"id": "c", "after": ["b"], "payload": {"n": {"$ref": "steps.a.result.n"}}},
        ),
        _Handlers(),
        None,
    )


# ------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("ref", "expect"),
    [
        ("steps.a.result", [1, {"k": "v"}]),
        ("steps.a.result.1.k", "v"),
        ("input.day", "mon"),
        ("input", {"day": "mon"}),
        ("item", 7),
    ],
)
def test_a_reference_resolves_to_what_it_names(ref, expect):
    scope = refs.Scope({"a": [1, {"k": "v"}]}, {"day": "mon"}, 7, True)
    assert refs.resolve({"x": {"$ref": ref}}, scope) == {"x": expect}


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("steps.a.result.2", "no index '2' in a list of 2"),
        ("steps.a.result.1.nope", "no '1.nope'"),
        ("steps.b.result", "step 'b' has no result"),
        ("input.month", "no 'month'"),
        ("steps.a.result.0.x", "not an object or list"),
    ],
)
def test_a_missing_path_names_the_reference_and_where_it_broke(ref, says):
    scope = refs.Scope({"a": [1, {"k": "v"}]}, {"day": "mon"})
    with pytest.raises(refs.RefMissing) as err:
        refs.resolve({"x": [{"$ref": ref}]}, scope)
    assert says in str(err.value) and ref in str(err.value)


# ------------------------------------------------------------------ advancement


def _steps(*steps: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "after": [],
            "when": "success",
            "payload": {},
            "for_each": None,
            "max_concurrency": None,
            **s,
        }
        for s in steps
    ]


def _ended(status: str, result: Any = None, error: str | None = None) -> StepState:
    return StepState(status, executions={0: ItemState(status, result, error)})


def test_first_steps_launch_with_their_input_resolved():
    steps = _steps(
        {"id": "a", "payload": {"d": {"$ref": "input.day"}}}, {"id": "b", "after": ["a"]}
    )
    out = advance(steps, {}, {"day": "mon"})
    assert [(x.step_id, x.item, x.payload) for x in out.launches] == [("a", 0, {"d": "mon"})]
    assert out.changed["a"].status == "RUNNING" and "b" not in out.changed
    assert out.ended is None


def test_advancing_again_changes_nothing():
    steps = _steps({"id": "a"}, {"id": "b", "after": ["a"]})
    states: dict[str, StepState] = {}
    advance(steps, states, None)
    assert not advance(steps, states, None).anything


@pytest.mark.parametrize(
    ("upstream", "when", "expect", "reason"),
    [
        ("SUCCEEDED", "success", "RUNNING", None),
        ("FAILED", "success", "SKIPPED", "upstream step 'a' FAILED"),
        ("SKIPPED", "success", "SKIPPED", "upstream step 'a' SKIPPED"),
        ("FAILED", "failure", "RUNNING", None),
        ("SUCCEEDED", "failure", "SKIPPED", "no upstream step failed"),
        ("SKIPPED", "failure", "SKIPPED", "no upstream step failed"),
        ("FAILED", "always", "RUNNING", None),
        ("SUCCEEDED", "always", "RUNNING", None),
        ("SKIPPED", "always", "RUNNING", None),
    ],
)
def test_a_step_runs_or_is_skipped_by_its_condition(upstream, when, expect, reason):
    steps = _steps({"id": "a"}, {"id": "b", "after": ["a"], "when": when})
    out = advance(steps, {"a": _ended(upstream)}, None)
    assert (out.changed["b"].status, out.changed["b"].reason) == (expect, reason)


def test_a_skip_cascades_until_a_condition_says_otherwise():
    steps = _steps(
        {"id": "a"},
        {"id": "b", "after": ["a"]},
        {"id": "c", "after": ["b"]},
        {"id": "alert", "after": ["c"], "when": "always"},
    )
    out = advance(steps, {"a": _ended("FAILED", error="boom")}, None)
    assert out.changed["b"].status == "SKIPPED" and out.changed["c"].status == "SKIPPED"
    assert out.changed["c"].reason == "upstream step 'b' SKIPPED"
    assert [x.step_id for x in out.launches] == ["alert"]
    assert out.launches[0].inputs == {"c": None}


@pytest.mark.parametrize(
    ("ends", "run"),
    [
        ({"a": "SUCCEEDED", "b": "SUCCEEDED"}, "SUCCEEDED"),
        ({"a": "FAILED", "b": "SUCCEEDED"}, "FAILED"),
        ({"a": "CANCELLED", "b": "SUCCEEDED"}, "CANCELLED"),
        ({"a": "SUCCEEDED", "b": "SKIPPED"}, "SUCCEEDED"),
    ],
)
def test_the_run_ends_once_every_step_ended(ends, run):
    steps = _steps({"id": "a"}, {"id": "b"})
    out = advance(steps, {k: _ended(v) for k, v in ends.items()}, None)
    assert out.ended == run


def test_a_running_step_ends_with_its_execution():
    steps = _steps(
        {"id": "a"}, {"id": "b", "after": ["a"], "payload": {"n": {"$ref": "steps.a.result.n"}}}
    )
    states = {"a": StepState("RUNNING", executions={0: ItemState("SUCCEEDED", {"n": 5})})}
    out = advance(steps, states, None)
    assert out.changed["a"].status == "SUCCEEDED"
    assert [(x.step_id, x.payload, x.inputs) for x in out.launches] == [
        ("b", {"n": 5}, {"a": {"n": 5}})
    ]


def test_a_retrying_execution_keeps_its_step_running():
    steps = _steps({"id": "a"})
    states = {"a": StepState("RUNNING", executions={0: ItemState("RETRYING")})}
    assert not advance(steps, states, None).anything


def test_a_missing_path_fails_the_step_and_releases_failure_handlers():
    steps = _steps(
        {"id": "a"},
        {"id": "b", "after": ["a"], "payload": {"n": {"$ref": "steps.a.result.nope"}}},
        {"id": "alert", "after": ["b"], "when": "failure"},
    )
    out = advance(steps, {"a": _ended("SUCCEEDED", {"n": 1})}, None)
    assert out.changed["b"].status == "FAILED"
    assert "steps.a.result.nope" in out.changed["b"].reason
    assert [x.step_id for x in out.launches] == ["alert"]


def test_fan_out_launches_one_execution_per_item_under_its_concurrency():
    steps = _steps(
        {"id": "list"},
        {
            "id": "each",
            "after": ["list"],
            "for_each": {"$ref": "steps.list.result.ids"},
            "payload": {"id": {"$ref": "item"}},
            "max_concurrency": 2,
        },
        {"id": "sum", "after": ["each"], "payload": {"all": {"$ref": "steps.each.result"}}},
    )
    states = {"list": _ended("SUCCEEDED", {"ids": [10, 20, 30]})}
    out = advance(steps, states, None)
    assert [(x.item, x.payload) for x in out.launches] == [(0, {"id": 10}), (1, {"id": 20})]
    # item 1 ends first: item 2 starts; the fan-in waits for all three
    states["each"].executions[1] = ItemState("SUCCEEDED", "r20")
    out = advance(steps, states, None)
    assert [(x.item, x.payload) for x in out.launches] == [(2, {"id": 30})]
    states["each"].executions[0] = ItemState("SUCCEEDED", "r10")
    states["each"].executions[2] = ItemState("SUCCEEDED", "r30")
    out = advance(steps, states, None)
    assert out.changed["each"].status == "SUCCEEDED"
    assert out.launches[0].payload == {"all": ["r10", "r20", "r30"]}
    assert out.launches[0].inputs == {"each": ["r10", "r20", "r30"]}


@pytest.mark.parametrize(
    ("items", "status", "says"),
    [
        ({"ids": "x"}, "FAILED", "is not a list"),
        ({"ids": list(range(MAX_ITEMS + 1))}, "FAILED", f"at most {MAX_ITEMS}"),
        ({}, "FAILED", "no 'ids'"),
        ({"ids": []}, "SUCCEEDED", "no items"),
    ],
)
def test_a_fan_out_over_no_list_fails_and_over_an_empty_one_succeeds(items, status, says):
    steps = _steps(
        {"id": "list"},
        {"id": "each", "after": ["list"], "for_each": {"$ref": "steps.list.result.ids"}},
    )
    out = advance(steps, {"list": _ended("SUCCEEDED", items)}, None)
    assert out.changed["each"].status == status and says in out.changed["each"].reason


def test_one_failed_item_fails_the_fan_out():
    steps = _steps({"id": "each", "for_each": {"$ref": "input"}})
    states = {
        "each": StepState(
            "RUNNING",
            items=[1, 2],
            executions={0: ItemState("SUCCEEDED", 1), 1: ItemState("FAILED", error="boom")},
        )
    }
    out = advance(steps, states, [1, 2])
    assert (
        out.changed["each"].status == "FAILED"
        and "item 1 failed: boom" in out.changed["each"].reason
    )
    assert out.ended == "FAILED"


def test_retry_runs_failed_and_skipped_steps_and_their_downstream_again():
    steps = _steps(
        {"id": "a"},
        {"id": "b", "after": ["a"]},
        {"id": "c", "after": ["b"]},
        {"id": "alert", "after": ["b"], "when": "failure"},
        {"id": "side"},
    )
    states = {
        "a": _ended("SUCCEEDED"),
        "b": _ended("FAILED"),
        "c": _ended("SKIPPED"),
        "alert": _ended("SUCCEEDED"),
        "side": _ended("SUCCEEDED"),
    }
    assert retry_steps(steps, states) == {"b", "c"}


def test_cancel_ends_waiting_and_running_steps():
    states = {"a": _ended("SUCCEEDED"), "b": StepState("RUNNING"), "c": StepState()}
    assert cancel_steps(states) == {"b", "c"}


def test_a_step_whose_executions_retention_deleted_reads_as_null_results():
    steps = _steps(
        {"id": "each", "for_each": {"$ref": "input"}},
        {"id": "sum", "after": ["each"], "payload": {"all": {"$ref": "steps.each.result"}}},
    )
    states = {
        "each": StepState("SUCCEEDED", items=[1, 2], executions={1: ItemState("SUCCEEDED", "b")})
    }
    out = advance(steps, states, [1, 2])
    assert out.launches[0].payload == {"all": [None, "b"]}
