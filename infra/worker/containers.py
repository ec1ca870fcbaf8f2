"""Worker containers, run the way the template's ECS task runs them (``infra/aws/worker_task.py``).

- the image's ENTRYPOINT with the task's Command (``jobsched worker``);
- only the variables the task sets (its Environment and Secrets names), their values
  taken from the caller's environment (``-e NAME``: values never appear on a command line);
- an init process as PID 1 (``--init``: ECS's InitProcessEnabled), SIGTERM then SIGKILL
  after the task's StopTimeout;
- a read-only root file system with a scratch file system at each of the task's mounts;
- the task's memory as the container's memory limit (enforced here: cgroup v1's memory
  controller, see docs/deploy.md);
- host networking: Redis and PostgreSQL are the host's.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from infra.aws.worker_task import WorkerTask
from infra.worker.podman import WORKER_IMAGE, Engine


def run_args(
    task: WorkerTask,
    name: str,
    *,
    image: str = WORKER_IMAGE,
    memory_mb: int | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """``podman run`` arguments (without ``run`` mode flags such as ``--detach``)."""
    args = ["--name", name, "--replace", "--network", "host"]
    args += ["--stop-timeout", str(task.stop_timeout_s)]
    if task.init_process:
        args.append("--init")
    if task.read_only_root:
        args.append("--read-only")
        # podman would mount its own tmpfs on /tmp, /var/tmp, /run: only the task's mounts.
        args.append("--read-only-tmpfs=false")
    for path in task.writable_paths:
        args += ["--tmpfs", f"{path}:rw,nosuid,nodev,mode=1777"]
    args += ["--memory", f"{memory_mb or task.memory_mb}m"]
    if task.user:
        args += ["--user", task.user]
    for variable in task.variables:
        args += ["--env", variable]  # the value from podman's own environment
    return [*args, *extra, image, *task.command]


@dataclass
class WorkerContainer:
    """One detached worker container (tests and the cold-start benchmark)."""

    engine: Engine
    task: WorkerTask
    name: str
    image: str = WORKER_IMAGE

    def start(
        self,
        env: Mapping[str, str],
        *,
        memory_mb: int | None = None,
        extra: Sequence[str] = (),
    ) -> None:
        """Start it; ``env`` holds the values of the task's variables (others are ignored)."""
        args = run_args(self.task, self.name, image=self.image, memory_mb=memory_mb, extra=extra)
        subprocess.run(
            self.engine.command("podman", "run", "--detach", *args),
            env={**self.engine.env(), **env},
            cwd=self.engine.work_dir,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def state(self) -> dict:
        out = self.engine.podman("inspect", "--format", "{{json .State}}", self.name)
        return json.loads(out.stdout)

    def running(self) -> bool:
        return bool(self.state().get("Running"))

    def stop(self, timeout_s: int | None = None) -> int:
        """SIGTERM to PID 1, SIGKILL after ``timeout_s`` (the task's StopTimeout); the exit code."""
        t = self.task.stop_timeout_s if timeout_s is None else timeout_s
        self.engine.run("podman", ["stop", "--time", str(t), self.name], timeout=t + 60)
        return int(self.state()["ExitCode"])

    def kill(self, signal: str = "KILL") -> None:
        self.engine.podman("kill", "--signal", signal, self.name)

    def wait_exit(self, timeout_s: float = 60) -> int:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.state()
            if not state.get("Running") and state.get("Status") in ("exited", "stopped"):
                return int(state["ExitCode"])
            time.sleep(0.2)  # polling podman: it has no exit notification we can await here
        raise TimeoutError(f"{self.name} still running after {timeout_s} s")

    def logs(self) -> str:
        out = self.engine.podman("logs", self.name, check=False)
        return out.stdout + out.stderr

    def remove(self) -> None:
        self.engine.podman("rm", "--force", "--time", "0", self.name, check=False)
