#!/usr/bin/env bash
# Build the Lambda bundle that template.yaml's CodeUri (build/lambda/) points at.
#
#   infra/package_lambda.sh [OUT_DIR]        # default: build/lambda
#   SKIP_DEPS=1 infra/package_lambda.sh DIR  # our code only (fast; for tests)
#
# Layout of the bundle (the root of the Lambda's /var/task):
#   app.py        <- app/app.py; the Chalice app object `app` and the scheduled
#                    `tick`, hence the handlers `app.app` and `app.tick`
#   chalicelib/   <- app/chalicelib/, only if it exists (Chalice's convention)
#   jobsched/     <- the core package (with its .sql and .lua files)
#   handlers/     <- the built-in job handlers
#   <deps>        <- requirements.txt, installed for the Lambda platform:
#
#     pip install -r requirements.txt --target OUT \
#       --platform manylinux2014_x86_64 --only-binary=:all: \
#       --implementation cp --python-version 3.11
#
#   i.e. binary wheels built for CPython 3.11 on glibc 2.17+ x86_64, whatever
#   machine runs this script. The python3.11 runtime is Amazon Linux 2
#   (glibc 2.26), so newer manylinux_2_28 wheels would not load there; a
#   requirement without a manylinux2014 wheel makes pip fail here rather than
#   at import time in Lambda. The template's Architectures is x86_64 to match.
#
# Idempotent: the bundle is built in a scratch directory next to OUT_DIR and
# swapped in only when complete, so a rerun (or a failed run) never leaves a
# half-written or stale bundle. Run it before `sam deploy` (not `sam build`).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/build/lambda}"
out="${out%/}"
if [[ -z "$out" || "$out" == "$root" ]]; then
  echo "package_lambda: refusing to build into '${out:-/}'" >&2
  exit 1
fi
app_src="$root/app/app.py"

if [[ -n "${PYTHON:-}" ]]; then
  python="$PYTHON"
elif [[ -x "$root/.venv/bin/python" ]]; then
  python="$root/.venv/bin/python"
else
  python="python3"
fi

if [[ ! -f "$app_src" ]]; then
  echo "package_lambda: $app_src not found (the Chalice app)" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
stage="$(mktemp -d "${out}.tmp.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

if [[ "${SKIP_DEPS:-0}" != "1" ]]; then
  # Byte-compile only when this interpreter is the runtime's version; other
  # versions' .pyc files would be dead weight in the bundle.
  compile="--no-compile"
  if "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    compile="--compile"
  fi
  "$python" -m pip install \
    --quiet --disable-pip-version-check --no-input \
    --requirement "$root/requirements.txt" \
    --target "$stage" \
    --platform manylinux2014_x86_64 \
    --only-binary=:all: \
    --implementation cp \
    --python-version 3.11 \
    "$compile"
  # Console scripts of the dependencies are of no use inside Lambda.
  rm -rf "${stage:?}/bin"
fi

# Our code last, so nothing installed above can shadow it.
cp "$app_src" "$stage/app.py"
packages=(jobsched handlers)
if [[ -d "$root/app/chalicelib" ]]; then
  packages+=(app/chalicelib)
fi
for pkg in "${packages[@]}"; do
  rm -rf "${stage:?}/$(basename "$pkg")"
  (cd "$(dirname "$root/$pkg")" &&
    tar --create --exclude=__pycache__ --exclude='*.pyc' "$(basename "$pkg")") |
    tar --extract --directory "$stage"
done

# Lambda runs the code as another user: everything must be world-readable.
chmod -R u=rwX,go=rX "$stage"
rm -rf "$out"
mv "$stage" "$out"
trap - EXIT

size_mb="$(du -sm "$out" | cut -f1)"
echo "package_lambda: built $out (${size_mb} MB unzipped; Lambda allows 250 MB)"
if ((size_mb > 250)); then
  echo "package_lambda: bundle exceeds Lambda's 250 MB unzipped limit" >&2
  exit 1
fi
