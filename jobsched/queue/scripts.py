"""Lua scripts, loaded from ``lua/`` once per client (EVALSHA after the first call)."""

from __future__ import annotations

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
    "requeue_expired",
    "release_dead",
    "requeue",
    "promote",
    "age",
    "cancel",
    "leader_acquire",
    "leader_release",
)


def load_scripts(client: Redis) -> dict[str, Script]:
    folder = resources.files("jobsched.queue") / "lua"
    return {
        name: client.register_script((folder / f"{name}.lua").read_text()) for name in SCRIPT_NAMES
    }
