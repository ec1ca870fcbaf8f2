"""The worker container as the template's ECS task definition describes it.

``make up`` with ``WORKER_RUNTIME=container`` and the container tests run the worker image
the way Fargate runs it, from these values (read from ``template.yaml`` or
``infra/aws/worker-pool.yaml``, never restated): the command, the environment's names, the
stop timeout, the read-only root with its writable mounts, the init process, the memory.

Pure Python over ``infra.aws.template`` (PyYAML only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.aws.template import TEMPLATE_PATH, load_template

TASK_TYPE = "AWS::ECS::TaskDefinition"
WORKER_POOL_TEMPLATE = TEMPLATE_PATH.parent / "infra" / "aws" / "worker-pool.yaml"

# What Fargate does when the task definition leaves a field out.
ECS_DEFAULT_STOP_TIMEOUT_S = 30


@dataclass(frozen=True)
class WorkerTask:
    command: tuple[str, ...]
    environment: tuple[str, ...]
    """Names of the variables the task sets (Environment), in the template's order."""
    secrets: tuple[str, ...]
    """Names of the variables it sets from Secrets Manager (DATABASE_URL, REDIS_URL)."""
    stop_timeout_s: int
    read_only_root: bool
    writable_paths: tuple[str, ...]
    """Container paths of the task's volumes (scratch space on the read-only root)."""
    init_process: bool
    memory_mb: int
    """The task's memory at the template's default (WorkerMemory)."""
    user: str | None
    """The task's User override; None: the image's USER applies."""
    health_check: Any
    entry_point: tuple[str, ...] | None
    """The task's EntryPoint override; None: the image's ENTRYPOINT applies."""

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable the worker gets from the task: settings and secrets."""
        return (*self.environment, *self.secrets)


def _default(template: Mapping[str, Any], value: Any) -> Any:
    """A parameter reference resolved to the parameter's Default; a literal as is."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        spec = (template.get("Parameters") or {}).get(value["Ref"]) or {}
        return spec.get("Default")
    return value


def worker_task(path: str | Path = TEMPLATE_PATH) -> WorkerTask:
    """The one worker container of the template's one task definition."""
    template = load_template(path)
    tasks = [
        res for res in (template.get("Resources") or {}).values() if res.get("Type") == TASK_TYPE
    ]
    if len(tasks) != 1:
        raise ValueError(f"{path}: expected one {TASK_TYPE}, found {len(tasks)}")
    props = tasks[0]["Properties"]
    (container,) = props["ContainerDefinitions"]
    linux = container.get("LinuxParameters") or {}
    entry = container.get("EntryPoint")
    return WorkerTask(
        command=tuple(container.get("Command") or ()),
        environment=tuple(e["Name"] for e in container.get("Environment") or ()),
        secrets=tuple(s["Name"] for s in container.get("Secrets") or ()),
        stop_timeout_s=int(container.get("StopTimeout", ECS_DEFAULT_STOP_TIMEOUT_S)),
        read_only_root=bool(container.get("ReadonlyRootFilesystem", False)),
        writable_paths=tuple(m["ContainerPath"] for m in container.get("MountPoints") or ()),
        init_process=bool(linux.get("InitProcessEnabled", False)),
        memory_mb=int(_default(template, props["Memory"])),
        user=container.get("User"),
        health_check=container.get("HealthCheck"),
        entry_point=tuple(entry) if entry else None,
    )
