"""Loads the named queries in ``sql/*.sql`` (``queries.sql``, and one file per newer
repository, e.g. ``calendars.sql``) once.

``:transitions`` in a query becomes the allowed (from, to) status pairs of
``jobsched.domain.states.TRANSITIONS`` (``:transition_names`` the same pairs as
``'FROM>TO'`` text), so every guarded status UPDATE reads the one table instead of a
hand-written copy.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from jobsched.domain.states import transition_names_sql, transitions_sql

_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


@cache
def queries() -> dict[str, str]:
    folder = resources.files("jobsched.store") / "sql"
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".sql"))
    text = "\n".join(p.read_text() for p in files)
    text = text.replace(":transition_names", transition_names_sql())
    text = text.replace(":transitions", transitions_sql())
    parts = _NAME.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def q(name: str) -> str:
    return queries()[name]
