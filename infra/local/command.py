"""``jobsched up``: the local cloud as a CLI command.

Plugged into the core's CLI by the ``jobsched.commands`` entry point (pyproject.toml),
so the core never imports ``infra``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jobsched.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    from infra.local.stack import run_stack

    run_stack(settings, ROOT)
    return 0


def add_command(sub: Any) -> None:
    up = sub.add_parser("up", help="run the whole stack locally")
    # A person reads the local stack's terminal (its workers inherit this): plain text.
    up.set_defaults(fn=cmd_up, log_format="text")
