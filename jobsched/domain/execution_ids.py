"""Execution ids that say where their row is.

``executions`` is partitioned by day of ``scheduled_for``, and its primary key is
``(id, scheduled_for)``: a row found by its id alone is looked for in every partition,
one index probe each, and retention keeps a partition per day (RETENTION_DAYS, 30 by
default). A worker reads its claimed runs by id on every batch, so the run's id carries
its ``scheduled_for``: a UUID version 7 (RFC 9562) whose 48-bit time field is the
run's ``scheduled_for`` in milliseconds (not its creation time), the rest random as in
any v7. Retries, requeues and redrives keep ``scheduled_for``, so the id stays true
for almost every run's whole life, and the claimed read looks in one partition. One
change moves it: a trigger joining a debounced run before it starts sets a later time.
Such a run, and ids without a time (version 4: runs written before these ids, or by
other tools), are still found, by id alone (``Attempts.claimed``).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

_TIME_BITS = 48
_RAND_A = (1 << 12) - 1
_RAND_B = (1 << 62) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def new_execution_id(scheduled_for: datetime) -> uuid.UUID:
    """A new run's id, carrying its ``scheduled_for`` to the millisecond (floored)."""
    # Integer arithmetic: a float timestamp times 1000 can land a hair below the
    # millisecond, and the id would then point just before its row.
    ms = (scheduled_for - _EPOCH) // _MS & ((1 << _TIME_BITS) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    value = ms << 80 | 0x7 << 76 | (rand >> 62 & _RAND_A) << 64 | 0b10 << 62 | (rand & _RAND_B)
    return uuid.UUID(int=value)


def scheduled_ms(execution_id: str) -> int | None:
    """The ``scheduled_for`` (epoch milliseconds, floored) a run's id carries; None for
    an id that carries none (not version 7)."""
    if len(execution_id) != 36 or execution_id[14] != "7" or execution_id[8] != "-":
        return None
    try:
        return int(execution_id[:8] + execution_id[9:13], 16)
    except ValueError:
        return None
