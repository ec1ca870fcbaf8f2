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
    "unpark",
    "leader_acquire",
    "leader_release",
)


def _source(name: str) -> str:
    return (resources.files("jobsched.queue") / "lua" / f"{name}.lua").read_text()


def load_script(client: Redis, name: str) -> Script:
    # Every script gets the batching helpers (lua/_batch.lua) ahead of its own code.
    return client.register_script(_source("_batch") + _source(name))


def load_scripts(client: Redis) -> dict[str, Script]:
    return {name: load_script(client, name) for name in SCRIPT_NAMES}
