"""What the built-in handlers read: which programs ``shell.command`` may run and with
which variables, which private hosts ``http.webhook`` may call, and the limits of a
handler's child process. Not the core's: the scheduler, the queue and the store never
read them. Read once per process (``runtime.py``) and handed to the handlers: to their
payload rules when a job is validated, and as ``HandlerContext.handler_settings`` when
they run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jobsched.envfields import EnvSettings, env_field, must_not_be_negative
from jobsched.errors import SettingsError

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""A portable environment variable name (no ``%``: bash imports ``BASH_FUNC_f%%`` as code)."""
# SHELL_ALLOWED_ENV is an allow-list, but listing one of these would hand payloads a
# way to run other code (the loader, bash start-up, tracing) or to pick other
# programs (PATH stays fixed), so start-up refuses them.
UNSAFE_SHELL_ENV = frozenset(
    {"PATH", "IFS", "PS4", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PROMPT_COMMAND"}
)
UNSAFE_SHELL_ENV_PREFIXES = ("LD_", "DYLD_", "BASH_FUNC_")


@dataclass(frozen=True)
class HandlerSettings(EnvSettings):
    shell_allowed_commands: tuple[str, ...] = env_field(
        "SHELL_ALLOWED_COMMANDS",
        "commands shell.command may run (comma-separated; empty = handler off)",
        default=(),
    )
    shell_allowed_env: tuple[str, ...] = env_field(
        "SHELL_ALLOWED_ENV",
        "environment variables a shell.command payload may set (comma-separated; empty = none)",
        default=(),
    )
    webhook_allowed_hosts: tuple[str, ...] = env_field(
        "WEBHOOK_ALLOWED_HOSTS",
        "private hosts/CIDRs http.webhook may call (comma-separated)",
        default=(),
    )
    child_max_memory_mb: int = env_field(
        "CHILD_MAX_MEMORY_MB",
        "address space of a shell.command program or process-isolated handler, in MiB "
        "(RLIMIT_AS; 0: no limit)",
        default=4096,
    )
    child_max_cpu_seconds: int = env_field(
        "CHILD_MAX_CPU_SECONDS",
        "CPU seconds a handler's child process may use (RLIMIT_CPU; 0: no limit)",
        default=3600,
    )
    child_max_open_files: int = env_field(
        "CHILD_MAX_OPEN_FILES",
        "open files of a handler's child process (RLIMIT_NOFILE; 0: the worker's)",
        default=1024,
    )
    child_max_processes: int = env_field(
        "CHILD_MAX_PROCESSES",
        "processes (threads included) of the worker's user a handler's child may fork up to "
        "(RLIMIT_NPROC, not enforced for root; 0: no limit)",
        default=4096,
    )

    def validate(self) -> None:
        must_not_be_negative(
            {
                "CHILD_MAX_MEMORY_MB": self.child_max_memory_mb,
                "CHILD_MAX_CPU_SECONDS": self.child_max_cpu_seconds,
                "CHILD_MAX_OPEN_FILES": self.child_max_open_files,
                "CHILD_MAX_PROCESSES": self.child_max_processes,
            }
        )
        for name in self.shell_allowed_env:
            if not ENV_NAME.match(name):
                raise SettingsError(
                    f"SHELL_ALLOWED_ENV: {name!r} is not an environment variable name",
                    variable="SHELL_ALLOWED_ENV",
                )
            if name in UNSAFE_SHELL_ENV or name.startswith(UNSAFE_SHELL_ENV_PREFIXES):
                raise SettingsError(
                    f"SHELL_ALLOWED_ENV may not list {name}: it would let a payload run other code",
                    variable="SHELL_ALLOWED_ENV",
                )
