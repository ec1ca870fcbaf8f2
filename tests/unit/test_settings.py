import re
from pathlib import Path

import pytest

from jobsched.errors import SettingsError
from jobsched.settings import Settings, describe


def test_defaults_match_the_brief() -> None:
    s = Settings.from_env({})
    assert s.port == 3001
    assert s.scheduler_instance_id == "scheduler-1"
    assert s.leader_lock_ttl_s == 30
    assert s.scan_interval_ms == 1000
    assert s.worker_id == "worker-1"
    assert s.max_concurrent_jobs == 5
    assert s.visibility_timeout_ms == 300_000
    assert s.worker_dead_after_ms == 10_000
    assert s.local_worker_pools() == {"default": 2}
    assert s.worker_pools == ("default",)
    assert s.api_keys == ()


def test_values_are_read_and_typed() -> None:
    s = Settings.from_env(
        {
            "PORT": "8080",
            "API_KEYS": "a, b,,c",
            "LEADER_LOCK_TTL": "2.5",
            "MAX_CONCURRENT_JOBS": "9",
        }
    )
    assert (s.port, s.api_keys, s.leader_lock_ttl_ms, s.max_concurrent_jobs) == (
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
        Settings.from_env(env)
    assert variable in info.value.message
    assert info.value.details["variable"] == variable


def test_every_setting_is_described() -> None:
    names = {row[0] for row in describe()}
    assert {"PORT", "DATABASE_URL", "REDIS_URL", "API_KEYS", "LOCAL_WORKERS"} <= names


@pytest.mark.parametrize("value", ["LEVEL,BASH_FUNC_x%%", "LEVEL,LD_PRELOAD", "PATH", "1X", "A-B"])
def test_shell_allowed_env_refuses_names_that_run_code_or_are_not_names(value: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"SHELL_ALLOWED_ENV": value})
    assert info.value.details["variable"] == "SHELL_ALLOWED_ENV"


def test_shell_allowed_env_is_read() -> None:
    assert Settings.from_env({"SHELL_ALLOWED_ENV": "LEVEL, REPORT_DAY"}).shell_allowed_env == (
        "LEVEL",
        "REPORT_DAY",
    )


def test_pools_workers_and_limits_are_read() -> None:
    s = Settings.from_env(
        {
            "LOCAL_WORKERS": "default:2, reports:1",
            "WORKER_POOLS": "reports,default",
            "POOL_CONCURRENCY": "reports:3",
            "POOL_RATE_LIMITS": "reports:10/60, default:5/0.5",
            "HANDLER_MODULES": "acme.jobs, acme.more",
        }
    )
    assert s.local_worker_pools() == {"default": 2, "reports": 1}
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
    for name, default, _ in describe():
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
