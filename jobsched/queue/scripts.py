"""Lua scripts, loaded from ``lua/`` once per client (EVALSHA after the first call)."""

from __future__ import annotations

import hashlib
from importlib import resources

from redis import Redis
from redis.commands.core import Script

SCRIPT_NAMES = (
    "enqueue",
    "restore",
    "claim",
    "extend",
    "ack",
    "retry_later",
    "release",
    "defer",
    "requeue_expired",
    "release_dead",
    "requeue",
    "promote",
    "age",
    "cancel",
    "unpark",
    "leader_acquire",
    "leader_release",
    "flow_rate",
    "prune_turns",
)

REPLAYABLE = frozenset(
    {
        "claim",  # the same token prefix gets the same reply (claim.lua)
        "enqueue",  # ids the queue holds stay where they are
        "restore",  # likewise
        "extend",  # the same deadline, the same answer
        "unpark",  # a second call finds nothing parked
        "promote",  # a second pass does what is left (usually nothing)
        "requeue_expired",
        "release_dead",
        "age",  # recomputed from each run's own priority
        "prune_turns",  # forgets only what says nothing
        "leader_acquire",  # the owner renews its own lock
    }
)
"""Scripts that may run twice with no harm, so a call whose reply was lost (it may have
run) can be sent again (jobsched/queue/cluster.py). Every other script (a claim leases
new runs, an ack or a release answers "not the holder" the second time) is sent again
only when the server surely did not run it."""


PRELUDES = ("_batch", "_score")
"""Helpers every script gets ahead of its own code: batched calls (lua/_batch.lua) and
the ready zset's score (lua/_score.lua), so each is written once."""


def source(name: str) -> str:
    """A script's full text, as registered (the preludes first)."""
    return "".join(_source(prelude) + "\n" for prelude in PRELUDES) + _source(name)


def sha(name: str) -> str:
    """A script's SHA1, as EVALSHA names it."""
    return hashlib.sha1(source(name).encode()).hexdigest()


def _source(name: str) -> str:
    return (resources.files("jobsched.queue") / "lua" / f"{name}.lua").read_text()


def load_script(client: Redis, name: str) -> Script:
    # Every script gets the preludes (PRELUDES) ahead of its own code.
    return client.register_script(source(name))


def load_scripts(client: Redis) -> dict[str, Script]:
    return {name: load_script(client, name) for name in SCRIPT_NAMES}
