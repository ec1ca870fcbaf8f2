import re
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

import pytest

from infra.local.settings import LocalStackSettings
from jobsched.envfields import EnvSettings
from jobsched.errors import SettingsError
from jobsched.handler_settings import HandlerSettings
from jobsched.settings import Settings, describe

GROUPS: tuple[type[EnvSettings], ...] = (Settings, HandlerSettings, LocalStackSettings)
"""The core's settings, the handlers', the local stack's: one README table for all."""


def _all_rows() -> list[tuple[str, str, str]]:
    return [row for group in GROUPS for row in group.rows()]


def _from_env(env: Mapping[str, str]) -> tuple[Settings, HandlerSettings, LocalStackSettings]:
    return Settings.from_env(env), HandlerSettings.from_env(env), LocalStackSettings.from_env(env)


def test_defaults_match_the_brief() -> None:
    s = Settings.from_env({})
    assert LocalStackSettings.from_env({}).port == 3001
    assert s.scheduler_instance_id == "scheduler-1"
    assert s.leader_lock_ttl_s == 30
    assert s.scan_interval_ms == 1000
    assert s.worker_id == "worker-1"
    assert s.max_concurrent_jobs == 5
    assert s.visibility_timeout_ms == 300_000
    assert s.worker_dead_after_ms == 10_000
    assert LocalStackSettings.from_env({}).local_worker_pools() == {"default": 2}
    assert s.worker_pools == ("default",)
    assert s.api_keys == ()


def test_values_are_read_and_typed() -> None:
    env = {
        "PORT": "8080",
        "API_KEYS": "a, b,,c",
        "LEADER_LOCK_TTL": "2.5",
        "MAX_CONCURRENT_JOBS": "9",
    }
    s, _, local = _from_env(env)
    assert (local.port, s.api_keys, s.leader_lock_ttl_ms, s.max_concurrent_jobs) == (
        8080,
        ("a", "b", "c"),
        2500,
        9,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "abc"}, "PORT"),
        ({"MAX_CONCURRENT_JOBS": "0"}, "MAX_CONCURRENT_JOBS"),
        ({"VISIBILITY_TIMEOUT_MS": "-1"}, "VISIBILITY_TIMEOUT_MS"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"LOCAL_WORKERS": "-2"}, "LOCAL_WORKERS"),
        ({"WORKER_DEAD_AFTER_MS": "500"}, "WORKER_DEAD_AFTER_MS"),
        ({"LOCAL_WORKERS": "default:2,reports"}, "LOCAL_WORKERS"),
        ({"LOCAL_WORKERS": "Reports:1"}, "LOCAL_WORKERS"),
        ({"WORKER_POOLS": "default,Big Pool"}, "WORKER_POOLS"),
        ({"POOL_CONCURRENCY": "reports:0"}, "POOL_CONCURRENCY"),
        ({"POOL_CONCURRENCY": "reports"}, "POOL_CONCURRENCY"),
        ({"POOL_RATE_LIMITS": "reports:10"}, "POOL_RATE_LIMITS"),
        ({"POOL_RATE_LIMITS": "reports:10/0"}, "POOL_RATE_LIMITS"),
        ({"API_KEYS_RATE_LIMIT_PER_MINUTE": "-1"}, "API_KEYS_RATE_LIMIT_PER_MINUTE"),
        ({"API_KEYS_RATE_LIMIT_PER_MINUTE": "lots"}, "API_KEYS_RATE_LIMIT_PER_MINUTE"),
        ({"CHILD_MAX_MEMORY_MB": "-1"}, "CHILD_MAX_MEMORY_MB"),
        ({"CHILD_MAX_CPU_SECONDS": "-5"}, "CHILD_MAX_CPU_SECONDS"),
        ({"CHILD_MAX_OPEN_FILES": "many"}, "CHILD_MAX_OPEN_FILES"),
        ({"CHILD_MAX_PROCESSES": "-1"}, "CHILD_MAX_PROCESSES"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as info:
        _from_env(env)
    assert variable in info.value.message
    assert info.value.details["variable"] == variable


def test_every_setting_is_described() -> None:
    names = {row[0] for row in _all_rows()}
    assert {"PORT", "DATABASE_URL", "REDIS_URL", "API_KEYS", "LOCAL_WORKERS"} <= names
    # `jobsched settings` lists the core's and the handlers' (the local stack's are infra's).
    assert {row[0] for row in describe()} == names - {r[0] for r in LocalStackSettings.rows()}


def test_the_core_settings_carry_neither_handler_nor_local_stack_settings() -> None:
    """Shell, webhook and child-process limits are the handlers'; ports and the local
    processes the local stack's: each variable is read by exactly one settings object."""
    core = {f.metadata["env"] for f in fields(Settings)}
    handlers = {f.metadata["env"] for f in fields(HandlerSettings)}
    local = {f.metadata["env"] for f in fields(LocalStackSettings)}
    assert not core & handlers and not core & local and not handlers & local
    assert {n for n in core if n.startswith(("SHELL_", "WEBHOOK_", "CHILD_"))} == set()
    assert core.isdisjoint({"PORT", "DASHBOARD_PORT", "LOCAL_TICKS", "LOCAL_WORKERS"})
    assert {"SHELL_ALLOWED_COMMANDS", "WEBHOOK_ALLOWED_HOSTS", "CHILD_MAX_MEMORY_MB"} <= handlers


@pytest.mark.parametrize("value", ["LEVEL,BASH_FUNC_x%%", "LEVEL,LD_PRELOAD", "PATH", "1X", "A-B"])
def test_shell_allowed_env_refuses_names_that_run_code_or_are_not_names(value: str) -> None:
    with pytest.raises(SettingsError) as info:
        HandlerSettings.from_env({"SHELL_ALLOWED_ENV": value})
    assert info.value.details["variable"] == "SHELL_ALLOWED_ENV"


def test_shell_allowed_env_is_read() -> None:
    assert HandlerSettings.from_env(
        {"SHELL_ALLOWED_ENV": "LEVEL, REPORT_DAY"}
    ).shell_allowed_env == (
        "LEVEL",
        "REPORT_DAY",
    )


def test_pools_workers_and_limits_are_read() -> None:
    s, _, local = _from_env(
        {
            "LOCAL_WORKERS": "default:2, reports:1",
            "WORKER_POOLS": "reports,default",
            "POOL_CONCURRENCY": "reports:3",
            "POOL_RATE_LIMITS": "reports:10/60, default:5/0.5",
            "HANDLER_MODULES": "acme.jobs, acme.more",
        }
    )
    assert local.local_worker_pools() == {"default": 2, "reports": 1}
    assert s.worker_pools == ("reports", "default")
    assert s.handler_modules == ("acme.jobs", "acme.more")
    assert (s.pool_limits("reports").concurrency, s.pool_limits("reports").rate) == (3, 10)
    assert s.pool_limits("reports").per_ms == 60_000
    assert s.pool_limits("default").per_ms == 500
    assert s.pool_limits("other").concurrency == 0


def _readme_defaults() -> dict[str, str]:
    """The Default column of the README's configuration table, by variable."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme[readme.index("## Configuration") :]
    table = table[: table.index("\n## ", 1)]
    rows = re.finditer(r"^\| `([A-Z_]+)` \| ([^|]*) \|", table, re.MULTILINE)
    return {m[1]: m[2].strip() for m in rows}


def test_every_default_is_the_one_the_readme_documents() -> None:
    # The table is what users read (WORKER_GRACE_MS 30000, MAX_DELIVERIES 10, ...):
    # a default changed in the code alone turns this red.
    documented = _readme_defaults()
    # Every setting of the three objects is in the table (LOG_FORMAT, LOG_LEVEL and
    # LOCALSTACK_PORT are too, read where they are used).
    assert {name for name, _, _ in _all_rows()} <= set(documented)
    for name, default, _ in _all_rows():
        shown = documented[name]
        if shown.startswith("(none"):
            assert default == "", name
            continue
        value = shown.split("`")[1]
        if default in ("True", "False"):
            default = default.lower()
        elif default.endswith(".0"):
            default = default.removesuffix(".0")
        assert default == value, f"{name}: the code says {default}, the README {value}"
