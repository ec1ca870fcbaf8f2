"""Find or start Redis and PostgreSQL for the local cloud and the test suite.

``ensure_redis(url)`` / ``ensure_postgres(url)`` return ``url`` when a server answers
there; otherwise, for a loopback URL, they start a project-local server under
``<repo>/.local/`` on a free port and return *its* URL. A URL naming another host is never
replaced by a local server: silently running against an empty local database instead of
the one configured would hide the real problem.

Started servers are child processes in their own process group (a Ctrl-C in the terminal
reaches only the stack, which then stops them in order) and are kept by a
``LocalServices`` object whose ``stop()`` ends them. Importing this module starts nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from infra.local.errors import LocalCloudError
from infra.local.ports import LOOPBACK, free_port, is_listening

log = logging.getLogger("infra.local.services")

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "apt-get install redis-server postgresql"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
START_TIMEOUT_S = 30.0


@dataclass
class _Child:
    """A server process we started, and how to end it politely."""

    name: str
    process: subprocess.Popen[bytes]
    stop_signal: int
    restart_with: Callable[[], subprocess.Popen[bytes]] | None = None
    """Starts the same server again (same port, same data), for restart()."""

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs; killing it", self.name, timeout)
            self.process.kill()
            self.process.wait()


class LocalServices:
    """The Redis/PostgreSQL servers this process started; ``stop()`` ends them all."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or REPO_ROOT / ".local").resolve()
        self._children: list[_Child] = []
        self._lock = threading.Lock()

    # -- Redis -----------------------------------------------------------------------------

    def ensure_redis(self, url: str) -> str:
        if redis_answers(url):
            return url
        parts = urlsplit(url)
        _require_loopback(parts, "REDIS_URL", url)
        if parts.scheme != "redis":
            # A unix socket or TLS URL names a setup a plain local server cannot stand in for.
            raise LocalCloudError(f"REDIS_URL={url} does not answer; start that server")
        binary = _find_redis_server()
        port = free_port()
        workdir = self.root / "redis"
        workdir.mkdir(parents=True, exist_ok=True)
        argv = _redis_argv(binary, port, workdir)

        logpath = self.root / "logs" / "redis.log"
        start = _launcher(argv, logpath)
        process = start()
        child = _Child("redis-server", process, signal.SIGTERM, start)
        self._adopt(child)
        new_url = _with_host_port(parts, LOOPBACK, port)
        _wait_until(lambda: redis_answers(new_url), child, logpath)
        log.info("started redis-server pid %s on port %s", process.pid, port)
        return new_url

    def ensure_redis_cluster(
        self, url: str, *, primaries: int = 3, replicas: int = 0, node_timeout_ms: int = 2000
    ) -> str:
        """A Redis Cluster at ``url`` (any node), or else, for a loopback URL where no
        cluster answers (nothing, or a plain Redis), a local one started for it.

        A fresh cluster each time: ``primaries`` nodes (plus ``replicas`` per primary) on
        free loopback ports under ``<root>/redis-cluster/``, slots assigned by
        ``redis-cli --cluster create``; returns once every node reports
        ``cluster_state:ok``. Nodes are children like a single Redis, so ``stop()`` ends
        them and ``cluster_node`` finds one for a failover test.
        """
        if is_cluster_node(url):
            return url
        parts = urlsplit(url)
        if redis_answers(url) and (parts.hostname or "") not in LOOPBACK_HOSTS:
            raise LocalCloudError(f"REDIS_CLUSTER is on, but the Redis at {url} is no cluster")
        _require_loopback(parts, "REDIS_URL", url)
        if parts.scheme != "redis":
            raise LocalCloudError(f"REDIS_URL={url} does not answer; start that server")
        # A plain local Redis (the usual one on 6379) cannot serve a cluster client:
        # start a cluster beside it rather than fail.
        binary = _find_redis_server()
        base = self.root / "redis-cluster"
        shutil.rmtree(base, ignore_errors=True)  # a cluster's node ids live in its files
        ports = [free_port() for _ in range(primaries * (1 + replicas))]
        for port in ports:
            workdir = base / str(port)
            workdir.mkdir(parents=True, exist_ok=True)
            argv = [
                *_redis_argv(binary, port, workdir),
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", str(node_timeout_ms),
                # Its own bus port: the default (port + 10000) may be taken or too high.
                "--cluster-port", str(free_port()),
            ]  # fmt: skip
            logpath = self.root / "logs" / f"redis-cluster-{port}.log"
            start = _launcher(argv, logpath)
            child = _Child(f"redis-cluster-{port}", start(), signal.SIGTERM, start)
            self._adopt(child)
            node_url = _with_host_port(parts, LOOPBACK, port)
            _wait_until(lambda u=node_url: redis_answers(u), child, logpath)
        create = [
            _find_redis_server().replace("redis-server", "redis-cli"),
            "--cluster", "create", *(f"{LOOPBACK}:{p}" for p in ports),
            "--cluster-replicas", str(replicas),
            "--cluster-yes",
        ]  # fmt: skip
        if parts.password:
            create += ["-a", unquote(parts.password), "--no-auth-warning"]
        result = subprocess.run(create, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LocalCloudError(f"redis-cli --cluster create failed:\n{result.stdout}")
        urls = [_with_host_port(parts, LOOPBACK, p) for p in ports]
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(cluster_ok(u, len(ports), replicas) for u in urls):
            if time.monotonic() > deadline:
                raise LocalCloudError(f"the Redis Cluster on ports {ports} did not become ok")
            time.sleep(0.1)  # the nodes gossip their way to agreement; no event to await
        log.info("started a Redis Cluster on ports %s", ports)
        return urls[0]

    def cluster_node(self, port: int) -> _Child:
        """The started cluster node listening on ``port`` (for failover tests)."""
        with self._lock:
            return next(c for c in self._children if c.name == f"redis-cluster-{port}")

    # -- PostgreSQL ------------------------------------------------------------------------

    def ensure_postgres(self, url: str) -> str:
        if postgres_answers(url):
            return url
        parts = urlsplit(url)
        _require_loopback(parts, "DATABASE_URL", url)
        bindir = _find_postgres_bindir()
        user = unquote(parts.username or "postgres")
        major = _postgres_major(bindir)
        base = _postgres_base_dir(self.root, major)
        data = base / "data"
        sockets = base / "sockets"
        run_as = _unprivileged_user()
        if not (data / "PG_VERSION").exists():
            self._initdb(bindir, data, user, run_as)
        sockets.mkdir(parents=True, exist_ok=True)
        if run_as is not None:
            _chown_tree(base, run_as, recursive=False)
            _chown_tree(sockets, run_as, recursive=False)

        running = _running_postmaster_port(data)
        if running is not None:
            # Another run of the stack owns this data directory and its server is up:
            # share it rather than fight over the lock file; it is not ours to stop.
            log.info("reusing the PostgreSQL already running on %s", data)
            return _with_host_port(parts, LOOPBACK, running)

        port = free_port()
        logpath = base / "postgres.log"
        argv = [
            str(bindir / "postgres"),
            "-D", str(data),
            "-p", str(port),
            "-k", str(sockets),
            "-c", "listen_addresses=" + LOOPBACK,
        ]  # fmt: skip

        start = _launcher(argv, logpath, cwd=base, **_as_user(run_as))
        process = start()
        # SIGINT is PostgreSQL's "fast shutdown": roll back sessions, checkpoint, exit.
        child = _Child("postgres", process, signal.SIGINT, start)
        self._adopt(child)
        new_url = _with_host_port(parts, LOOPBACK, port)
        _wait_until(lambda: postgres_answers(new_url, strict=True), child, logpath)
        log.info("started postgres pid %s on port %s (data %s)", process.pid, port, data)
        return new_url

    def _initdb(
        self, bindir: Path, data: Path, user: str, run_as: pwd.struct_passwd | None
    ) -> None:
        data.mkdir(parents=True, exist_ok=True)
        if run_as is not None:
            _chown_tree(data.parent, run_as, recursive=True)
        # Trust auth on loopback only: this is a developer's throwaway cluster.
        argv = [
            str(bindir / "initdb"),
            "-D", str(data),
            "-U", user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]  # fmt: skip
        result = subprocess.run(
            argv, capture_output=True, cwd=data.parent, check=False, **_as_user(run_as)
        )
        if result.returncode != 0:
            shutil.rmtree(data, ignore_errors=True)
            output = (result.stdout + result.stderr).decode(errors="replace")
            raise LocalCloudError(f"initdb failed for {data}:\n{output}")

    # -- lifecycle -------------------------------------------------------------------------

    def _adopt(self, child: _Child) -> None:
        with self._lock:
            self._children.append(child)

    def restart(self, name: str, ready: Callable[[], bool], kill: bool = False) -> None:
        """Stop a server we started (SIGKILL with ``kill``) and start it again on the
        same port and data; returns once ``ready()`` says it answers. For chaos tests."""
        with self._lock:
            child = next(c for c in self._children if c.name == name)
        assert child.restart_with is not None
        if kill:
            child.process.kill()
            child.process.wait()
        else:
            child.stop()
        child.process = child.restart_with()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready():
            if time.monotonic() > deadline or child.process.poll() is not None:
                raise LocalCloudError(f"{name} did not come back after a restart")
            time.sleep(0.05)

    @property
    def pids(self) -> list[int]:
        return [c.process.pid for c in self._children if c.process.poll() is None]

    def stop(self) -> None:
        """Stop every server we started, newest first. Safe to call twice."""
        with self._lock:
            children, self._children = self._children[::-1], []
        for child in children:
            child.stop()

    def __enter__(self) -> LocalServices:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- module-level helpers (the test suite's conftest uses these) -------------------------

_default: LocalServices | None = None
_default_lock = threading.Lock()


def default_services() -> LocalServices:
    """One process-wide ``LocalServices``, made on first use and stopped at exit."""
    global _default
    with _default_lock:
        if _default is None:
            _default = LocalServices()
            atexit.register(_default.stop)
        return _default


def ensure_redis(url: str, services: LocalServices | None = None) -> str:
    return (services or default_services()).ensure_redis(url)


def ensure_postgres(url: str, services: LocalServices | None = None) -> str:
    return (services or default_services()).ensure_postgres(url)


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` unless it exists (via the ``postgres`` db)."""
    import psycopg
    from psycopg import errors, sql

    name = unquote(urlsplit(url).path.lstrip("/")) or "postgres"
    with psycopg.connect(_with_dbname(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return
        # Two processes (parallel test workers) may race to create it: the loser is fine.
        with contextlib.suppress(errors.DuplicateDatabase, errors.UniqueViolation):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
        return True
    except (redis.AuthenticationError, redis.ResponseError):
        return True  # a Redis that wants a password is still a Redis answering
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client.close()


def is_cluster_node(url: str) -> bool:
    """True when a Redis in cluster mode answers at ``url`` (whatever its state)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        return bool(client.info("cluster").get("cluster_enabled"))
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def cluster_ok(url: str, nodes: int = 0, replicas: int = 0) -> bool:
    """True when the node at ``url`` says the cluster is ok (every slot served), knows
    ``nodes`` nodes, and lists ``replicas`` replicas for every slot range."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        info = client.execute_command("CLUSTER", "INFO")
        ranges = client.execute_command("CLUSTER", "SLOTS") if replicas else []
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()
    text = info.decode() if isinstance(info, bytes) else str(info)
    fields = dict(line.split(":", 1) for line in text.split() if ":" in line)
    return (
        fields.get("cluster_state") == "ok"
        and int(fields.get("cluster_known_nodes", 0)) >= nodes
        # A range is [start, end, primary, replica...]: a replica counts once it syncs.
        and all(len(r) - 3 >= replicas for r in ranges)
    )


def postgres_answers(url: str, *, strict: bool = False) -> bool:
    """True when a PostgreSQL server answers at ``url`` (its database may not exist yet).

    ``strict`` demands a working connection; otherwise a server that listens but refuses us
    (bad password, still starting) counts as answering.
    """
    import psycopg

    try:
        with psycopg.connect(_with_dbname(url, "postgres"), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        if strict:
            return False
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host.startswith("/") or not host:
            return False
        # Something listens but refused us (auth, no "postgres" db): it is the user's
        # server, misconfigured; starting another one would not help.
        return is_listening(host, parts.port or 5432)


# -- private helpers -----------------------------------------------------------------------


def _with_host_port(parts: SplitResult, host: str, port: int) -> str:
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}:{port}" if userinfo else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _with_dbname(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + dbname))


def _require_loopback(parts: SplitResult, variable: str, url: str) -> None:
    if (parts.hostname or "") not in LOOPBACK_HOSTS:
        raise LocalCloudError(
            f"{variable}={url} does not answer, and it is not a local address, so no local "
            f"server is started in its place. Start it, or unset {variable} to use a local one."
        )


def _redis_argv(binary: str, port: int, workdir: Path) -> list[str]:
    """A local redis-server on loopback. No persistence: Redis only holds what is in
    flight and the tick rebuilds the queue from PostgreSQL, so a dump file would only
    resurrect stale leases."""
    return [
        binary,
        "--port", str(port),
        "--bind", LOOPBACK,
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--dir", str(workdir),
    ]  # fmt: skip


def _find_redis_server() -> str:
    found = shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if os.access(p, os.X_OK)),
        None,
    )
    if not found:
        raise LocalCloudError(
            f"No Redis server answers and redis-server is not installed: run `{INSTALL_HINT}` "
            "(or set REDIS_URL to a running Redis)."
        )
    return found


def _find_postgres_bindir() -> Path:
    # Debian keeps the server binaries out of PATH, one directory per major version.
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: _version_key(p), reverse=True
    )
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for directory in candidates:
        path = Path(directory)
        if os.access(path / "initdb", os.X_OK) and os.access(path / "postgres", os.X_OK):
            return path
    raise LocalCloudError(
        f"No PostgreSQL server answers and initdb/postgres are not installed: run "
        f"`{INSTALL_HINT}` (or set DATABASE_URL to a running PostgreSQL)."
    )


def _version_key(bindir: str) -> tuple[int, ...]:
    name = Path(bindir).parent.name
    return tuple(int(p) for p in name.split(".") if p.isdigit()) or (0,)


def _postgres_major(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout
    # "postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)" -> "15"
    for token in out.split():
        if token[:1].isdigit():
            return token.split(".")[0]
    return "unknown"


def _postgres_base_dir(root: Path, major: str) -> Path:
    base = root / f"postgres-{major}"
    if os.geteuid() == 0 and not _traversable_by_others(root):
        # As root the server runs as another user, who must be able to reach its data
        # directory; a repo under /root is not reachable, so keep the cluster in /tmp.
        base = Path(tempfile.gettempdir()) / f"jobsched-local-{os.getuid()}" / f"postgres-{major}"
    base.mkdir(parents=True, exist_ok=True)
    return base


def _traversable_by_others(path: Path) -> bool:
    for directory in [path, *path.parents]:
        if directory.exists() and not directory.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def _unprivileged_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root; as root we run it as ``postgres`` (or ``nobody``)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise LocalCloudError(
        "PostgreSQL cannot run as root and there is no 'postgres' user: "
        f"run `{INSTALL_HINT}` (it creates one), or run the stack as a normal user."
    )


def _as_user(user: pwd.struct_passwd | None) -> dict[str, object]:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _chown_tree(path: Path, user: pwd.struct_passwd, *, recursive: bool) -> None:
    paths = [path, *path.rglob("*")] if recursive else [path]
    for p in paths:
        os.chown(p, user.pw_uid, user.pw_gid, follow_symlinks=False)


def _running_postmaster_port(data: Path) -> int | None:
    """The port of a live server that holds ``data``'s lock file, if there is one."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # stale lock from a killed run; PostgreSQL removes it on start
    except PermissionError:
        pass  # alive, owned by another user
    return port if is_listening(LOOPBACK, port) else None


def _launcher(
    argv: list[str], logpath: Path, **popen: Any
) -> Callable[[], subprocess.Popen[bytes]]:
    """A function that starts ``argv`` in its own process group, appending its output to
    ``logpath``; kept by the child so restart() starts the same server again."""

    def start() -> subprocess.Popen[bytes]:
        logpath.parent.mkdir(parents=True, exist_ok=True)
        with open(logpath, "ab") as logfile:  # the child keeps its own copy of the fd
            return subprocess.Popen(
                argv, stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                process_group=0, **popen,
            )  # fmt: skip

    return start


def _wait_until(
    ready: Callable[[], bool], child: _Child, logpath: Path, timeout: float = START_TIMEOUT_S
) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while time.monotonic() < deadline:
        if ready():
            return
        if child.process.poll() is not None:
            break
        time.sleep(delay)  # polling the server is the only readiness signal it gives
        delay = min(delay * 2, 0.25)
    child.stop()
    tail = ""
    with contextlib.suppress(OSError):
        tail = "\n".join(logpath.read_text(errors="replace").splitlines()[-20:])
    raise LocalCloudError(f"{child.name} did not start (see {logpath}):\n{tail}")
