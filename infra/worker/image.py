"""``make image``: build the worker image from ``infra/worker/Dockerfile`` with buildah.

The same Dockerfile builds with Docker for AWS (docs/deploy.md); here it is built over the
local debootstrap base (``PYTHON_IMAGE``, ``infra/worker/base.py``), with the wheelhouse the
host's pip filled mounted at ``/wheels`` (``infra/worker/wheelhouse.py``) and no network in
the build. Prints the image's size and the build's time; ``--json`` prints them as JSON too.

    python -m infra.worker.image [--tag NAME] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from infra.worker.base import ensure_base
from infra.worker.podman import REPO_ROOT, WORKER_IMAGE, Engine, missing_tools
from infra.worker.wheelhouse import ensure_wheelhouse

DOCKERFILE = REPO_ROOT / "infra" / "worker" / "Dockerfile"


@dataclass(frozen=True)
class Built:
    image: str
    size_bytes: int
    build_s: float
    """Wall time of the whole ``make image`` step (base and wheelhouse included if made)."""
    image_build_s: float
    """Wall time of ``buildah bud`` alone (the Dockerfile's steps)."""
    base_image: str


def bud(
    engine: Engine,
    *,
    dockerfile: Path,
    context: Path,
    tag: str,
    build_args: dict[str, str],
    wheels: Path,
) -> None:
    """``buildah bud`` with the wheelhouse at /wheels and no network (see the module doc)."""
    args = [
        "bud",
        "--isolation",
        "chroot",
        "--pull=never",
        "--volume",
        f"{wheels}:/wheels:ro",
        "--file",
        str(dockerfile),
        "--tag",
        tag,
    ]
    for key, value in build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    # chroot isolation cannot take a network namespace of its own (buildah refuses
    # --network none with it), so buildah as a whole runs in an empty one: nothing in the
    # build reaches the network; the wheelhouse and the local base are all it has.
    result = engine.run("buildah", [*args, str(context)], check=False, offline=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise RuntimeError(f"buildah bud -f {dockerfile} failed ({result.returncode})")


def build_image(
    engine: Engine,
    *,
    tag: str = WORKER_IMAGE,
    log: Callable[[str], None] = print,
) -> Built:
    """The worker image from infra/worker/Dockerfile over the local base."""
    started = time.monotonic()
    base = ensure_base(engine, log)
    wheels = ensure_wheelhouse(engine, log=log)
    log(f"image: buildah bud -f {DOCKERFILE.relative_to(REPO_ROOT)} (PYTHON_IMAGE={base})")
    bud_started = time.monotonic()
    bud(
        engine,
        dockerfile=DOCKERFILE,
        context=REPO_ROOT,
        tag=tag,
        build_args={"PYTHON_IMAGE": base},
        wheels=wheels,
    )
    done = time.monotonic()
    # The image the tag pointed at before is left untagged: with the vfs driver each is a
    # full copy (~230 MB), so they are dropped rather than left to fill the cache.
    engine.podman("image", "prune", "--force", check=False)
    return Built(
        image=tag,
        size_bytes=engine.image_size(tag),
        build_s=round(done - started, 1),
        image_build_s=round(done - bud_started, 1),
        base_image=base,
    )


def build_layered(
    engine: Engine, context: Path, *, tag: str, worker_image: str = WORKER_IMAGE
) -> None:
    """A user's handler package layered on the worker image, from the Dockerfile in
    ``context`` (its ``WORKER_IMAGE`` argument names the image below it), as
    examples/report-handlers/Dockerfile does it."""
    bud(
        engine,
        dockerfile=context / "Dockerfile",
        context=context,
        tag=tag,
        build_args={"WORKER_IMAGE": worker_image},
        wheels=ensure_wheelhouse(engine),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default=WORKER_IMAGE)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    ns = parser.parse_args(argv)
    if missing := missing_tools():
        print(
            f"image: missing {', '.join(missing)}: run infra/bootstrap.sh --containers",
            file=sys.stderr,
        )
        return 1
    try:
        built = build_image(Engine.from_env(), tag=ns.tag)
    except RuntimeError as exc:
        print(f"image: {exc}", file=sys.stderr)
        return 1
    print(
        f"image: {built.image} {built.size_bytes / 1e6:.0f} MB,"
        f" built in {built.build_s:.0f} s (Dockerfile steps {built.image_build_s:.0f} s)"
    )
    if ns.json:
        print(json.dumps(asdict(built)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
