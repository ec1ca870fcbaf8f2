"""LocalStack, in-process (no Docker, no token), from its own virtualenv.

``infra/bootstrap.sh`` installs LocalStack 4.13.1 into ``.venv-localstack`` from the pinned
files in ``infra/localstack/`` (its pins differ from ours), together with the project's
Lambda executor plug-in. This module starts ``python -m localstack.runtime.main`` there,
with the gateway on ``127.0.0.1:LOCALSTACK_PORT`` (4566), functions run as subprocesses of
*our* interpreter, and all its files in a scratch directory removed at ``stop()``: state is
in memory only, so every start deploys afresh.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from infra.local.errors import LocalCloudError
from infra.local.ports import LOOPBACK, is_listening

log = logging.getLogger("infra.local.localstack")

DEFAULT_PORT = 4566
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
LOG_EVENTS_PER_GROUP = 10_000
"""CloudWatch Logs events a log group keeps (infra/localstack/plugin/jobsched_retention.py):
the newest few thousand invocations' logs, so a stack polled for days holds its memory."""
EXECUTOR = "jobsched-subprocess"
# What template.yaml's local deployment uses, and nothing else: each service LocalStack
# loads costs memory and start-up time. No EC2 (~80 MB and ~0.9 s of boot): the functions
# run on this machine, where their VpcConfig means nothing, and LocalStack's Lambda ignores
# VpcConfig when EC2 is off (deploy.py passes placeholder subnets). Secrets Manager brings
# KMS, its dependency, with it.
SERVICES = (
    "cloudformation", "s3", "lambda", "apigateway", "events", "logs", "iam", "sts",
    "secretsmanager",
)  # fmt: skip


def localstack_python(repo_root: Path) -> Path:
    python = repo_root / ".venv-localstack" / "bin" / "python"
    if not python.exists():
        raise LocalCloudError(f"{python} is missing: run infra/bootstrap.sh to install LocalStack")
    return python


def gateway_port() -> int:
    raw = os.environ.get("LOCALSTACK_PORT") or str(DEFAULT_PORT)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise LocalCloudError(f"LOCALSTACK_PORT must be a TCP port number, not {raw!r}")
    return int(raw)


class LocalStackProcess:
    """One LocalStack gateway; ``start()`` returns once it answers its health check."""

    def __init__(
        self,
        repo_root: Path,
        port: int | None = None,
        log_events_per_group: int = LOG_EVENTS_PER_GROUP,
    ) -> None:
        self.repo_root = repo_root
        self.log_events_per_group = log_events_per_group
        self.port = gateway_port() if port is None else port
        self.endpoint_url = f"http://{LOOPBACK}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._root: Path | None = None
        self._launched = 0.0

    @property
    def log_path(self) -> Path | None:
        return self._root / "localstack.log" if self._root else None

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process and return at once (it takes seconds to boot: do other work)."""
        python = localstack_python(self.repo_root)
        if is_listening(LOOPBACK, self.port):
            raise LocalCloudError(
                f"port {self.port} is in use (another `make up`?); "
                "set LOCALSTACK_PORT to move LocalStack"
            )
        self._root = Path(tempfile.mkdtemp(prefix="jobsched-localstack-"))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(self._root)),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "GATEWAY_LISTEN": f"{LOOPBACK}:{self.port}",
            "DNS_ADDRESS": "0",  # no DNS server: it would wait ~30 s probing upstream DNS
            "DISABLE_EVENTS": "1",  # no analytics calls home
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "FILESYSTEM_ROOT": str(self._root),
            "TMPDIR": str(self._root),  # unzipped function code, executor logs
            # Only what template.yaml uses, loaded while we set up the databases: less
            # memory, and no first-request loading pauses in the middle of the deploy.
            "SERVICES": ",".join(SERVICES),
            "EAGER_SERVICE_LOADING": "1",
            "LAMBDA_RUNTIME_EXECUTOR": EXECUTOR,
            # A cold start on a busy 2-core machine can outlast LocalStack's default 20 s;
            # a tick whose environment fails to start leaves no tick until the next minute.
            "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": "60",
            "JOBSCHED_LAMBDA_PYTHON": sys.executable,
            "JOBSCHED_LOG_EVENTS_PER_GROUP": str(self.log_events_per_group),
            # The plug-in's modules from this checkout, not from wherever bootstrap last
            # installed it (editable) into the shared virtualenv: a worktree runs its own.
            "PYTHONPATH": str(self.repo_root / "infra" / "localstack" / "plugin"),
        }
        self._launched = time.monotonic()
        with open(self._root / "localstack.log", "wb") as out:
            self.process = subprocess.Popen(
                [str(python), "-m", "localstack.runtime.main"],
                cwd=self._root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                process_group=0,  # Ctrl-C reaches the stack, which stops this in order
            )

    def wait_ready(self) -> None:
        """Return once LocalStack answers its health check; raise (and stop it) if it cannot."""
        assert self.process is not None, "launch() first"
        deadline = self._launched + START_TIMEOUT_S
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise LocalCloudError(f"LocalStack did not start; its log ends:\n{tail}")
            time.sleep(0.1)  # its health endpoint is the only readiness signal
        took = time.monotonic() - self._launched
        log.info("LocalStack ready at %s %.1f s after launch", self.endpoint_url, took)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint_url}/_localstack/health", timeout=1) as r:
                return r.status == 200 and "services" in json.load(r)
        except OSError:
            return False

    def log_tail(self, lines: int = 30) -> str:
        path = self.log_path
        if path is None or not path.exists():
            return ""
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM: LocalStack stops its Lambda environments itself; SIGKILL if it hangs."""
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                log.warning("LocalStack ignored SIGTERM; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
