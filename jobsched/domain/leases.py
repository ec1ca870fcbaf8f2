"""What a heartbeat learns of each lease it holds (lua/extend.lua's reply, by name)."""

from __future__ import annotations

from enum import IntEnum


class LeaseState(IntEnum):
    """One lease's state after a heartbeat. The numbers are extend.lua's reply."""

    LOST = 0
    """Requeued (it lapsed, its worker was declared dead, a manual retry) or held under
    another token: another worker may run it already, so the holder stops and records
    nothing."""
    EXTENDED = 1
    """Still ours; its deadline was pushed."""
    CANCEL_REQUESTED = 2
    """Still ours and extended, and a cancel was asked for: the handler is told to stop."""
    UNKNOWN = 3
    """Redis lost the queue and the tick has not rebuilt it yet. Not a loss: the rebuild
    restores the lease PostgreSQL recorded for its holder, who keeps running."""
