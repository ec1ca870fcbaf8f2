"""The banner the local stack prints: what tests wait for, and no leaked passwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.aws.template import functions, load_template
from infra.local.errors import LocalCloudError
from infra.local.localstack import LocalStackProcess
from infra.local.settings import LocalStackSettings
from infra.local.stack import LocalStack, settings_environment, template_parameters, tick_rules
from jobsched.errors import SettingsError
from jobsched.handler_settings import HandlerSettings
from jobsched.settings import Settings, describe

SETTING_NAMES = {row[0] for row in describe() + LocalStackSettings.rows()}


def test_banner_ends_with_the_ready_line_and_hides_passwords(tmp_path: Path) -> None:
    stack = LocalStack(Settings(), tmp_path, port=0, workers=0)
    stack.api_url = "http://127.0.0.1:3001/api/v1"
    stack.dashboard_url = "http://127.0.0.1:4100/job-scheduler-dashboard/index.html"
    stack.api_key = "key-1"
    stack.redis_url = "redis://:redis-pw@127.0.0.1:6379/0"
    stack.database_url = "postgresql://app:pg-pw@127.0.0.1:5432/jobsched"
    stack.localstack = LocalStackProcess(tmp_path, port=4566)  # constructed, not started
    stack.gateway_api_url = "http://127.0.0.1:4566/_aws/execute-api/abc/api/api/v1"
    banner = stack.banner()
    assert banner.splitlines()[-1] == (
        "READY api=http://127.0.0.1:3001/api/v1 "
        "dashboard=http://127.0.0.1:4100/job-scheduler-dashboard/index.html "
        "localstack=http://127.0.0.1:4566 stage=http://127.0.0.1:4566/_aws/execute-api/abc/api/api/v1"
    )
    assert 'curl -H "Authorization: Bearer key-1" http://127.0.0.1:3001/api/v1/jobs' in banner
    assert "redis-pw" not in banner and "pg-pw" not in banner
    assert "postgresql://app:***@127.0.0.1:5432/jobsched" in banner


def test_the_banner_names_the_workers_per_pool(tmp_path: Path) -> None:
    pools = LocalStackSettings(local_workers=("default:2", "reports:1"))
    stack = LocalStack(Settings(), tmp_path, port=0, local=pools)
    assert "  Workers    default:2, reports:1" in stack.banner().splitlines()
    three = LocalStackSettings(local_workers=("3",))
    assert "  Workers    3" in LocalStack(Settings(), tmp_path, local=three).banner()


def test_constructor_starts_nothing_and_takes_overrides(tmp_path: Path) -> None:
    local = LocalStackSettings(port=3001, local_workers=("3",))
    stack = LocalStack(Settings(), tmp_path, port=0, local=local)
    assert (stack.port, stack.workers) == (0, {"default": 3})
    assert stack.template_path == tmp_path.resolve() / "template.yaml"
    assert stack.local_dir == tmp_path.resolve() / ".local"
    stack.stop()  # nothing started: a no-op
    assert not (tmp_path / ".local").exists()


def test_settings_round_trip_through_the_environment() -> None:
    settings = Settings(
        redis_key_prefix="p1", scan_interval_ms=250, leader_lock_ttl_s=2.5, api_keys=("a", "b")
    )
    handlers = HandlerSettings(shell_allowed_commands=("echo",))
    local = LocalStackSettings(local_ticks=2)
    env = settings_environment(settings, handlers, local)
    assert env["REDIS_KEY_PREFIX"] == "p1"
    assert env["API_KEYS"] == "a,b"
    assert (env["SHELL_ALLOWED_COMMANDS"], env["LOCAL_TICKS"]) == ("echo", "2")
    assert Settings.from_env(env) == settings
    assert HandlerSettings.from_env(env) == handlers
    assert LocalStackSettings.from_env(env) == local


def test_the_settings_the_template_takes_become_its_parameters() -> None:
    settings = Settings(
        redis_key_prefix="p1",
        scan_interval_ms=250,
        leader_lock_ttl_s=2.5,
    )
    handlers = HandlerSettings(shell_allowed_commands=("echo", "sleep"))
    parameters = template_parameters(settings, handlers)
    assert parameters["RedisKeyPrefix"] == "p1"
    assert parameters["ScanIntervalMs"] == "250"
    assert parameters["LeaderLockTtl"] == "2.5"
    assert parameters["ShellAllowedCommands"] == "echo,sleep"
    assert (parameters["SchedulerShards"], parameters["TickInstances"]) == ("1", "1")


def test_every_setting_the_template_takes_is_passed_from_the_local_settings() -> None:
    """The local Lambdas run with the settings `make up` was given: every template
    parameter that carries a setting is filled from it (none left at its default)."""
    settings = Settings.from_env(
        {
            "RECORD_RUNNING_AFTER_MS": "0",
            "WORKER_DEAD_AFTER_MS": "5000",
            "MAX_DELIVERIES": "3",
            "RETENTION_DAYS": "7",
            "API_STATEMENT_TIMEOUT_MS": "2500",
        }
    )
    parameters = template_parameters(settings)
    assert parameters["ApiStatementTimeoutMs"] == "2500"
    assert parameters["RecordRunningAfterMs"] == "0"
    assert parameters["WorkerDeadAfterMs"] == "5000"
    assert parameters["MaxDeliveries"] == "3"
    assert parameters["RetentionDays"] == "7"
    carried = {
        name
        for name, spec in load_template()["Parameters"].items()
        if "Description" in spec and spec["Description"].split(",")[0] in SETTING_NAMES
    }
    # HANDLER_MODULES stays the local workers' own: the Lambdas never import user
    # handlers (the API validates against the catalog the workers publish).
    assert carried - {"HandlerModules"} <= set(parameters), carried - set(parameters)


def test_local_ticks_enable_that_many_tick_rules_of_the_template() -> None:
    """LOCAL_TICKS=3 deploys with TickInstances=3 and starts the three rules' ticks at once."""
    settings = Settings.from_env({"SCHEDULER_SHARDS": "4"})
    local = LocalStackSettings.from_env({"LOCAL_TICKS": "3"})
    parameters = template_parameters(settings, local=local)
    assert (parameters["SchedulerShards"], parameters["TickInstances"]) == ("4", "3")
    rules = tick_rules(local.local_ticks)
    assert rules == ["TickFunctionTick", "TickFunctionTick2", "TickFunctionTick3"]
    events = functions(load_template())["TickFunction"].events
    assert all(rule.removeprefix("TickFunction") in events for rule in tick_rules(4))
    with pytest.raises(SettingsError, match="LOCAL_TICKS"):
        LocalStackSettings.from_env({"LOCAL_TICKS": "5"})


def test_a_bad_localstack_port_is_refused_naming_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("LOCALSTACK_PORT", "http")
    with pytest.raises(LocalCloudError, match="LOCALSTACK_PORT"):
        LocalStackProcess(Path("."))


def test_worker_runtime_is_process_unless_set_to_container_and_nothing_else() -> None:
    assert LocalStackSettings.from_env({}).worker_runtime == "process"
    assert LocalStackSettings.from_env({"WORKER_RUNTIME": "container"}).worker_runtime == (
        "container"
    )
    with pytest.raises(SettingsError, match="WORKER_RUNTIME"):
        LocalStackSettings.from_env({"WORKER_RUNTIME": "docker"})


def test_container_workers_run_as_the_templates_task_with_only_its_variables() -> None:
    from infra.aws.worker_task import worker_task
    from infra.worker.containers import run_args

    task = worker_task()
    args = run_args(task, "jobsched-1-worker-1", image="img")
    assert args[-2:] == ["img", "worker"]  # the image's ENTRYPOINT with the task's Command
    assert {"--init", "--read-only"} <= set(args)
    assert args[args.index("--memory") + 1] == "1024m"  # WorkerMemory's default
    assert args[args.index("--stop-timeout") + 1] == "120"  # the task's StopTimeout
    assert args[args.index("--network") + 1] == "host"
    passed = {args[i + 1] for i, a in enumerate(args) if a == "--env"}
    assert passed == set(task.variables)  # names only: values come from the environment
    assert "API_KEYS" not in passed and "WORKER_RUNTIME" not in passed


def test_the_stack_runs_workers_through_podman_with_worker_runtime_container(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from infra.aws.worker_task import worker_task
    from infra.local.worker_containers import ContainerWorkers
    from infra.worker.podman import Engine

    prepared = ContainerWorkers(Engine(tmp_path), worker_task(), "img", "jobsched-1")
    monkeypatch.setattr(ContainerWorkers, "prepare", classmethod(lambda cls: prepared))
    containers = LocalStackSettings.from_env({"WORKER_RUNTIME": "container"})
    stack = LocalStack(Settings(), tmp_path, local=containers, workers={"default": 1})
    pool = stack._worker_pool()
    assert pool._command_for == prepared.command
    assert pool._env["CONTAINERS_CONF"] == str(tmp_path / "containers.conf")
    processes = LocalStack(Settings(), tmp_path, local=LocalStackSettings(), workers=1)
    assert processes._worker_pool()._command_for is None
