"""``python -m infra.local``: run the whole stack on this machine until Ctrl-C."""

from __future__ import annotations

import sys
from pathlib import Path

from infra.local.settings import LocalStackSettings
from infra.local.stack import run_stack
from jobsched.errors import SettingsError
from jobsched.handler_settings import HandlerSettings
from jobsched.settings import Settings


def main() -> int:
    try:
        settings = Settings.from_env()
        local, handlers = LocalStackSettings.from_env(), HandlerSettings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run_stack(settings, Path(__file__).resolve().parents[2], local=local, handlers=handlers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
