"""``jobsched``: run the pieces, check them (doctor) and talk to the API.

The pieces: migrate, tick, worker, up (the local stack).

Exit codes, stable for scripts: 0 ok (a followed run SUCCEEDED); 1 the operation
failed (a followed run FAILED, a doctor check failed); 2 bad usage or input; 3 a
dependency (Redis, PostgreSQL, the API) is unreachable; 4 a followed run ended
without a result (CANCELLED, SKIPPED); 124 ``--timeout`` passed before the run
ended; 130 interrupted (Ctrl-C).

Every command takes ``--json``: API commands print the API's JSON (one object per
line for the commands that follow runs), ``doctor``, ``migrate`` and ``settings``
print one JSON document, and long-running ones (``tick``, ``worker``, ``up``) log
JSON lines.

What lives outside the core plugs in through entry points declared in pyproject.toml,
so this module imports neither ``infra`` nor an AWS library:

- ``jobsched.commands``: functions ``(subparsers) -> None`` adding commands (``up``,
  the local cloud, comes from ``infra.local.command``);
- ``jobsched.log_formats``: functions ``() -> logging.Formatter``, chosen by
  ``LOG_FORMAT`` (``json``, Powertools' formatter, comes from ``infra.logs``);
  ``text`` is built in;
- ``jobsched.settings``: functions ``() -> [(variable, default, meaning)]`` listing a
  plug-in's own settings in ``jobsched settings`` (the local stack's, from
  ``infra.local.settings``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

from jobsched.cli_common import (  # the exit codes are re-exported for scripts and tests
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NOT_RUN,
    EXIT_TIMEOUT,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    add_output_options,
)
from jobsched.errors import DependencyError, JobSchedulerError, SettingsError, ValidationError
from jobsched.settings import Settings, describe

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_RUN",
    "EXIT_TIMEOUT",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "build_parser",
    "main",
]


COMMANDS_GROUP = "jobsched.commands"
LOG_FORMATS_GROUP = "jobsched.log_formats"
SETTINGS_GROUP = "jobsched.settings"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _formatter(name: str) -> logging.Formatter:
    """The formatter LOG_FORMAT names: ``text``, or one from the entry-point group."""
    if name == "text":
        return logging.Formatter(TEXT_FORMAT)
    found = {ep.name: ep for ep in entry_points(group=LOG_FORMATS_GROUP)}
    if name not in found:
        known = ", ".join(sorted({"text", *found}))
        raise SettingsError(
            f"LOG_FORMAT must be one of {known}, got {name!r}", variable="LOG_FORMAT"
        )
    return found[name].load()()


def _setup_logging(verbose: bool = False) -> None:
    """One log line per record on stderr, in the format LOG_FORMAT names (default
    ``json``: one JSON object per line, extra keys such as execution_id included)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter(os.environ.get("LOG_FORMAT") or "json"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def _stop_event() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so loops end cleanly."""
    stop = threading.Event()

    def handle(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from jobsched.store.migrations import migrate

    applied = migrate(settings.database_url)
    if args.json:
        print(json.dumps({"applied": applied}))
    else:
        print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def cmd_tick(args: argparse.Namespace, settings: Settings) -> int:
    from jobsched.runtime import runtime

    scheduler = runtime().scheduler()
    if args.once:
        print(json.dumps(scheduler.run_once().to_dict()))
        scheduler.resign()
        return 0
    scheduler.run_forever(_stop_event())
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from jobsched.runtime import runtime
    from jobsched.secrecy import hide_secrets

    worker = runtime().worker()
    # The settings (and the handler modules) are loaded: from here on, nothing a job
    # runs may find the secrets in this process's environment.
    hide_secrets()
    worker.run_forever(_stop_event())
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from jobsched.doctor import Doctor, render, report
    from jobsched.runtime import runtime

    rt = runtime()  # its settings are these, read from the environment once
    doctor = Doctor(rt.store, rt.queue, rt.settings)
    checks = doctor.run(rt.clock.now())
    print(json.dumps(report(checks), indent=2) if args.json else render(checks))
    if all(c.ok for c in checks):
        return 0
    return EXIT_FAILED if doctor.redis_ok and doctor.postgres_ok else EXIT_UNAVAILABLE


def _settings_rows() -> list[tuple[str, str, str]]:
    """The core's and the handlers' settings, then each plug-in's that is shipped here."""
    rows = describe()
    for entry in entry_points(group=SETTINGS_GROUP):
        try:
            rows += entry.load()()
        except ImportError:
            continue  # declared, but not shipped here (the worker image has no local stack)
    return rows


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    rows = _settings_rows()
    if args.json:
        print(json.dumps([{"name": n, "default": d, "meaning": m} for n, d, m in rows], indent=2))
        return 0
    for name, default, meaning in rows:
        print(f"{name:24} {default or '-':28} {meaning}")
    return 0


def _commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every command and subcommand parser under ``parser``."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += [child, *_commands(child)]
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobsched", description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON (every command)")
    parser.add_argument("--api-url", help="API base URL (env JOBSCHED_API_URL)")
    parser.add_argument("--api-key", help="API key (env JOBSCHED_API_KEY)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(fn=cmd_migrate)
    tick = sub.add_parser("tick", help="run the scheduler tick (loops unless --once)")
    tick.add_argument("--once", action="store_true", help="one pass, then print its report")
    tick.set_defaults(fn=cmd_tick)
    sub.add_parser("worker", help="run a worker until SIGTERM").set_defaults(fn=cmd_worker)
    sub.add_parser("settings", help="list settings and defaults").set_defaults(fn=cmd_settings)
    doctor = sub.add_parser(
        "doctor",
        help="check Redis, PostgreSQL, scheduler, workers, clocks, queue; exit 0 if all pass",
    )
    doctor.set_defaults(fn=cmd_doctor)
    _add_client_commands(sub)
    for entry in entry_points(group=COMMANDS_GROUP):
        try:
            add = entry.load()
        except ImportError:
            continue  # declared, but its code is not shipped here (the worker image has no `up`)
        add(sub)
    for command in _commands(parser):  # plug-in commands too: every one takes --json
        if "--json" not in command._option_string_actions:
            add_output_options(command)
    return parser


def _add_client_commands(sub: Any) -> None:
    """The commands that talk to the API (jobs, executions, dlq, audit, seed)."""
    from jobsched.cli_client import add_commands
    from jobsched.cli_workflows import add_workflow_commands

    add_commands(sub)
    add_workflow_commands(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    fn: Callable[[argparse.Namespace, Settings], int] = args.fn
    try:
        if args.json:  # long-running commands log JSON lines
            os.environ["LOG_FORMAT"] = "json"
        elif getattr(args, "log_format", None):
            os.environ.setdefault("LOG_FORMAT", args.log_format)
        _setup_logging(args.verbose)
        settings = Settings.from_env()
        return fn(args, settings)
    except SettingsError as exc:
        print(f"jobsched: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as exc:
        print(f"jobsched: {exc.message}", file=sys.stderr)
        for field, problem in exc.fields.items():
            print(f"  {field}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except DependencyError as exc:
        print(f"jobsched: {exc.message}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except JobSchedulerError as exc:
        print(f"jobsched: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
