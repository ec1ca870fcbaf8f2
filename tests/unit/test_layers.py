"""The layers (docs/architecture.md): the core (``jobsched/``) imports neither ``infra/``
nor ``handlers/`` nor an AWS library, and has no import cycle, lazy imports included; the
domain imports no setting, registry, store, queue, API or use case; the store imports no
use case, only the domain's types (an allow-list), and refuses no request (no
ValidationError/ConflictError); what lives outside the core plugs in through entry points."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "jobsched"
FORBIDDEN = ("infra", "handlers", "app", "boto3", "botocore", "chalice", "aws_lambda_powertools")


def _imports(path: Path) -> set[str]:
    """Absolute module names a file imports (at any depth: lazy imports count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_imports_no_adapter_and_no_aws_library(path: Path) -> None:
    bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


MODULES = {_module(p): p for p in CORE.rglob("*.py")}


def _graph(nodes: Callable[[ast.Module], Iterable[ast.AST]]) -> dict[str, set[str]]:
    """Module -> the core modules it imports, over the statements ``nodes`` yields."""
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        for node in nodes(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                # ``from pkg import sub`` depends on the submodule, not on pkg/__init__.
                subs = [f"{node.module}.{a.name}" for a in node.names]
                targets = [s for s in subs if s in MODULES] or [node.module]
            graph[name].update(t for t in targets if t in MODULES and t != name)
    return graph


def _top_level(tree: ast.Module) -> Iterable[ast.AST]:
    return tree.body


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (as a trail of modules), or None."""
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*trail, node, nxt]
            if nxt not in state and (found := visit(nxt, [*trail, node])):
                return found
        state[node] = 2
        return None

    for module in sorted(MODULES):
        if module not in state and (found := visit(module, [])):
            return found
    return None


def test_the_core_has_no_import_cycle_at_import_time() -> None:
    """Module-level imports (a cycle there fails at start-up, by import order)."""
    cycle = _cycle(_graph(_top_level))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_core_has_no_import_cycle_even_through_lazy_imports() -> None:
    """Function-level imports count too: a lazy import only hides a cycle, the two
    modules still cannot be read, changed or tested one without the other."""
    cycle = _cycle(_graph(ast.walk))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _reaches(module: str, layers: tuple[str, ...]) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


def _imports_of(package: str, layers: tuple[str, ...]) -> dict[str, list[str]]:
    """Modules of ``package`` that import (lazily or not) a module of ``layers``."""
    graph = _graph(ast.walk)
    bad = {
        module: sorted(t for t in targets if _reaches(t, layers))
        for module, targets in graph.items()
        if _reaches(module, (package,))
    }
    return {module: targets for module, targets in bad.items() if targets}


OUTER = ("settings", "handler_settings", "registry", "store", "queue", "api")
USE_CASES = ("service", "scheduler", "worker", "handoff")


def test_the_domain_imports_no_adapter_setting_or_use_case() -> None:
    """The domain is pure: values in, values out. What it needs from outside (a handler
    lookup, a limit) comes in as an argument."""
    layers = tuple(f"jobsched.{name}" for name in (*OUTER, *USE_CASES))
    assert _imports_of("jobsched.domain", layers) == {}


def test_the_store_imports_no_use_case() -> None:
    """Repositories carry out decisions; they never call back up into the use cases."""
    layers = tuple(f"jobsched.{name}" for name in USE_CASES)
    assert _imports_of("jobsched.store", layers) == {}


STORE_MAY_IMPORT = {
    "jobsched.domain.models": "the stored nouns (Job, Execution, ApiKey, MinuteRow, ...)",
    "jobsched.domain.states": "the status enums and the transition table the SQL checks",
    "jobsched.domain.execution_writes": "what a worker decided, as values the store writes",
    "jobsched.domain.execution_ids": "a run id's format (its time part names the partition)",
    "jobsched.domain.audit_record": "an audit entry as a use case decided it, written in "
    "the change's transaction",
    "jobsched.domain.workflow_models": "a workflow and a workflow run as stored and sent",
}
"""The only domain modules the store may import: types and values. Policy modules
(lifecycle, triggering, recording, retry, validation, due, cron, access, ...) decide;
the store carries out what they decided. ``jobsched.domain.audit`` is one of them: what
an entry says (and how the API shows it) is decided by the use cases."""


def test_the_store_imports_only_the_domains_types() -> None:
    domain = {m for m in MODULES if _reaches(m, ("jobsched.domain",))} - {"jobsched.domain"}
    policies = tuple(sorted(domain - set(STORE_MAY_IMPORT)))
    assert _imports_of("jobsched.store", policies) == {}


ERRORS_NOT_OURS = {"ValidationError", "ConflictError"}


def _raised(path: Path) -> set[str]:
    """The names of what a file raises or imports among ``ERRORS_NOT_OURS``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = exc.attr if isinstance(exc, ast.Attribute) else getattr(exc, "id", "")
            names.add(name)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.name for alias in node.names)
    return names & ERRORS_NOT_OURS


@pytest.mark.parametrize(
    "path", sorted((CORE / "store").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_repository_refuses_a_request(path: Path) -> None:
    """A bad request (400) or a conflict (409) is decided above the store: the API's
    query parsing or the use case. The store reports facts (a row missing, a unique
    name taken: ``jobs.NameTaken``)."""
    assert _raised(path) == set(), f"{path.relative_to(ROOT)}"


def _entry_points(group: str) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["entry-points"][group]


def test_up_and_json_logs_plug_in_from_outside_the_core() -> None:
    assert _entry_points("jobsched.commands")["up"].startswith("infra.")
    assert _entry_points("jobsched.log_formats")["json"].startswith("infra.")
    out = subprocess.run(
        [sys.executable, "-m", "jobsched", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "up" in out.split("{", 1)[1].split("}", 1)[0].split(",")


def test_jobsched_settings_lists_the_local_stacks_settings_from_its_plug_in() -> None:
    # The core cannot import infra.local, yet `jobsched settings` is where a user looks
    # for PORT and DASHBOARD_PORT: the local stack lists its own through an entry point.
    assert _entry_points("jobsched.settings")["local"].startswith("infra.")
    out = subprocess.run(
        [sys.executable, "-m", "jobsched", "--json", "settings"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {row["name"] for row in json.loads(out)}
    assert {"DATABASE_URL", "SHELL_ALLOWED_COMMANDS", "PORT", "DASHBOARD_PORT"} <= names


def test_log_lines_are_json_by_default_and_a_bad_format_is_named(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATABASE_URL": "postgresql://x"}
    bad = subprocess.run(
        [sys.executable, "-m", "jobsched", "-v", "settings"],
        capture_output=True,
        text=True,
        env={**env, "LOG_FORMAT": "xml"},
    )
    assert bad.returncode == 2 and "LOG_FORMAT" in bad.stderr
    code = (
        "import logging, sys; from jobsched.cli import _setup_logging; _setup_logging();"
        "logging.getLogger('x').info('hello', extra={'execution_id': 'e1'})"
    )
    line = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stderr.strip()
    record = json.loads(line)
    assert (record["message"], record["execution_id"]) == ("hello", "e1")


def test_the_worker_image_ships_the_code_of_the_log_format_it_uses() -> None:
    module = _entry_points("jobsched.log_formats")["json"].split(":")[0]
    path = Path(*module.split(".")).with_suffix(".py").as_posix()
    dockerfile = (ROOT / "infra" / "worker" / "Dockerfile").read_text()
    allowed = (ROOT / ".dockerignore").read_text().split()
    assert f"!{path}" in allowed and path in dockerfile


LUA = CORE / "queue" / "lua"


def test_the_ready_score_formula_is_written_once_in_the_lua_scripts() -> None:
    """``(100 - priority) * 1e12 + seq`` orders the ready zset: written in each script,
    a change to one copy would sort that script's runs apart from the others'."""
    where = {
        path.name: len(re.findall(r"1e12|100 - ", path.read_text()))
        for path in sorted(LUA.glob("*.lua"))
    }
    assert {name: n for name, n in where.items() if n} == {"_score.lua": 2}


def test_no_class_name_is_defined_twice_in_the_core() -> None:
    """One model per concept (issue 21): a name means one class across ``jobsched/``, so
    a reader never has to ask which ``Job`` a module holds. The API encodes the domain's
    own ``Job`` (``jobsched/domain/models.py``)."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                where[node.name].append(str(path.relative_to(ROOT)))
    twice = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert twice == {}


MODEL_HOMES = ("domain", "store", "api")
"""Where the models live: the domain's nouns, the store's reads of them, the API's shapes."""


def _to_dict_methods(root: Path) -> list[str]:
    """``Class.to_dict`` of every class under the model homes of ``root`` (a core)."""
    found = []
    for home in MODEL_HOMES:
        for path in sorted((root / home).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef):
                    found += [
                        f"{path.relative_to(root.parent)}: {node.name}.to_dict"
                        for item in node.body
                        if isinstance(item, ast.FunctionDef) and item.name == "to_dict"
                    ]
    return found


def test_no_model_is_copied_into_another_by_a_to_dict() -> None:
    """One model per concept (issue 21): the domain's models are what the API encodes
    (``jobsched.domain.plain`` writes any of them, generically), so no class where models
    live (the domain, the store, the API) has a ``to_dict`` copying it into the shape of
    another: a field added to a model would have to be added to its copy too, and a copy
    forgotten is a field the API silently never sends."""
    assert _to_dict_methods(CORE) == []
