"""The CLI covers the API: every operation of the OpenAPI document is called by a
command (run for real against the API over HTTP, the requests it makes recorded),
every command takes ``--json`` and prints JSON a script can parse, and
``executions watch`` / ``jobs tail`` follow runs to their end, exiting with the
run's outcome."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jobsched.api.openapi import OPERATIONS
from jobsched.cli import EXIT_FAILED, EXIT_NOT_RUN, EXIT_TIMEOUT, _commands, build_parser, main
from jobsched.client import Client
from tests.integration import test_api, test_cli_keys
from tests.integration.engine import Engine
from tests.integration.helpers import wait_for
from tests.integration.test_api import KEY, Api, job_body

api = test_api.api
api_url = test_cli_keys.api_url


def _template(path: str) -> str:
    """The operation a concrete path belongs to (``/jobs/<uuid>`` -> ``/jobs/{job_id}``)."""
    path = path.split("?")[0]
    for op in OPERATIONS:
        pattern = re.sub(r"{\w+}", "[^/]+", op.path)
        if re.fullmatch(pattern, path) and not (op.path == "/keys/{key_id}" and path == "/keys/me"):
            return op.path
    raise AssertionError(f"no operation for {path}")


@pytest.fixture
def called(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Every operation the CLI's client calls, as ``METHOD /path/{template}``."""
    seen: set[str] = set()
    send = Client._send

    def recording(self: Client, method: str, path: str, *rest: Any) -> bytes:
        seen.add(f"{method} {_template(path)}")
        return send(self, method, path, *rest)

    monkeypatch.setattr(Client, "_send", recording)
    yield seen


class Cli:
    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url, self.capsys = url, capsys

    def run(self, *args: str, key: str = KEY) -> tuple[int, str, str]:
        code = main(["--api-url", self.url, "--api-key", key, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self.run("--json", *args)
        assert code == 0, (args, err)
        return json.loads(out)


@pytest.fixture
def cli(api_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(api_url, capsys)


def test_every_api_operation_has_a_command(
    cli: Cli, api: Api, engine: Engine, called: set[str], tmp_path: Path
) -> None:
    failing = job_body(
        name="fails", handler="test.delay", max_retries=0, payload={"shouldFail": True}
    )
    cli.json(
        "jobs",
        "create",
        "fails",
        "test.delay",
        "--max-retries",
        "0",
        "--payload",
        json.dumps(failing["payload"]),
    )
    cli.json("jobs", "trigger", "fails")
    cli.json("jobs", "trigger", "fails")
    engine.run_until(lambda: api.ok("GET", "/dead-letter")["total"] == 2)
    entries = cli.json("dlq", "list")["items"]
    job = cli.json("jobs", "create", "nightly", "test.echo", "--schedule", "0 6 * * *")
    assert cli.json("jobs", "update", "nightly", "--priority", "70")["priority"] == 70
    run = cli.json("jobs", "trigger", "nightly")
    later = ["jobs", "trigger", "nightly", "--delay-ms", "60000", "--idempotency-key", "k1"]
    assert cli.json(*later)["id"] == cli.json(*later)["id"], "a repeat answers the first run"
    key = cli.json("keys", "create", "ci", "--scope", "read")
    assert cli.run("metrics", "--prometheus")[0] == 0  # GET /metrics/prometheus
    for args in (
        ["health"],
        ["openapi"],
        ["metrics"],
        ["metrics", "executions", "--window-s", "600"],
        ["workers"],
        ["handlers"],
        ["jobs", "list"],
        ["jobs", "get", job["id"]],
        ["jobs", "pause", "nightly"],
        ["jobs", "resume", "nightly"],
        ["jobs", "executions", "nightly"],
        ["jobs", "next-runs", "nightly", "--count", "3"],
        ["jobs", "occurrences", "nightly"],
        [
            "jobs",
            "backfill",
            "nightly",
            "--start",
            "2026-01-01T00:00:00Z",
            "--end",
            "2026-01-03T00:00:00Z",
        ],
        ["schedules", "preview", "0 6 * * *", "--timezone", "Europe/Paris", "--count", "2"],
        ["executions", "list"],
        ["executions", "get", run["id"]],
        ["executions", "cancel", run["id"]],
        ["executions", "retry", run["id"]],
        ["dlq", "get", entries[0]["id"]],
        ["dlq", "redrive", entries[0]["id"]],
        ["dlq", "delete", entries[1]["id"]],
        ["audit", "--target-id", job["id"]],
        ["keys", "list"],
        ["keys", "me"],
        ["keys", "revoke", key["id"]],
        ["jobs", "explain", "nightly", "--at", "2026-01-01T06:00:00Z"],
        ["jobs", "flow", "nightly"],
        ["calendars", "create", "ops", "--timezone", "Europe/Paris", "--holidays", "FR:57"],
        ["calendars", "update", "ops", "--dates", "2026-12-24,2026-12-31"],
        ["calendars", "list"],
        ["calendars", "get", "ops"],
        ["calendars", "days", "ops", "--since", "2026-12-24", "--until", "2026-12-27"],
        ["calendars", "delete", "ops"],
        ["jobs", "delete", "nightly"],
    ):
        cli.json(*args)
    for name in ("cal-a", "cal-b"):
        cli.json("calendars", "create", name, "--timezone", "UTC")
    first = cli.json("calendars", "list", "--limit", "1")
    assert [c["name"] for c in first["items"]] == ["cal-a"] and first["next_cursor"]
    _every_workflow_command(cli, tmp_path)
    assert called == {f"{op.method} {op.path}" for op in OPERATIONS}


def _every_workflow_command(cli: Cli, tmp_path: Path) -> None:
    definition = tmp_path / "wf.yaml"
    definition.write_text(
        "name: nightly-wf\nschedule: '0 6 * * *'\n"
        "steps:\n  - {id: a, handler: test.echo}\n  - {id: b, handler: test.echo, after: [a]}\n"
    )
    wf = cli.json("workflows", "create", str(definition))
    changed = tmp_path / "wf.json"
    changed.write_text(json.dumps({"description": "six o'clock"}))
    assert cli.json("workflows", "update", "nightly-wf", str(changed))["version"] == 2
    run = cli.json("workflows", "trigger", "nightly-wf", "--input", '{"day": "mon"}')
    assert run["input"] == {"day": "mon"}
    for args in (
        ["workflows", "list"],
        ["workflows", "get", wf["id"]],
        ["workflows", "runs", "nightly-wf"],
        ["workflows", "get-run", run["id"]],
        ["workflows", "cancel-run", run["id"]],
        ["workflows", "retry-run", run["id"]],
        ["workflows", "pause", "nightly-wf"],
        ["workflows", "resume", "nightly-wf"],
        ["workflows", "occurrences", "nightly-wf"],
        [
            "workflows",
            "backfill",
            "nightly-wf",
            "--start",
            "2026-01-01T00:00:00Z",
            "--end",
            "2026-01-03T00:00:00Z",
        ],
        ["workflows", "apply", str(definition)],
        ["workflows", "delete", "nightly-wf"],
    ):
        cli.json(*args)


def test_every_command_takes_json() -> None:
    parser = build_parser()
    missing = [p.prog for p in _commands(parser) if "--json" not in p._option_string_actions]
    assert missing == []


def test_workers_as_json_before_or_after_the_command(cli: Cli, engine: Engine) -> None:
    engine.worker("cli-worker").heartbeat(engine.clock.now())
    for args in (["--json", "workers"], ["workers", "--json"]):
        code, out, _ = cli.run(*args)
        assert code == 0
        assert [w["id"] for w in json.loads(out)["items"]] == ["cli-worker"]
    code, out, _ = cli.run("workers")
    assert code == 0 and "cli-worker" in out and not out.startswith("{")


def test_metrics_in_the_prometheus_format(cli: Cli) -> None:
    code, out, _ = cli.run("metrics", "--prometheus")
    assert code == 0
    assert "# TYPE jobsched_run_duration_seconds histogram" in out


def _in_background(engine: Engine, until: Any) -> threading.Thread:
    """Tick and work until ``until()`` while the CLI follows from this thread."""
    thread = threading.Thread(target=engine.run_until, args=(until,), daemon=True)
    thread.start()
    return thread


def test_watch_follows_a_run_to_its_end_and_exits_with_its_outcome(
    cli: Cli, api: Api, engine: Engine
) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    run = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    engine.worker("watch-worker")
    thread = _in_background(engine, lambda: engine.status(run["id"]) == "SUCCEEDED")
    code, out, _ = cli.run("--json", "executions", "watch", run["id"], "--interval", "0.05")
    thread.join()
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert lines[-1]["status"] == "SUCCEEDED" and lines[-1]["id"] == run["id"]

    failing = api.ok(
        "POST",
        "/jobs",
        job_body(name="fails", handler="test.delay", max_retries=0, payload={"shouldFail": True}),
        201,
    )
    run = api.ok("POST", f"/jobs/{failing['id']}/trigger", None, 202)
    thread = _in_background(engine, lambda: engine.status(run["id"]) == "FAILED")
    code, out, _ = cli.run("executions", "watch", run["id"], "--interval", "0.05")
    thread.join()
    assert code == EXIT_FAILED
    assert "FAILED" in out.splitlines()[-1] and "test.delay failed as asked" in out

    run = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    api.ok("POST", f"/executions/{run['id']}/cancel")
    assert cli.run("executions", "watch", run["id"])[0] == EXIT_NOT_RUN
    waiting = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)  # nothing runs it now
    code, _, _ = cli.run(
        "executions", "watch", waiting["id"], "--interval", "0.01", "--timeout", "0.05"
    )
    assert code == EXIT_TIMEOUT


def test_tail_follows_the_jobs_runs_until_they_end(
    cli: Cli, api: Api, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = api.ok("POST", "/jobs", job_body(), 201)
    earlier = api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202)
    engine.run_until(lambda: engine.status(earlier["id"]) == "SUCCEEDED")
    runs = [api.ok("POST", f"/jobs/{job['id']}/trigger", None, 202) for _ in range(2)]
    ids = {r["id"] for r in runs}
    polls = []
    listing = Client.list_executions

    def counted(self: Client, *args: Any, **kwargs: Any) -> Any:
        polls.append(1)
        return listing(self, *args, **kwargs)

    monkeypatch.setattr(Client, "list_executions", counted)
    result: list[Any] = []
    tail = threading.Thread(
        target=lambda: result.append(
            cli.run("--json", "jobs", "tail", job["name"], "--runs", "2", "--interval", "0.05")
        )
    )
    tail.start()
    wait_for(lambda: len(polls) >= 2, what="the tail's first poll")  # it has seen the runs
    engine.run_until(lambda: all(engine.status(i) == "SUCCEEDED" for i in ids))
    tail.join(timeout=30)
    ((code, out, _),) = result
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert {e["id"] for e in lines} == ids, "the run that had ended before is not followed"
    assert {e["id"] for e in lines if e["status"] == "SUCCEEDED"} == ids
