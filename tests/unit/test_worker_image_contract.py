"""The worker image (infra/worker/Dockerfile) and the task definitions that run it agree.

Both templates (template.yaml's default pool, infra/aws/worker-pool.yaml's other pools)
describe the container Fargate starts from the image; a mismatch shows up only on AWS
(a task that exits at once, a stop that SIGKILLs running work, a variable nobody reads).
The built image's own config is checked against the Dockerfile in
tests/integration/containers/test_worker_container.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra.aws.template import load_template
from infra.aws.worker_task import WORKER_POOL_TEMPLATE, WorkerTask, worker_task
from jobsched.handler_settings import HandlerSettings
from jobsched.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "infra" / "worker" / "Dockerfile"
TEMPLATES = [ROOT / "template.yaml", WORKER_POOL_TEMPLATE]

# Read by Powertools' logger (infra/logs.py), not by a settings object.
POWERTOOLS = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"}
FARGATE_MAX_STOP_TIMEOUT_S = 120


def runtime_stage(text: str) -> dict[str, list[str]]:
    """The instructions of the Dockerfile's last stage: {INSTRUCTION: [arguments, ...]}."""
    joined = re.sub(r"\\\n\s*", " ", text)
    stages = re.split(r"^FROM\s.*$", joined, flags=re.MULTILINE)
    out: dict[str, list[str]] = {}
    for line in stages[-1].splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.setdefault(word.upper(), []).append(rest.strip())
    return out


@pytest.fixture(scope="module")
def image() -> dict[str, list[str]]:
    return runtime_stage(DOCKERFILE.read_text())


@pytest.fixture(scope="module", params=TEMPLATES, ids=lambda p: p.name)
def task(request: pytest.FixtureRequest) -> WorkerTask:
    return worker_task(request.param)


def test_the_task_runs_jobsched_worker(image: dict[str, list[str]], task: WorkerTask) -> None:
    entrypoint = json.loads(image["ENTRYPOINT"][-1])
    assert task.entry_point is None  # the image's ENTRYPOINT applies
    assert [*entrypoint, *task.command] == ["jobsched", "worker"]
    assert json.loads(image["CMD"][-1]) == list(task.command)


def test_the_worker_runs_as_the_images_non_root_user(
    image: dict[str, list[str]], task: WorkerTask
) -> None:
    assert task.user is None  # no override: the image's USER
    uid, _, gid = image["USER"][-1].partition(":")
    assert uid.isdigit() and int(uid) != 0 and gid.isdigit() and int(gid) != 0


def test_health_checks_agree(image: dict[str, list[str]], task: WorkerTask) -> None:
    # Neither declares one: a worker's liveness is its Redis heartbeat, which the tick
    # turns into released leases (WORKER_DEAD_AFTER_MS). An image HEALTHCHECK would also be
    # dropped from an OCI-format image, and ECS reads only the task's.
    assert "HEALTHCHECK" not in image
    assert task.health_check is None


def test_every_variable_the_task_sets_is_one_the_worker_reads(task: WorkerTask) -> None:
    read = {row[0] for row in Settings.rows()} | {row[0] for row in HandlerSettings.rows()}
    unknown = set(task.variables) - read - POWERTOOLS
    assert unknown == set()
    assert set(task.secrets) == {"DATABASE_URL", "REDIS_URL"}


def test_the_image_sets_no_variable_the_task_sets(
    image: dict[str, list[str]], task: WorkerTask
) -> None:
    names = {m for env in image.get("ENV", []) for m in re.findall(r"(\w+)=", env)}
    assert names == {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    assert names.isdisjoint(task.variables)


def test_both_templates_pass_the_same_variables() -> None:
    main, pool = (worker_task(path) for path in TEMPLATES)
    assert main.variables == pool.variables


def test_the_stop_timeout_outlasts_the_longest_grace_period(
    image: dict[str, list[str]], task: WorkerTask, request: pytest.FixtureRequest
) -> None:
    assert image["STOPSIGNAL"] == ["SIGTERM"]  # what the worker drains on
    template = load_template(request.node.callspec.params["task"])
    grace = template["Parameters"]["WorkerGraceMs"]
    longest_grace_s = grace["MaxValue"] / 1000
    assert longest_grace_s < task.stop_timeout_s <= FARGATE_MAX_STOP_TIMEOUT_S


def test_the_read_only_root_leaves_the_working_directory_writable(
    image: dict[str, list[str]], task: WorkerTask
) -> None:
    assert task.read_only_root
    assert image["WORKDIR"][-1] in task.writable_paths
    assert task.init_process  # PID 1 forwards SIGTERM and reaps shell.command's children
