"""Route matching, proxy events and proxy responses, as API Gateway does them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from infra.local.apigw import (
    InvalidProxyResponse,
    RouteTable,
    build_proxy_event,
    preflight_response,
    proxy_response_to_http,
)
from infra.local.template import FunctionSpec, RouteSpec

API = FunctionSpec("ApiFunction", "app.app", timeout_s=28)
PATHS = [
    ("/api/v1/jobs", "GET"),
    ("/api/v1/jobs", "POST"),
    ("/api/v1/jobs/{job_id}", "GET"),
    ("/api/v1/jobs/{job_id}", "PUT"),
    ("/api/v1/jobs/{job_id}/pause", "POST"),
    ("/api/v1/jobs/search", "GET"),
    ("/files/{path+}", "GET"),
    ("/anything", "ANY"),
]
TABLE = RouteTable([RouteSpec(p, m, API) for p, m in PATHS])


@pytest.mark.parametrize(
    ("method", "path", "resource", "params"),
    [
        ("GET", "/api/v1/jobs", "/api/v1/jobs", {}),
        ("GET", "/api/v1/jobs/", "/api/v1/jobs", {}),
        ("GET", "/api/v1/jobs/abc", "/api/v1/jobs/{job_id}", {"job_id": "abc"}),
        ("PUT", "/api/v1/jobs/abc", "/api/v1/jobs/{job_id}", {"job_id": "abc"}),
        ("POST", "/api/v1/jobs/abc/pause", "/api/v1/jobs/{job_id}/pause", {"job_id": "abc"}),
        # a literal segment beats a {param} at the same place
        ("GET", "/api/v1/jobs/search", "/api/v1/jobs/search", {}),
        # path parameters arrive decoded, as on AWS
        ("GET", "/api/v1/jobs/a%20b+c", "/api/v1/jobs/{job_id}", {"job_id": "a b+c"}),
        ("GET", "/files/a/b/c.txt", "/files/{path+}", {"path": "a/b/c.txt"}),
        ("DELETE", "/anything", "/anything", {}),
    ],
)
def test_route_matches(method: str, path: str, resource: str, params: dict[str, str]) -> None:
    resolution = TABLE.resolve(method, path)
    assert resolution is not None
    assert resolution.route is not None
    assert resolution.resource == resource
    assert resolution.path_params == params


@pytest.mark.parametrize(
    "path", ["/", "/api/v1", "/api/v1/jobs/abc/pause/now", "/api/v1/job", "/files", "/nope"]
)
def test_unknown_path_has_no_resource(path: str) -> None:
    assert TABLE.resolve("GET", path) is None


def test_known_path_with_other_method_has_resource_but_no_route() -> None:
    resolution = TABLE.resolve("DELETE", "/api/v1/jobs/abc")
    assert resolution is not None
    assert resolution.route is None
    assert resolution.resource == "/api/v1/jobs/{job_id}"
    assert resolution.methods == ["GET", "PUT"]


def _event(**overrides: object) -> dict:
    args: dict = {
        "method": "GET",
        "resource": "/api/v1/jobs/{job_id}",
        "raw_path": "/api/v1/jobs/abc",
        "query": "status=PAUSED",
        "headers": [("Host", "127.0.0.1:3001"), ("Authorization", "Bearer k")],
        "body": b"",
        "path_params": {"job_id": "abc"},
        "stage": "api",
        "source_ip": "127.0.0.1",
        "request_id": "req-1",
        "now": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    args.update(overrides)
    return build_proxy_event(**args)


def test_get_event_has_the_rest_v1_proxy_shape() -> None:
    event = _event()
    assert event["resource"] == "/api/v1/jobs/{job_id}"
    assert event["path"] == "/api/v1/jobs/abc"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"job_id": "abc"}
    assert event["queryStringParameters"] == {"status": "PAUSED"}
    assert event["multiValueQueryStringParameters"] == {"status": ["PAUSED"]}
    assert event["headers"]["Authorization"] == "Bearer k"
    assert event["multiValueHeaders"]["Host"] == ["127.0.0.1:3001"]
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["resourcePath"] == "/api/v1/jobs/{job_id}"
    assert ctx["httpMethod"] == "GET"
    assert ctx["stage"] == "api"
    assert ctx["requestId"] == "req-1"
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["path"] == "/api/v1/jobs/abc"
    assert ctx["requestTimeEpoch"] == 1767323045000
    json.dumps(event)  # a Lambda event is JSON


def test_event_without_query_or_params_uses_null_like_api_gateway() -> None:
    event = _event(query="", path_params={}, resource="/api/v1/jobs", raw_path="/api/v1/jobs")
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None


def test_repeated_query_and_headers_keep_every_value_and_the_last_as_single() -> None:
    event = _event(query="tag=a&tag=b%20c&empty=", headers=[("X-A", "1"), ("X-A", "2")])
    assert event["queryStringParameters"] == {"tag": "b c", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b c"], "empty": [""]}
    assert event["headers"] == {"X-A": "2"}
    assert event["multiValueHeaders"] == {"X-A": ["1", "2"]}


def test_text_body_is_a_string_and_binary_body_is_base64() -> None:
    text = _event(method="POST", body=b'{"a": 1}', headers=[("Content-Type", "application/json")])
    assert text["body"] == '{"a": 1}'
    assert text["isBase64Encoded"] is False
    png = _event(method="POST", body=b"\x89PNG", headers=[("Content-Type", "image/png")])
    assert png["isBase64Encoded"] is True
    assert base64.b64decode(png["body"]) == b"\x89PNG"
    raw = _event(method="POST", body=b"\xff\xfe", headers=[])
    assert raw["isBase64Encoded"] is True


def test_response_merges_header_maps_like_api_gateway() -> None:
    response = proxy_response_to_http(
        {
            "statusCode": 201,
            "headers": {"X-One": "1", "Set-Cookie": "ignored"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": '{"ok": true}',
        }
    )
    assert response.status == 201
    assert ("X-One", "1") in response.headers
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("Content-Type", "application/json") in response.headers  # API Gateway's default
    assert response.body == b'{"ok": true}'


def test_base64_response_body_is_decoded() -> None:
    body = base64.b64encode(b"\x00\x01").decode()
    response = proxy_response_to_http(
        {"statusCode": 200, "body": body, "isBase64Encoded": True, "headers": {}}
    )
    assert response.body == b"\x00\x01"


@pytest.mark.parametrize(
    "result",
    [None, "text", {"body": "x"}, {"statusCode": 99}, {"statusCode": 200, "body": {"a": 1}}],
)
def test_malformed_response_is_rejected(result: object) -> None:
    with pytest.raises(InvalidProxyResponse):
        proxy_response_to_http(result)


def test_preflight_lists_the_path_methods_and_cors_headers() -> None:
    response = preflight_response(["GET", "PUT"])
    headers = dict(response.headers)
    assert response.status == 200
    assert headers["Access-Control-Allow-Methods"] == "GET,PUT,OPTIONS"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in headers["Access-Control-Allow-Headers"].split(",")
    custom = dict(preflight_response(["GET"], {"Access-Control-Max-Age": "600"}).headers)
    assert custom["Access-Control-Max-Age"] == "600"
