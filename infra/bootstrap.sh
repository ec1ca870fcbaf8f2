#!/usr/bin/env bash
# Installs what `make up` and `make test` need, from the project's own pinned files.
# Idempotent: a second run only checks.
# Usage: infra/bootstrap.sh [--browser] [--servers] [--containers]
#   --browser     Debian's chromium, for the dashboard tests
#   --servers     the redis-server and PostgreSQL binaries even where servers answer already
#                 (the chaos tests start private servers they can kill)
#   --containers  Debian's buildah, podman, runc and debootstrap: `make image` builds the
#                 worker image with them, without a Docker engine (docs/deploy.md)
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_BROWSER=0
WANT_SERVERS=0
WANT_CONTAINERS=0
for arg in "$@"; do
  case "$arg" in
    --browser) WANT_BROWSER=1 ;;
    --servers) WANT_SERVERS=1 ;;
    --containers) WANT_CONTAINERS=1 ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.installed"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "bootstrap: please install: $*" >&2; exit 1
  fi
  echo "bootstrap: installing $* with apt-get" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 || {
    as_root apt-get update -q >/dev/null 2>&1 || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null || {
      echo "bootstrap: could not install $* (run: apt-get install $*)" >&2; exit 1; }
  }
}

# Python 3.11+ with venv.
if ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "bootstrap: Python 3.11 or newer is needed as '$PYTHON' (apt-get install python3)" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; "$PYTHON" -m venv "$VENV"; }
fi

# Pinned dependencies; reinstalled only when a requirements file changed.
if [ ! -f "$STAMP" ] || [ requirements.txt -nt "$STAMP" ] || [ requirements-dev.txt -nt "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ constraints.txt -nt "$STAMP" ]; then
  echo "bootstrap: installing pinned Python dependencies into $VENV" >&2
  # pip itself is pinned too: chalice 1.34 requires pip<26.3.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "pip==26.2" >/dev/null
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
  touch "$STAMP"
fi

# LocalStack (the local cloud `make up` deploys template.yaml into) in a virtualenv of its
# own: its pins (infra/localstack/constraints.txt, LocalStack's own for 4.13.1) differ from
# ours. The project's Lambda executor plug-in is installed into it as well.
LS_VENV=.venv-localstack
LS_STAMP="$LS_VENV/.installed"
if [ ! -x "$LS_VENV/bin/python" ]; then
  "$PYTHON" -m venv "$LS_VENV"
fi
if [ ! -f "$LS_STAMP" ] || [ infra/localstack/requirements.txt -nt "$LS_STAMP" ] || [ infra/localstack/constraints.txt -nt "$LS_STAMP" ] || [ infra/localstack/plugin/pyproject.toml -nt "$LS_STAMP" ]; then
  echo "bootstrap: installing LocalStack (pinned) into $LS_VENV" >&2
  "$LS_VENV/bin/python" -m pip install -q --disable-pip-version-check -r infra/localstack/requirements.txt -c infra/localstack/constraints.txt
  "$LS_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e infra/localstack/plugin
  touch "$LS_STAMP"
fi

# Redis and PostgreSQL: used where they answer; otherwise the project starts its own
# from these binaries (infra/local/services.py), so make sure they exist. `make chaos`
# (--servers) always starts private servers it may kill, so it always needs them.
need=()
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$WANT_SERVERS" = 0 ] && "$VENV/bin/python" -c 'import sys; from infra.local.services import redis_answers, postgres_answers
import os
r = redis_answers(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
p = postgres_answers(os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres")
sys.exit(0 if (r and p) else 1)' 2>/dev/null; then
    : # both servers answer already; local binaries are not needed
  else
    apt_install "${need[@]}"
  fi
fi

# Headless Chromium for the dashboard tests (Debian's package; Playwright drives it).
if [ "$WANT_BROWSER" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi

# Building and running the worker image without a Docker engine (`make image`, the
# container tests, WORKER_RUNTIME=container): Debian's tools, as infra/worker/podman.py
# drives them (vfs storage, chroot isolation for builds, runc).
if [ "$WANT_CONTAINERS" = 1 ]; then
  need=()
  for tool in buildah podman runc debootstrap; do
    command -v "$tool" >/dev/null || need+=("$tool")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt_install "${need[@]}"
  fi
fi

# The TypeScript client's pinned tools (clients/typescript/package-lock.json): the unit
# test that compiles a flow on the types generated from openapi.json runs them. Installed
# again only when the lock file changed; skipped where there is no node (that test skips).
TS_CLIENT=clients/typescript
TS_STAMP="$TS_CLIENT/node_modules/.installed"
if command -v npm >/dev/null; then
  if [ ! -f "$TS_STAMP" ] || [ "$TS_CLIENT/package-lock.json" -nt "$TS_STAMP" ]; then
    echo "bootstrap: installing the TypeScript client's pinned tools (npm ci in $TS_CLIENT)" >&2
    (cd "$TS_CLIENT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$TS_STAMP"
  fi
fi
