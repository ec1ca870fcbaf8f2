"""What every ``jobsched`` command module shares: the exit codes (stable for scripts;
see ``jobsched.cli``) and the output options. Its own module, so the command modules
(``cli``, ``cli_client``, ``cli_follow``) import it instead of one another."""

from __future__ import annotations

import argparse

EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_NOT_RUN = 1, 2, 3, 4
EXIT_TIMEOUT, EXIT_INTERRUPTED = 124, 130


def add_output_options(parser: argparse.ArgumentParser, api: bool = False) -> None:
    """``--json`` (and, for API commands, ``--api-url``/``--api-key``) on a command.
    They may also come before the command (``jobsched --json workers``): left out
    here, they keep the value given there."""
    keep = argparse.SUPPRESS
    parser.add_argument("--json", action="store_true", default=keep, help="print JSON")
    if api:
        parser.add_argument("--api-url", default=keep, help="API base URL (env JOBSCHED_API_URL)")
        parser.add_argument("--api-key", default=keep, help="API key (env JOBSCHED_API_KEY)")
