"""``jobsched workflows``: a command for every workflow route of the API (issue 23),
and ``apply FILE``, which creates or updates a workflow by the name its definition
file gives (YAML, or JSON: JSON is YAML too).

``apply`` is idempotent: the file is the whole definition (a field it leaves out goes
back to its default, read from the API's document), and an update that changes nothing
makes no new version, so a second apply says ``unchanged``; otherwise it says what
changed, field by field, and which steps were added, removed or changed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from jobsched.api.openapi import source_document
from jobsched.cli_client import OCCURRENCE_COLUMNS, _group, _json_arg, _paging
from jobsched.cli_schema import described, query_parameter
from jobsched.client import ApiError, Client

WORKFLOW_COLUMNS = ["id", "name", "version", "status", "schedule", "next_run_time", "updated_at"]
RUN_COLUMNS = ["id", "status", "scheduled_for", "started_at", "finished_at", "steps"]
WF_OCCURRENCE_COLUMNS = [
    "workflow_run_id" if c == "execution_id" else c for c in OCCURRENCE_COLUMNS
]


def load_definition(path: str) -> dict[str, Any]:
    """A workflow definition file as the API takes it; every problem names the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise argparse.ArgumentTypeError(f"{path} is not valid YAML or JSON{at}") from None
    if not isinstance(data, dict):
        raise argparse.ArgumentTypeError(f"{path}: a workflow definition is a mapping of fields")
    return data


def defaults() -> dict[str, Any]:
    """Each optional field of a workflow and its default, as the API's document states."""
    schema = source_document()["components"]["schemas"]["WorkflowCreate"]
    return {k: v["default"] for k, v in schema["properties"].items() if "default" in v}


def _steps_changed(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str | None:
    old = {s["id"]: s for s in before}
    new = {s["id"]: s for s in after}
    parts = []
    if added := [i for i in new if i not in old]:
        parts.append("added " + ", ".join(added))
    if removed := [i for i in old if i not in new]:
        parts.append("removed " + ", ".join(removed))
    if changed := [i for i in new if i in old and new[i] != old[i]]:
        parts.append("changed " + ", ".join(changed))
    kept = [i for i in new if i in old]
    if not parts and kept != [i for i in old if i in new]:
        parts.append("reordered")
    return "; ".join(parts) or None


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """What an update changed: field -> a line saying how."""
    out: dict[str, str] = {}
    for field in ("name", *defaults()):
        if before.get(field) != after.get(field):
            out[field] = f"{before.get(field)!r} -> {after.get(field)!r}"
    if (steps := _steps_changed(before["steps"], after["steps"])) is not None:
        out["steps"] = steps
    return out


def apply(api: Client, path: str) -> dict[str, Any]:
    """Create the file's workflow, or update the one of its name to match the file."""
    definition = load_definition(path)
    name = definition.get("name")
    if not isinstance(name, str) or not name:
        raise argparse.ArgumentTypeError(f"{path}: 'name' is required (apply finds it by name)")
    current = api.find_workflow(name)
    if current is None:
        return {"action": "created", "changed": [], "workflow": api.create_workflow(definition)}
    updated = api.update_workflow(current["id"], {**defaults(), **definition})
    if updated["version"] == current["version"]:
        return {"action": "unchanged", "changed": [], "workflow": updated}
    how = changes(current, updated)
    return {"action": "updated", "changed": sorted(how), "how": how, "workflow": updated}


def _said(result: dict[str, Any]) -> str:
    wf = result["workflow"]
    if result["action"] == "created":
        return f"created workflow {wf['name']!r} (version {wf['version']})"
    if result["action"] == "unchanged":
        return f"workflow {wf['name']!r} unchanged (version {wf['version']})"
    lines = [f"updated workflow {wf['name']!r} to version {wf['version']}"]
    lines += [f"  {field}: {how}" for field, how in result["how"].items()]
    return "\n".join(lines)


def _found(api: Client, name_or_id: str) -> dict[str, Any]:
    wf = api.find_workflow(name_or_id)
    if wf is None:
        raise ApiError(404, "not_found", f"no workflow with id or name {name_or_id!r}", None)
    return wf


def _runs_shown(page: dict[str, Any], as_json: bool) -> dict[str, Any]:
    """The table shows each run's steps as id:status."""
    if not as_json:
        for run in page.get("items", [page]):
            run["steps"] = [f"{s['id']}:{s['status']}" for s in run["steps"]]
    return page


def run_workflows(args: argparse.Namespace, api: Client) -> Any:
    action = args.action
    if action == "list":
        return api.list_workflows(name=args.name, limit=args.limit), WORKFLOW_COLUMNS
    if action == "create":
        return api.create_workflow(load_definition(args.file)), WORKFLOW_COLUMNS
    if action == "apply":
        result = apply(api, args.file)
        return (result if args.json else _said(result)), None
    if action in ("get-run", "cancel-run", "retry-run"):
        call = {
            "get-run": api.get_workflow_run,
            "cancel-run": api.cancel_workflow_run,
            "retry-run": api.retry_workflow_run,
        }[action]
        return _runs_shown(call(args.run), args.json), None if args.json else RUN_COLUMNS
    wf = _found(api, args.workflow)
    if action == "get":
        return wf, None
    if action == "update":
        return api.update_workflow(wf["id"], load_definition(args.file)), WORKFLOW_COLUMNS
    if action == "delete":
        api.delete_workflow(wf["id"])
        return {"deleted": wf["id"]}, None
    if action == "trigger":
        run = api.trigger_workflow(
            wf["id"],
            _json_arg(args.input, "--input"),
            args.run_at,
            args.delay_ms,
            args.idempotency_key,
        )
        return _runs_shown(run, args.json), None if args.json else RUN_COLUMNS
    if action == "pause":
        return api.pause_workflow(wf["id"]), WORKFLOW_COLUMNS
    if action == "resume":
        return api.resume_workflow(wf["id"]), WORKFLOW_COLUMNS
    if action == "backfill":
        page = api.backfill_workflow(wf["id"], args.start, args.end)
        return _runs_shown(page, args.json), None if args.json else RUN_COLUMNS
    if action == "occurrences":
        window = {"since": args.since, "until": args.until, "limit": args.limit}
        return api.workflow_occurrences(wf["id"], **window), WF_OCCURRENCE_COLUMNS
    if action == "runs":
        page = api.workflow_runs(wf["id"], status=args.status, limit=args.limit)
        return _runs_shown(page, args.json), None if args.json else RUN_COLUMNS
    raise AssertionError(action)


def add_workflow_commands(sub: Any) -> None:
    """``jobsched workflows ...``: every workflow route, and ``apply``."""
    wf = _group(sub, "workflows", "workflows: define, apply, trigger, runs", run_workflows)
    p = wf("list")
    p.add_argument("--name", help="substring, case-insensitive")
    _paging(p, "/workflows")
    wf("create", "create a workflow from a definition file (YAML or JSON)").add_argument("file")
    wf("apply", "create or update the file's workflow by name; says what changed").add_argument(
        "file", help="a definition file (YAML or JSON)"
    )
    p = wf("update", "change the fields the file gives (steps, if given, replace them all)")
    p.add_argument("workflow", help="workflow id or name")
    p.add_argument("file")
    for action in ("get", "delete", "pause", "resume"):
        wf(action).add_argument("workflow", help="workflow id or name")
    p = wf("trigger", "run the workflow now (or later)")
    p.add_argument("workflow", help="workflow id or name")
    p.add_argument("--input", help="JSON: what steps reference as input.<path>")
    p.add_argument("--run-at", dest="run_at", help="run later, at this ISO time")
    p.add_argument("--delay-ms", dest="delay_ms", type=int, help="run later, after this delay")
    p.add_argument(
        "--idempotency-key", dest="idempotency_key", help="a repeat answers with the first run"
    )
    p = wf("backfill", "a run for each occurrence in [start, end) that has none")
    p.add_argument("workflow", help="workflow id or name")
    p.add_argument("--start", required=True, help="ISO time")
    p.add_argument("--end", required=True, help="ISO time")
    p = wf("occurrences", "each expected occurrence in a range and what became of it")
    p.add_argument("workflow", help="workflow id or name")
    p.add_argument("--since", help="ISO time (default: a day before --until)")
    p.add_argument("--until", help="ISO time (default: now)")
    _paging(p, "/workflows/{workflow_id}/occurrences")
    p = wf("runs", "the workflow's runs, newest first")
    p.add_argument("workflow", help="workflow id or name")
    p.add_argument(
        "--status", help=described(query_parameter("/workflows/{workflow_id}/runs", "status"))
    )
    _paging(p, "/workflows/{workflow_id}/runs")
    for action, about in (
        ("get-run", "a workflow run: each step's status, executions and reason"),
        ("cancel-run", "cancel a workflow run"),
        ("retry-run", "retry a FAILED or CANCELLED run from its failure"),
    ):
        wf(action, about).add_argument("run", help="workflow run id")
