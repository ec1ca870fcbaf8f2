"""What the local cloud reads from template.yaml, and how handlers resolve."""

from __future__ import annotations

import os.path
from pathlib import Path

import pytest

from infra.aws.template import loads
from infra.local.errors import LocalCloudError
from infra.local.s3site import content_type
from infra.local.template import load_template, read_stack, resolve_handler

ROOT = Path(__file__).resolve().parents[3]

SMALL = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  TickTimeout: {Type: Number, Default: 42}
Globals:
  Function: {MemorySize: 256}
Resources:
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.app
      Events:
        Get: {Type: Api, Properties: {Path: "/items/{item_id}", Method: get}}
        Any: {Type: Api, Properties: {Path: /echo, Method: any}}
  TickFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.tick
      Timeout: !Ref TickTimeout
      Events:
        Every: {Type: Schedule, Properties: {Schedule: rate(5 minutes)}}
        Off: {Type: Schedule, Properties: {Schedule: rate(1 hour), Enabled: false}}
"""


def test_the_repository_template() -> None:
    spec = read_stack(load_template(ROOT / "template.yaml"))
    api, tick = spec.functions["ApiFunction"], spec.functions["TickFunction"]
    assert api.handler == "app.app"
    assert tick.handler == "app.tick"
    assert tick.timeout_s > 60  # the tick loops for about a minute
    routes = {(r.path, r.method): r.function.logical_id for r in spec.routes}
    assert routes[("/api/v1/jobs/{job_id}", "GET")] == "ApiFunction"
    assert routes[("/api/v1/jobs", "POST")] == "ApiFunction"
    assert routes[("/api/v1/health", "GET")] == "ApiFunction"
    assert [(s.function.logical_id, s.expression) for s in spec.schedules] == [
        ("TickFunction", "rate(1 minute)")
    ]
    assert spec.schedules[0].rule_id == "TickFunctionTick"
    assert spec.cors is not None and spec.cors["Access-Control-Allow-Origin"] == "*"


def test_a_small_template_with_refs_globals_and_disabled_events() -> None:
    spec = read_stack(loads(SMALL))
    assert spec.functions["TickFunction"].timeout_s == 42  # !Ref to a parameter default
    assert spec.functions["TickFunction"].memory_mb == 256  # Globals
    assert spec.functions["ApiFunction"].timeout_s == 3  # Lambda's default
    assert {(r.path, r.method) for r in spec.routes} == {
        ("/items/{item_id}", "GET"),
        ("/echo", "ANY"),
    }
    assert [(s.rule_id, s.expression) for s in spec.schedules] == [
        ("TickFunctionEvery", "rate(5 minutes)")
    ]
    assert spec.stage == "Prod"  # no API resource: SAM's implicit stage
    assert spec.cors is None


def test_missing_template_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LocalCloudError, match="no template"):
        load_template(tmp_path / "template.yaml")


def test_resolve_handler_imports_module_under_the_package() -> None:
    assert resolve_handler("path.join", package="os") is os.path.join
    assert resolve_handler("os.path.join", package=None) is os.path.join
    with pytest.raises(LocalCloudError):
        resolve_handler("path.nope", package="os")
    with pytest.raises(LocalCloudError):
        resolve_handler("nodot", package="os")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("js/app.js", "text/javascript; charset=utf-8"),
        ("app.mjs", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("config.json", "application/json; charset=utf-8"),
        ("logo.svg", "image/svg+xml"),
        ("logo.png", "image/png"),
        ("blob.unknownext", "application/octet-stream"),
    ],
)
def test_content_types(name: str, expected: str) -> None:
    assert content_type(name) == expected
