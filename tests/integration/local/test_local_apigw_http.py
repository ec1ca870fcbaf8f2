"""The API Gateway emulator in front of a real Chalice app, over real HTTP."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from typing import Any

import pytest
from chalice import BadRequestError, Chalice, Response

from infra.aws.template import loads
from infra.local.apigw import ApiGateway
from infra.local.runtime import FunctionRuntime
from infra.local.template import read_stack

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: api
      Cors:
        AllowOrigin: "'*'"
        AllowHeaders: "'Authorization,Content-Type'"
        MaxAge: "'600'"
      GatewayResponses:
        DEFAULT_4XX:
          ResponseParameters:
            Headers:
              Access-Control-Allow-Origin: "'*'"
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.app
      Timeout: 28
      Events:
        GetItem: {Type: Api, Properties: {Path: "/api/v1/items/{item_id}", Method: GET}}
        PutItem: {Type: Api, Properties: {Path: "/api/v1/items/{item_id}", Method: PUT}}
        Create: {Type: Api, Properties: {Path: /api/v1/items, Method: POST}}
        Slow: {Type: Api, Properties: {Path: "/api/v1/slow/{n}", Method: GET}}
        Context: {Type: Api, Properties: {Path: /api/v1/context, Method: GET}}
  BrokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.broken
      Events:
        Boom: {Type: Api, Properties: {Path: /api/v1/boom, Method: GET}}
"""


def make_app() -> Chalice:
    app = Chalice(app_name="local-apigw-test")

    @app.route("/api/v1/items/{item_id}", methods=["GET"], cors=True)
    def get_item(item_id: str) -> dict[str, Any]:
        request = app.current_request
        return {
            "item_id": item_id,
            "query": dict(request.query_params or {}),
            "tags": request.query_params.getlist("tag") if request.query_params else [],
            "auth": request.headers.get("authorization"),
            "resource": request.context["resourcePath"],
            "stage": request.context["stage"],
        }

    @app.route("/api/v1/items/{item_id}", methods=["PUT"], cors=True)
    def put_item(item_id: str) -> Response:
        body = app.current_request.json_body
        return Response(
            {"item_id": item_id, "body": body}, status_code=200, headers={"X-Item": item_id}
        )

    @app.route("/api/v1/items", methods=["POST"], cors=True)
    def create_item() -> Response:
        body = app.current_request.json_body or {}
        if "name" not in body:
            raise BadRequestError("name is required")
        return Response({"created": body["name"]}, status_code=201)

    @app.route("/api/v1/slow/{n}", methods=["GET"])
    def slow(n: str) -> dict[str, Any]:
        # Reads current_request after a pause: a second request handled concurrently
        # by the same app object would have overwritten it.
        threading.Event().wait(0.01)
        return {"n": n, "seen": app.current_request.uri_params["n"]}

    @app.route("/api/v1/context", methods=["GET"])
    def context() -> dict[str, Any]:
        ctx = app.lambda_context
        return {
            "function_name": ctx.function_name,
            "remaining": ctx.get_remaining_time_in_millis(),
            "request_id": ctx.aws_request_id,
        }

    return app


def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("boom")


@pytest.fixture(scope="module")
def gateway() -> Iterator[ApiGateway]:
    spec = read_stack(loads(TEMPLATE))
    runtimes = {
        "ApiFunction": FunctionRuntime(spec.functions["ApiFunction"], handler=make_app()),
        "BrokenFunction": FunctionRuntime(spec.functions["BrokenFunction"], handler=broken),
    }
    gw = ApiGateway(
        spec.routes,
        runtimes,
        stage=spec.stage,
        cors=spec.cors,
        gateway_headers=spec.gateway_headers,
        port=0,
    )
    gw.start()
    yield gw
    gw.stop()


def call(
    gw: ApiGateway, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(gw.url + path, data=data, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_get_with_path_param_query_and_headers(gateway: ApiGateway) -> None:
    status, headers, body = call(
        gateway,
        "GET",
        "/api/v1/items/abc?tag=x&tag=y&status=PAUSED",
        headers={"Authorization": "Bearer k"},
    )
    assert status == 200
    assert json.loads(body) == {
        "item_id": "abc",
        "query": {"tag": "y", "status": "PAUSED"},
        "tags": ["x", "y"],
        "auth": "Bearer k",
        "resource": "/api/v1/items/{item_id}",
        "stage": "api",
    }
    assert headers["Content-Type"] == "application/json"
    assert headers["Access-Control-Allow-Origin"] == "*"  # the route has cors=True
    assert headers["x-amzn-RequestId"]


def test_put_with_json_body_and_custom_header(gateway: ApiGateway) -> None:
    status, headers, body = call(gateway, "PUT", "/api/v1/items/a%20b", body={"x": [1, 2]})
    assert status == 200
    assert json.loads(body) == {"item_id": "a b", "body": {"x": [1, 2]}}
    assert headers["X-Item"] == "a b"


def test_post_created_and_bad_request(gateway: ApiGateway) -> None:
    status, _, body = call(gateway, "POST", "/api/v1/items", body={"name": "n1"})
    assert (status, json.loads(body)) == (201, {"created": "n1"})
    status, _, body = call(gateway, "POST", "/api/v1/items", body={})
    assert status == 400
    assert json.loads(body) == {"Code": "BadRequestError", "Message": "name is required"}


def test_unknown_path_and_wrong_method_are_403_like_api_gateway(gateway: ApiGateway) -> None:
    for method, path in [("GET", "/nope"), ("GET", "/api/v1/items"), ("DELETE", "/api/v1/items/a")]:
        status, headers, body = call(gateway, method, path)
        assert status == 403, (method, path)
        assert json.loads(body) == {"message": "Missing Authentication Token"}
        assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        assert headers["Access-Control-Allow-Origin"] == "*"  # the template's DEFAULT_4XX


def test_options_preflight_on_a_known_path(gateway: ApiGateway) -> None:
    status, headers, body = call(
        gateway,
        "OPTIONS",
        "/api/v1/items/abc",
        headers={"Origin": "http://127.0.0.1:9", "Access-Control-Request-Method": "PUT"},
    )
    assert status == 200
    assert body == b""
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "GET,PUT,OPTIONS"
    assert headers["Access-Control-Allow-Headers"] == "Authorization,Content-Type"
    assert headers["Access-Control-Max-Age"] == "600"
    status, _, _ = call(gateway, "OPTIONS", "/unknown")
    assert status == 403


def test_a_raising_handler_is_a_502(gateway: ApiGateway) -> None:
    status, _, body = call(gateway, "GET", "/api/v1/boom")
    assert status == 502
    assert json.loads(body) == {"message": "Internal server error"}


def test_context_carries_the_function_and_its_timeout(gateway: ApiGateway) -> None:
    status, _, body = call(gateway, "GET", "/api/v1/context")
    data = json.loads(body)
    assert status == 200
    assert data["function_name"] == "ApiFunction"
    assert 27_000 < data["remaining"] <= 28_000
    assert data["request_id"]


def test_concurrent_requests_do_not_share_current_request(gateway: ApiGateway) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: call(gateway, "GET", f"/api/v1/slow/{n}"), range(24)))
    for n, (status, _, body) in enumerate(results):
        assert status == 200
        assert json.loads(body) == {"n": str(n), "seen": str(n)}
