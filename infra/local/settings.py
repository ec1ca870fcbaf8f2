"""The local stack's own settings (``make up``): its ports and the processes it starts.
Nothing on AWS and nothing in the core reads them."""

from __future__ import annotations

from dataclasses import dataclass

from jobsched.domain.models import DEFAULT_POOL
from jobsched.envfields import EnvSettings, env_field, must_be_positive, pool_values
from jobsched.errors import SettingsError

MAX_LOCAL_TICKS = 4
"""The template's tick schedules (TickInstances)."""

WORKER_RUNTIMES = ("process", "container")


@dataclass(frozen=True)
class LocalStackSettings(EnvSettings):
    port: int = env_field("PORT", "HTTP port of the local API", default=3001)
    dashboard_port: int = env_field(
        "DASHBOARD_PORT", "HTTP port the local stack serves the dashboard at", default=3000
    )
    local_ticks: int = env_field(
        "LOCAL_TICKS",
        "tick instances the local stack runs (the template's TickInstances, 1-4)",
        default=1,
    )
    local_workers: tuple[str, ...] = env_field(
        "LOCAL_WORKERS",
        "workers the local stack starts: a count (all on 'default') or pool:count pairs",
        default=("2",),
    )

    worker_runtime: str = env_field(
        "WORKER_RUNTIME",
        "how the local stack runs its workers: 'process' (python -m jobsched worker) or"
        " 'container' (make image's image, run as the template's ECS task: docs/deploy.md)",
        default="process",
    )

    def validate(self) -> None:
        must_be_positive({"PORT": self.port, "DASHBOARD_PORT": self.dashboard_port})
        if self.worker_runtime not in WORKER_RUNTIMES:
            raise SettingsError(
                f"WORKER_RUNTIME must be one of {', '.join(WORKER_RUNTIMES)},"
                f" got {self.worker_runtime!r}",
                variable="WORKER_RUNTIME",
            )
        self.local_worker_pools()  # raises naming LOCAL_WORKERS
        if not 1 <= self.local_ticks <= MAX_LOCAL_TICKS:
            raise SettingsError(
                f"LOCAL_TICKS must be between 1 and {MAX_LOCAL_TICKS}, got {self.local_ticks!r}",
                variable="LOCAL_TICKS",
            )

    def local_worker_pools(self) -> dict[str, int]:
        """Workers per pool the local stack starts: ``2`` is ``{"default": 2}``,
        ``default:2,reports:1`` is what it says."""
        if len(self.local_workers) == 1 and ":" not in self.local_workers[0]:
            counts = {DEFAULT_POOL: self.local_workers[0]}
        else:
            counts = pool_values(self.local_workers, "LOCAL_WORKERS")
        out: dict[str, int] = {}
        for pool, count in counts.items():
            if not count.strip().isdigit():
                raise SettingsError(
                    f"LOCAL_WORKERS: {pool}'s count must be a whole number, got {count!r}",
                    variable="LOCAL_WORKERS",
                )
            out[pool] = int(count)
        return out
