"""The benchmark's own virtualenv, ``.venv-bench``: Celery, RQ and py-spy, pinned in
bench/requirements-compare.txt, for comparison and profiling only. Never .venv: the
project does not depend on them. (Re)filled when the pins change; ``None`` when it
cannot be made (offline), so a benchmark can say so and go on.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-bench"
PINS = ROOT / "bench" / "requirements-compare.txt"

log = logging.getLogger("bench.venv")


def bench_python(create: bool = True) -> Path | None:
    """The interpreter of .venv-bench, made and filled first if ``create``."""
    python = VENV / "bin" / "python"
    marker = VENV / "pins.txt"
    wanted = PINS.read_text()
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    if not create:
        return None
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(PINS)],
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        log.warning("could not fill %s: %s", VENV, exc)
        return None
    marker.write_text(wanted)
    return python


def tool(name: str) -> Path | None:
    """A console script of .venv-bench (``py-spy``), if installed."""
    python = bench_python(create=False)
    path = python.parent / name if python else None
    return path if path and path.exists() else None
