"""``make openapi``: the served OpenAPI document written to ``openapi.json`` at the
repository root, the file client generators (``clients/``) and reviewers read.

Deterministic (sorted keys, indent 2, a trailing newline), so it changes only when the
document does; ``tests/unit/test_openapi_file.py`` fails while the committed file is
stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jobsched.api.openapi import openapi_document

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "openapi.json"


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
