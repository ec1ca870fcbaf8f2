"""The API half of the CLI: ``jobsched jobs|executions|dlq|audit|keys|seed ...``.

Output is a readable table by default and JSON with ``--json`` (for scripts).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from jobsched.cli import EXIT_FAILED, EXIT_UNAVAILABLE, EXIT_USAGE
from jobsched.client import ApiError, ApiUnreachable, Client

DEMO_JOBS = [
    {
        "name": "heartbeat-every-10s",
        "handler": "test.log",
        "schedule": "*/10 * * * * *",
        "payload": {"message": "still alive"},
        "priority": 20,
    },
    {
        "name": "echo-every-minute",
        "handler": "test.echo",
        "schedule": "* * * * *",
        "payload": {"hello": "world"},
    },
    {
        "name": "slow-report",
        "handler": "test.delay",
        "schedule": "*/30 * * * * *",
        "payload": {"durationMs": 4000},
        "priority": 70,
    },
    {
        "name": "flaky-sync",
        "handler": "test.delay",
        "schedule": "*/45 * * * * *",
        "payload": {"durationMs": 300, "shouldFail": True, "failMessage": "upstream timed out"},
        "max_retries": 2,
        "retry_backoff_ms": 2000,
        "retry_backoff_max_ms": 8000,
    },
    {
        "name": "nightly-cleanup",
        "handler": "system.cleanup",
        "schedule": "0 3 * * *",
        "timezone": "Europe/Paris",
        "payload": {"retention_days": 30},
    },
]


def _print(data: Any, as_json: bool, columns: list[str] | None = None) -> None:
    if as_json or columns is None:
        print(json.dumps(data, indent=2))
        return
    items = data["items"] if isinstance(data, dict) and "items" in data else [data]
    rows = [
        [str(item.get(c) if item.get(c) is not None else "-") for c in columns] for item in items
    ]
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)
    ]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    if isinstance(data, dict) and "total" in data:
        print(f"({len(items)} of {data['total']})")


JOB_COLUMNS = ["id", "name", "handler", "schedule", "priority", "status", "next_run_time"]
EXEC_COLUMNS = ["id", "job_name", "status", "attempt", "worker_id", "scheduled_for", "error"]
DLQ_COLUMNS = ["id", "job_name", "handler", "attempts", "error", "created_at"]
AUDIT_COLUMNS = ["at", "key_id", "action", "target_type", "target_id", "changed"]
KEY_COLUMNS = ["id", "name", "scope", "rate_limit_per_minute", "created_at", "last_used_at"]
AUDIT_FILTERS = ("action", "target_type", "target_id", "key_id", "since", "until", "limit")


def _json_arg(text: str | None, name: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{name} is not valid JSON: {exc}") from None


def run_jobs(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "list":
        return api.list_jobs(
            status=args.status, handler=args.handler, name=args.name, limit=args.limit
        ), JOB_COLUMNS
    if args.action == "create":
        fields: dict[str, Any] = {"name": args.name, "handler": args.handler}
        keys = ("schedule", "timezone", "priority", "max_retries", "timeout_ms", "description")
        for key in (*keys, "pool", "max_concurrency"):
            if getattr(args, key) is not None:
                fields[key] = getattr(args, key)
        if args.payload is not None:
            fields["payload"] = _json_arg(args.payload, "--payload")
        return api.create_job(**fields), JOB_COLUMNS
    job = api.find_job(args.job)
    if args.action == "get":
        return job, None
    if args.action == "trigger":
        return api.trigger(
            job["id"], _json_arg(args.payload, "--payload"), args.priority
        ), EXEC_COLUMNS
    if args.action == "pause":
        return api.pause(job["id"]), JOB_COLUMNS
    if args.action == "resume":
        return api.resume(job["id"]), JOB_COLUMNS
    if args.action == "delete":
        api.delete_job(job["id"])
        return {"deleted": job["id"]}, None
    raise AssertionError(args.action)


def run_executions(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "list":
        job_id = api.find_job(args.job)["id"] if args.job else None
        return api.list_executions(job_id, status=args.status, limit=args.limit), EXEC_COLUMNS
    if args.action == "get":
        return api.get_execution(args.id), None
    if args.action == "cancel":
        return api.cancel(args.id), EXEC_COLUMNS
    if args.action == "retry":
        return api.retry(args.id), EXEC_COLUMNS
    raise AssertionError(args.action)


def run_dlq(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "list":
        return api.dead_letter(limit=args.limit), DLQ_COLUMNS
    if args.action == "redrive":
        return api.redrive(args.id), EXEC_COLUMNS
    if args.action == "delete":
        api.delete_dead_letter(args.id)
        return {"deleted": args.id}, None
    raise AssertionError(args.action)


def run_audit(args: argparse.Namespace, api: Client) -> Any:
    page = api.audit(**{f: getattr(args, f) for f in AUDIT_FILTERS})
    if not args.json:  # the table names the changed fields; --json has the values
        for item in page["items"]:
            item["changed"] = ", ".join(item["changes"])
    return page, AUDIT_COLUMNS


def run_keys(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "list":
        return api.list_keys(), KEY_COLUMNS
    if args.action == "create":
        # The only time the key is shown: it is in the table too.
        return api.create_key(args.name, args.scope, args.rate_limit), [*KEY_COLUMNS[:4], "key"]
    if args.action == "revoke":
        api.revoke_key(args.id)
        return {"revoked": args.id}, None
    if args.action == "me":
        return api.me(), None
    raise AssertionError(args.action)


def run_seed(args: argparse.Namespace, api: Client) -> Any:
    created = []
    for job in DEMO_JOBS:
        try:
            created.append(api.create_job(**job))
        except ApiError as exc:
            if exc.status != 409:  # already seeded: fine
                raise
    return {"items": created, "total": len(created)}, JOB_COLUMNS


def _client_command(fn: Any) -> Any:
    def run(args: argparse.Namespace, settings: Any) -> int:
        api = Client(args.api_url, args.api_key)
        try:
            data, columns = fn(args, api)
        except ApiUnreachable as exc:
            print(f"jobsched: {exc} (is `make up` running? set JOBSCHED_API_URL)", file=sys.stderr)
            return EXIT_UNAVAILABLE
        except argparse.ArgumentTypeError as exc:
            print(f"jobsched: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except ApiError as exc:
            print(f"jobsched: {exc.message} ({exc.status} {exc.code})", file=sys.stderr)
            for field, problem in exc.fields.items():
                print(f"  {field}: {problem}", file=sys.stderr)
            return EXIT_USAGE if exc.status in (400, 404, 409) else EXIT_FAILED
        _print(data, args.json, columns)
        return 0

    return run


def add_commands(sub: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--api-url", help="API base URL (env JOBSCHED_API_URL)")
    common.add_argument("--api-key", help="API key (env JOBSCHED_API_KEY)")
    common.add_argument("--json", action="store_true", help="print JSON")

    jobs = sub.add_parser("jobs", help="manage jobs through the API").add_subparsers(
        dest="action", required=True
    )
    p = jobs.add_parser("list", parents=[common])
    p.add_argument("--status")
    p.add_argument("--handler")
    p.add_argument("--name")
    p.add_argument("--limit", type=int)
    p = jobs.add_parser("create", parents=[common])
    p.add_argument("name")
    p.add_argument("handler")
    p.add_argument("--schedule")
    p.add_argument("--timezone")
    p.add_argument("--priority", type=int)
    p.add_argument("--max-retries", dest="max_retries", type=int)
    p.add_argument("--timeout-ms", dest="timeout_ms", type=int)
    p.add_argument("--pool", help="worker pool (default: the handler's)")
    p.add_argument("--max-concurrency", dest="max_concurrency", type=int)
    p.add_argument("--description")
    p.add_argument("--payload", help="JSON object")
    for action in ("get", "pause", "resume", "delete", "trigger"):
        p = jobs.add_parser(action, parents=[common])
        p.add_argument("job", help="job id or name")
        if action == "trigger":
            p.add_argument("--payload", help="JSON object overriding the job's payload")
            p.add_argument("--priority", type=int)
    for p in jobs.choices.values():
        p.set_defaults(fn=_client_command(run_jobs))

    ex = sub.add_parser("executions", help="inspect, cancel, retry executions").add_subparsers(
        dest="action", required=True
    )
    p = ex.add_parser("list", parents=[common])
    p.add_argument("--job", help="job id or name")
    p.add_argument("--status")
    p.add_argument("--limit", type=int)
    for action in ("get", "cancel", "retry"):
        ex.add_parser(action, parents=[common]).add_argument("id")
    for p in ex.choices.values():
        p.set_defaults(fn=_client_command(run_executions))

    dlq = sub.add_parser("dlq", help="the dead-letter queue").add_subparsers(
        dest="action", required=True
    )
    dlq.add_parser("list", parents=[common]).add_argument("--limit", type=int)
    for action in ("redrive", "delete"):
        dlq.add_parser(action, parents=[common]).add_argument("id")
    for p in dlq.choices.values():
        p.set_defaults(fn=_client_command(run_dlq))

    p = sub.add_parser("audit", parents=[common], help="changes made through the API")
    p.add_argument("--action")
    p.add_argument("--target-type", dest="target_type", help="job, execution or dead_letter")
    p.add_argument("--target-id", dest="target_id")
    p.add_argument("--key-id", dest="key_id")
    p.add_argument("--since", help="ISO time (UTC without an offset)")
    p.add_argument("--until", help="ISO time (UTC without an offset)")
    p.add_argument("--limit", type=int)
    p.set_defaults(fn=_client_command(run_audit))

    keys = sub.add_parser("keys", help="API keys: create, list, revoke").add_subparsers(
        dest="action", required=True
    )
    keys.add_parser("list", parents=[common])
    p = keys.add_parser("create", parents=[common], help="prints the new key once")
    p.add_argument("name")
    p.add_argument("--scope", required=True, choices=("read", "operate", "admin"))
    p.add_argument("--rate-limit", dest="rate_limit", type=int, help="requests per minute")
    keys.add_parser("revoke", parents=[common]).add_argument("id")
    keys.add_parser("me", parents=[common], help="the key this command calls with")
    for p in keys.choices.values():
        p.set_defaults(fn=_client_command(run_keys))

    sub.add_parser("seed", parents=[common], help="create a few demo jobs").set_defaults(
        fn=_client_command(run_seed)
    )
