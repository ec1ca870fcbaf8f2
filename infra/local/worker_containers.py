"""``WORKER_RUNTIME=container``: the local stack's workers as containers of the worker image.

Each worker is a ``podman run`` in the foreground, supervised by ``WorkerPool`` like a
worker process: its SIGTERM is proxied to the container's PID 1 (the init, which forwards
it to the worker), so Ctrl-C drains the containers as it drains processes. The container
gets what the template's ECS task gives it (``infra/aws/worker_task.py``), its values from
the stack's environment, and nothing else; only ``WORKER_ID`` and ``WORKER_POOLS`` are the
pool's, as with processes (``worker-1``, ``reports-worker-1``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from infra.aws.worker_task import WorkerTask, worker_task
from infra.worker.containers import run_args
from infra.worker.image import build_image
from infra.worker.podman import Engine

log = logging.getLogger("infra.local.worker_containers")

# podman removes a stopped container (--rm) after the worker exits: with the vfs driver
# that deletes a copy of the image, a few seconds more than a process needs.
KILL_MARGIN_S = 20.0


@dataclass(frozen=True)
class ContainerWorkers:
    engine: Engine
    task: WorkerTask
    image: str
    prefix: str
    """Names containers ``<prefix>-<worker id>``: two stacks on one machine never clash."""

    @classmethod
    def prepare(cls, log_line: Callable[[str], None] = log.info) -> ContainerWorkers:
        """Build the image (base and wheelhouse cached), so the containers run this
        checkout's code as worker processes would."""
        engine = Engine.from_env()
        built = build_image(engine, log=log_line)
        log_line(f"worker image {built.image}: {built.size_bytes / 1e6:.0f} MB")
        return cls(engine, worker_task(), built.image, f"jobsched-{os.getpid()}")

    def environment(self) -> dict[str, str]:
        """What podman itself needs in its environment (its configuration files)."""
        return self.engine.configure()

    def name(self, worker_id: str) -> str:
        return f"{self.prefix}-{worker_id}"

    def command(self, worker_id: str) -> list[str]:
        args = run_args(self.task, self.name(worker_id), image=self.image)
        return self.engine.command("podman", "run", "--rm", "--sig-proxy=true", *args)

    def remove(self, worker_id: str) -> None:
        """A container whose ``podman`` client was killed keeps running: remove it."""
        self.engine.podman("rm", "--force", "--time", "0", self.name(worker_id), check=False)
