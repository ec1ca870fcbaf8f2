"""The heartbeat's reply per lease has names: the worker reads LeaseState members, and
they are the numbers extend.lua returns (read from the script's own contract)."""

from __future__ import annotations

import re
from pathlib import Path

from jobsched.domain.leases import LeaseState

EXTEND = Path(__file__).resolve().parents[2] / "jobsched" / "queue" / "lua" / "extend.lua"


def test_each_lease_state_is_the_number_extend_lua_returns_for_it() -> None:
    header = " ".join(
        line.lstrip("- ") for line in EXTEND.read_text().splitlines() if line.startswith("--")
    )
    returns = header[header.index("RETURNS") :]
    documented = {int(n): what for n, what in re.findall(r"\b([0-3]) ([a-z][a-z +]+)", returns)}
    assert documented == {
        LeaseState.LOST: "lease lost ",
        LeaseState.EXTENDED: "extended",
        LeaseState.CANCEL_REQUESTED: "extended + cancel requested",
        LeaseState.UNKNOWN: "unknown ",
    }
