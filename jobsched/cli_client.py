"""The API half of the CLI: one command for every operation of the API
(``tests/integration/test_cli_parity.py`` checks), plus ``seed``.

Output is a readable table by default and JSON with ``--json`` (for scripts; the
commands that follow runs print one JSON object per line). Exit codes are those of
``jobsched.cli``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from jobsched.cli_common import EXIT_FAILED, EXIT_UNAVAILABLE, EXIT_USAGE, add_output_options
from jobsched.cli_follow import Outcome, follow_execution, follow_job
from jobsched.cli_schema import body_field, choices, described, query_parameter
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
    if isinstance(data, str):  # already rendered (the Prometheus text)
        print(data, end="" if data.endswith("\n") else "\n")
        return
    if as_json or columns is None:
        print(json.dumps(data, indent=2))
        return
    items = data["items"] if isinstance(data, dict) and "items" in data else [data]
    rows = [[_cell(item.get(c)) for c in columns] for item in items]
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)
    ]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    if isinstance(data, dict) and "total" in data:
        print(f"({len(items)} of {data['total']})")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


JOB_COLUMNS = ["id", "name", "handler", "schedule", "priority", "status", "next_run_time"]
EXEC_COLUMNS = ["id", "job_name", "status", "attempt", "worker_id", "scheduled_for", "error"]
DLQ_COLUMNS = ["id", "job_name", "handler", "attempts", "error", "created_at"]
AUDIT_COLUMNS = ["at", "key_id", "action", "target_type", "target_id", "changed"]
KEY_COLUMNS = ["id", "name", "scope", "rate_limit_per_minute", "created_at", "last_used_at"]
WORKER_COLUMNS = ["id", "host", "pid", "running", "capacity", "pools", "last_heartbeat", "stale"]
HANDLER_COLUMNS = ["name", "pool", "isolation", "workers", "description"]
BUCKET_COLUMNS = ["start", "succeeded", "failed", "p95_duration_ms"]
NEXT_RUN_COLUMNS = ["at", "utc"]
OCCURRENCE_COLUMNS = ["scheduled_for", "outcome", "status", "execution_id", "reason"]
FLOW_COLUMNS = ["key", "running", "waiting", "limited_by", "next_start_at"]
PREVIEW = "SchedulePreview"
AUDIT_FILTERS = ("action", "target_type", "target_id", "key_id", "since", "until", "limit")
JOB_FIELDS: dict[str, Any] = {
    # option -> (type, what it is); the field is the option's name with '_' for '-'; its
    # choices, range and default come from the API's document (jobsched.cli_schema)
    "schedule": (str, "cron: 5 fields, or 6 with leading seconds ('' on update: none)"),
    "timezone": (str, "IANA zone"),
    "priority": (int, "higher first"),
    "max-retries": (int, "retries after a failed attempt"),
    "timeout-ms": (int, "per attempt"),
    "retry-backoff-ms": (int, "first retry delay"),
    "retry-backoff-max-ms": (int, "longest retry delay"),
    "overlap-policy": (str, "when a run falls due while the previous one is unfinished"),
    "pool": (str, "worker pool (default: the handler's)"),
    "max-concurrency": (int, "at most this many runs at once"),
    "run-at": (str, "a one-off job: runs once at this ISO time"),
    "dst-gap": (str, "a time the spring-forward day lacks"),
    "dst-overlap": (str, "a time the fall-back day repeats"),
    "catch-up": (str, "occurrences missed while down or paused"),
    "catch-up-window-s": (int, "with catch-up all: how far back"),
    "catch-up-max": (int, "with catch-up all: at most this many"),
    "start-jitter-ms": (int, "start each run up to this much later, at random"),
    "max-start-delay-ms": (int, "SLA: alert when a run starts later than this"),
    "max-duration-ms": (int, "SLA: alert when a run takes longer than this"),
    "notify-url": (str, "where SLA alerts are posted"),
    "description": (str, None),
    "payload": (str, "JSON object"),
    "calendar": (str, "a business calendar's name ('' on update: none)"),
    "non-business-day": (str, "an occurrence on a closed day: skip, next or previous"),
    "business-day-rule": (
        str,
        'JSON, instead of a schedule: {"business_day": "last", "at": "18:00"}',
    ),
    "windows": (str, 'JSON: [{"days": ["mon-fri"], "from": "09:00", "to": "17:00"}]'),
    "blackouts": (str, 'JSON: [{"start": ISO time, "end": ISO time}]'),
    "outside-window": (str, "a run due outside its windows: defer or skip"),
    "on-window-close": (str, "a run still running when its window closes: leave or cancel"),
    "start-at": (str, "ISO time: the schedule's first instant"),
    "end-at": (str, "ISO time: the schedule ends here"),
    "max-runs": (int, "the schedule ends after this many runs"),
}
JSON_FIELDS = ("payload", "business_day_rule", "windows", "blackouts")
CALENDAR_COLUMNS = ["name", "version", "timezone", "weekdays", "holidays", "dates", "updated_at"]


def _json_arg(text: str | None, name: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{name} is not valid JSON: {exc}") from None


def _job_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The job fields given as options (only those given)."""
    fields: dict[str, Any] = {}
    for option in JOB_FIELDS:
        key = option.replace("-", "_")
        value = getattr(args, key, None)
        if value is None:
            continue
        if key in JSON_FIELDS:
            value = _json_arg(value, "--" + option)
        elif key in ("schedule", "calendar") and value == "":
            value = None  # no schedule: runs only when triggered; no calendar
        fields[key] = value
    if getattr(args, "rename", None) is not None:
        fields["name"] = args.rename
    return fields


def run_jobs(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "list":
        filters = {"status": args.status, "handler": args.handler, "name": args.name}
        return api.list_jobs(**filters, sort=args.sort, limit=args.limit), JOB_COLUMNS
    if args.action == "create":
        fields = _job_fields(args)
        return api.create_job(name=args.name, handler=args.handler, **fields), JOB_COLUMNS
    job = api.find_job(args.job)
    if args.action == "get":
        return job, None
    if args.action == "update":
        fields = _job_fields(args)
        if not fields:
            raise argparse.ArgumentTypeError("nothing to update: give at least one field option")
        return api.update_job(job["id"], **fields), JOB_COLUMNS
    if args.action == "trigger":
        payload = _json_arg(args.payload, "--payload")
        later = {"run_at": args.run_at, "delay_ms": args.delay_ms}
        run = api.trigger(
            job["id"], payload, args.priority, **later, idempotency_key=args.idempotency_key
        )
        return run, EXEC_COLUMNS
    if args.action == "next-runs":
        return api.next_runs(job["id"], args.count), NEXT_RUN_COLUMNS
    if args.action == "backfill":
        return api.backfill(job["id"], args.start, args.end), EXEC_COLUMNS
    if args.action == "occurrences":
        window = {"since": args.since, "until": args.until, "limit": args.limit}
        return api.occurrences(job["id"], **window), OCCURRENCE_COLUMNS
    if args.action == "pause":
        return api.pause(job["id"]), JOB_COLUMNS
    if args.action == "resume":
        return api.resume(job["id"]), JOB_COLUMNS
    if args.action == "delete":
        api.delete_job(job["id"])
        return {"deleted": job["id"]}, None
    if args.action == "executions":
        page = api.list_executions(job["id"], status=args.status, limit=args.limit)
        return page, EXEC_COLUMNS
    if args.action == "tail":
        return follow_job(api, job, args), None
    if args.action == "explain":
        return api.explain(job["id"], args.at), None
    if args.action == "flow":
        return api.flow(job["id"]), FLOW_COLUMNS
    raise AssertionError(args.action)


def _calendar_body(args: argparse.Namespace, current: dict[str, Any]) -> dict[str, Any]:
    """A calendar's body: ``current`` (empty for a new one) with the options given."""
    body = {k: current[k] for k in ("timezone", "weekdays", "dates") if k in current}
    if current.get("holidays"):
        body["holidays"] = {k: v for k, v in current["holidays"].items() if v is not None}
    for key in ("ics", "windows", "blackouts"):
        if current.get(key) is not None:
            body[key] = current[key]
    for key in ("windows", "blackouts"):
        text = getattr(args, key)
        if text is not None:  # '' drops them
            body[key] = _json_arg(text, key) if text else None
    if args.timezone is not None:
        body["timezone"] = args.timezone
    if args.weekdays is not None:
        body["weekdays"] = [d for d in args.weekdays.split(",") if d]
    if args.dates is not None:
        body["dates"] = [d for d in args.dates.split(",") if d]
    if args.holidays is not None:
        country, _, subdivision = args.holidays.partition(":")
        body.pop("holidays", None)
        if country:
            body["holidays"] = {
                "country": country,
                **({"subdivision": subdivision} if subdivision else {}),
            }
    if args.ics_file is not None:
        with open(args.ics_file, encoding="utf-8") as f:
            body["ics"] = f.read()
    return {"name": args.name, **body}


def run_calendars(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "list":
        return api.list_calendars(limit=args.limit), CALENDAR_COLUMNS
    if args.action == "get":
        return api.get_calendar(args.name), None
    if args.action == "days":
        return api.calendar_days(args.name, args.since, args.until), None
    if args.action == "create":
        return api.create_calendar(_calendar_body(args, {})), None
    if args.action == "update":
        current = api.get_calendar(args.name)
        return api.update_calendar(args.name, _calendar_body(args, current)), None
    if args.action == "delete":
        api.delete_calendar(args.name)
        return {"deleted": args.name}, None
    raise AssertionError(args.action)


def run_executions(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "list":
        job_id = api.find_job(args.job)["id"] if args.job else None
        filters = {"status": args.status, "handler": args.handler, "limit": args.limit}
        if job_id is not None:
            filters["job_id"] = job_id
        return api.list_executions(**filters), EXEC_COLUMNS
    if args.action == "get":
        return api.get_execution(args.id), None
    if args.action == "cancel":
        return api.cancel(args.id), EXEC_COLUMNS
    if args.action == "retry":
        return api.retry(args.id), EXEC_COLUMNS
    if args.action == "watch":
        return follow_execution(api, args.id, args), None
    raise AssertionError(args.action)


def run_dlq(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "list":
        return api.dead_letter(limit=args.limit), DLQ_COLUMNS
    if args.action == "get":
        return api.get_dead_letter(args.id), None
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


def run_metrics(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "executions":
        window = {"window_s": args.window_s, "bucket_s": args.bucket_s}
        return api.execution_metrics(**window), None if args.json else BUCKET_COLUMNS
    if args.prometheus:
        return api.metrics_text(), None
    return api.metrics(), None


def run_system(args: argparse.Namespace, api: Client) -> Any:
    if args.command == "workers":
        return api.workers(), WORKER_COLUMNS
    if args.command == "handlers":
        return api.handlers(), HANDLER_COLUMNS
    if args.command == "health":
        return api.health(), None
    if args.command == "openapi":
        return api.openapi(), None
    raise AssertionError(args.command)


def run_schedules(args: argparse.Namespace, api: Client) -> Any:
    if args.action == "preview":
        given = {
            "timezone": args.timezone,
            "dst_gap": args.dst_gap,
            "dst_overlap": args.dst_overlap,
            "count": args.count,
            "after": args.after,
        }
        options = {k: v for k, v in given.items() if v is not None}
        return api.preview_schedule(args.schedule, **options), NEXT_RUN_COLUMNS
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
            if exc.status == 503:
                return EXIT_UNAVAILABLE
            return EXIT_USAGE if exc.status in (400, 404, 409) else EXIT_FAILED
        if isinstance(data, Outcome):  # a followed run: its lines are printed already
            return data.code
        _print(data, args.json, columns)
        return 0

    return run


def _paging(p: argparse.ArgumentParser, path: str) -> None:
    """``--limit`` of the list at ``GET path``, bounded as the API bounds it."""
    p.add_argument(
        "--limit", type=int, help=described(query_parameter(path, "limit"), "items per page")
    )


def _job_options(p: argparse.ArgumentParser) -> None:
    for option, (kind, about) in JOB_FIELDS.items():
        field = option.replace("-", "_")
        help_text = described(body_field("JobCreate", field), about)
        p.add_argument(f"--{option}", dest=field, type=kind, help=help_text)


def _follow_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--timeout", type=float, help="give up after this many seconds (exit 124)")


def _group(sub: Any, name: str, help_text: str, fn: Any) -> Any:
    """A command group; returns a function adding one of its subcommands."""
    group = sub.add_parser(name, help=help_text).add_subparsers(dest="action", required=True)
    run = _client_command(fn)

    def leaf(action: str, help_text: str | None = None) -> argparse.ArgumentParser:
        p = group.add_parser(action, help=help_text)
        add_output_options(p, api=True)
        p.set_defaults(fn=run)
        return p

    return leaf


def add_commands(sub: Any) -> None:
    """Every API command: ``jobs``, ``executions``, ``dlq``, ``audit``, ``keys``,
    ``metrics``, ``workers``, ``handlers``, ``health``, ``openapi``, ``seed``."""
    jobs = _group(sub, "jobs", "manage jobs through the API", run_jobs)
    p = jobs("list")
    p.add_argument("--status", help=described(query_parameter("/jobs", "status")))
    p.add_argument("--handler")
    p.add_argument("--name", help="substring, case-insensitive")
    p.add_argument("--sort", help=described(query_parameter("/jobs", "sort")))
    _paging(p, "/jobs")
    p = jobs("create")
    p.add_argument("name")
    p.add_argument("handler")
    _job_options(p)
    p = jobs("update", "change the given fields, keep the others")
    p.add_argument("job", help="job id or name")
    p.add_argument("--name", dest="rename", help="a new name")
    _job_options(p)
    for action in ("get", "pause", "resume", "delete"):
        jobs(action).add_argument("job", help="job id or name")
    p = jobs("trigger")
    p.add_argument("job", help="job id or name")
    p.add_argument("--payload", help="JSON object overriding the job's payload")
    p.add_argument("--priority", type=int)
    p.add_argument("--run-at", dest="run_at", help="run later, at this ISO time")
    p.add_argument("--delay-ms", dest="delay_ms", type=int, help="run later, after this delay")
    p.add_argument(
        "--idempotency-key", dest="idempotency_key", help="a repeat answers with the first run"
    )
    p = jobs("next-runs", "the job's next runs in its time zone")
    p.add_argument("job", help="job id or name")
    p.add_argument("--count", type=int, default=10)
    p = jobs("backfill", "run each occurrence in [start, end) that has not run, once")
    p.add_argument("job", help="job id or name")
    p.add_argument("--start", required=True, help="ISO time")
    p.add_argument("--end", required=True, help="ISO time")
    p = jobs("occurrences", "each expected occurrence in a range and what became of it")
    p.add_argument("job", help="job id or name")
    p.add_argument("--since", help="ISO time (default: a day before --until)")
    p.add_argument("--until", help="ISO time (default: now)")
    _paging(p, "/jobs/{job_id}/occurrences")
    p = jobs("executions", "the job's executions, newest first")
    p.add_argument("job", help="job id or name")
    p.add_argument("--status", help=described(query_parameter("/executions", "status")))
    _paging(p, "/jobs/{job_id}/executions")
    p = jobs("explain", "what became of the job's occurrence at a time, and why")
    p.add_argument("job", help="job id or name")
    p.add_argument("--at", required=True, help="ISO time of the occurrence")
    p = jobs("flow", "the job's flow-control keys: running, waiting, the limit holding them")
    p.add_argument("job", help="job id or name")
    p = jobs("tail", "follow the job's runs live (unfinished ones and new ones)")
    p.add_argument("job", help="job id or name")
    p.add_argument("--runs", type=int, help="stop after this many runs ended")
    _follow_options(p)

    ex = _group(sub, "executions", "inspect, cancel, retry, watch executions", run_executions)
    p = ex("list")
    p.add_argument("--job", help="job id or name")
    p.add_argument("--status", help=described(query_parameter("/executions", "status")))
    p.add_argument("--handler")
    _paging(p, "/executions")
    for action in ("get", "cancel", "retry"):
        ex(action).add_argument("id")
    p = ex("watch", "follow a run until it ends; the exit code is its outcome")
    p.add_argument("id")
    _follow_options(p)

    schedules = _group(sub, "schedules", "try a schedule before saving it", run_schedules)
    p = schedules("preview", "the next runs of an unsaved schedule")
    p.add_argument("schedule", help="cron: 5 fields, or 6 with leading seconds")
    p.add_argument("--timezone")
    p.add_argument("--dst-gap", dest="dst_gap", help=described(body_field(PREVIEW, "dst_gap")))
    p.add_argument(
        "--dst-overlap", dest="dst_overlap", help=described(body_field(PREVIEW, "dst_overlap"))
    )
    p.add_argument("--count", type=int)
    p.add_argument("--after", help="ISO time (default: now)")

    cals = _group(sub, "calendars", "business calendars: the days jobs may run", run_calendars)
    _paging(cals("list"), "/calendars")
    for action in ("get", "delete"):
        cals(action).add_argument("name")
    p = cals("days", "each day of a range: a business day or not, and why not")
    p.add_argument("name")
    p.add_argument("--since", required=True, help="the first day, YYYY-MM-DD")
    p.add_argument("--until", required=True, help="the last day (included), YYYY-MM-DD")
    for action, about in (("create", "a new calendar"), ("update", "change the given fields")):
        p = cals(action, about)
        p.add_argument("name")
        p.add_argument("--timezone", required=action == "create", help="IANA zone")
        p.add_argument("--weekdays", help="working days, comma-separated: mon,tue,wed,thu,fri")
        p.add_argument(
            "--holidays", help="public holidays: COUNTRY or COUNTRY:SUBDIVISION ('' none)"
        )
        p.add_argument("--dates", help="extra closed dates, comma-separated YYYY-MM-DD")
        p.add_argument("--ics-file", dest="ics_file", help="an iCalendar file closing its days")
        p.add_argument(
            "--windows",
            help='JSON, for every job using it: [{"days": ["mon-fri"], "from": "09:00", '
            '"to": "17:00"}] (\'\' none)',
        )
        p.add_argument(
            "--blackouts", help='JSON: [{"start": ISO time, "end": ISO time}] (\'\' none)'
        )

    dlq = _group(sub, "dlq", "the dead-letter queue", run_dlq)
    _paging(dlq("list"), "/dead-letter")
    for action in ("get", "redrive", "delete"):
        dlq(action).add_argument("id")

    p = sub.add_parser("audit", help="changes made through the API")
    add_output_options(p, api=True)
    p.add_argument("--action", help=described(query_parameter("/audit", "action")))
    p.add_argument(
        "--target-type",
        dest="target_type",
        help=described(query_parameter("/audit", "target_type")),
    )
    p.add_argument("--target-id", dest="target_id")
    p.add_argument("--key-id", dest="key_id")
    p.add_argument("--since", help="ISO time (UTC without an offset)")
    p.add_argument("--until", help="ISO time (UTC without an offset)")
    _paging(p, "/audit")
    p.set_defaults(fn=_client_command(run_audit))

    keys = _group(sub, "keys", "API keys: create, list, revoke", run_keys)
    keys("list")
    p = keys("create", "prints the new key once")
    p.add_argument("name")
    p.add_argument("--scope", required=True, choices=choices(body_field("KeyCreate", "scope")))
    p.add_argument("--rate-limit", dest="rate_limit", type=int, help="requests per minute")
    keys("revoke").add_argument("id")
    keys("me", "the key this command calls with")

    p = sub.add_parser("metrics", help="counts, queue depth, throughput, leader, durations")
    add_output_options(p, api=True)
    p.add_argument("--prometheus", action="store_true", help="the Prometheus text format")
    p.set_defaults(fn=_client_command(run_metrics), action="show")
    history = p.add_subparsers(dest="action")
    p = history.add_parser("executions", help="runs finished per time bucket")
    add_output_options(p, api=True)
    p.add_argument("--window-s", dest="window_s", type=int, help="default 3600")
    p.add_argument("--bucket-s", dest="bucket_s", type=int, help="default 60")
    p.set_defaults(fn=_client_command(run_metrics))

    for name, help_text in (
        ("workers", "workers: host, load, pools, heartbeat"),
        ("handlers", "the handler catalog and the live workers serving each"),
        ("health", "the API, PostgreSQL and Redis up or down"),
        ("openapi", "the API's OpenAPI document"),
    ):
        p = sub.add_parser(name, help=help_text)
        add_output_options(p, api=True)
        p.set_defaults(fn=_client_command(run_system))

    p = sub.add_parser("seed", help="create a few demo jobs")
    add_output_options(p, api=True)
    p.set_defaults(fn=_client_command(run_seed))
