"""An API-Gateway-style HTTP server: real REST (v1) Lambda proxy events, real handler.

Behaviour copied from API Gateway because the app and the dashboard depend on it:

- routing is by the template's resource paths (``/api/v1/jobs/{job_id}``), the most
  specific match wins, and the event carries that template path as ``resource`` and
  ``requestContext.resourcePath`` (Chalice routes on it);
- an unknown path, or a known path with a method it does not have, answers
  403 ``{"message":"Missing Authentication Token"}``;
- ``OPTIONS`` on a known path without its own OPTIONS method answers like the CORS mock
  integration Chalice generates;
- a handler that raises or returns a malformed response gives 502
  ``{"message": "Internal server error"}``;
- a response without a Content-Type gets ``application/json``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from infra.local.errors import LocalCloudError
from infra.local.ports import LOOPBACK
from infra.local.runtime import FunctionRuntime
from infra.local.template import RouteSpec

log = logging.getLogger("infra.local.apigw")

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
# The request headers Chalice's CORSConfig always allows (its preflight answer).
CORS_ALLOW_HEADERS = "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key"
# Chalice's default binary media types: such bodies arrive base64-encoded.
BINARY_MEDIA_TYPES = (
    "application/octet-stream", "application/x-tar", "application/zip",
    "audio/basic", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/wav", "audio/webm",
    "image/png", "image/jpg", "image/jpeg", "image/gif",
    "video/ogg", "video/mpeg", "video/webm",
)  # fmt: skip
MISSING_TOKEN = {"message": "Missing Authentication Token"}
MISSING_TOKEN_TYPE = "MissingAuthenticationTokenException"
INTERNAL_ERROR = {"message": "Internal server error"}


# -- routing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """A request matched to a template resource; ``route`` is None when the method is absent."""

    resource: str
    path_params: dict[str, str]
    route: RouteSpec | None
    methods: list[str] = field(default_factory=list)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _match(template: list[str], actual: list[str]) -> dict[str, str] | None:
    """Path parameters if ``actual`` fits ``template``.

    ``{name}`` takes one segment, ``{name+}`` the rest of the path.
    """
    params: dict[str, str] = {}
    for i, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            if i >= len(actual):
                return None
            params[part[1:-2]] = unquote("/".join(actual[i:]))
            return params
        if i >= len(actual):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = unquote(actual[i])
        elif part != actual[i]:
            return None
    return params if len(template) == len(actual) else None


def _specificity(template: list[str]) -> tuple[int, ...]:
    # Literal segments beat {param}, which beats {greedy+}, segment by segment.
    return tuple(0 if p.endswith("+}") else 1 if p.startswith("{") else 2 for p in template)


class RouteTable:
    def __init__(self, routes: Sequence[RouteSpec]) -> None:
        self._by_resource: dict[str, dict[str, RouteSpec]] = {}
        for route in routes:
            self._by_resource.setdefault(route.path, {})[route.method] = route
        self._ordered = sorted(
            ((path, _segments(path)) for path in self._by_resource),
            key=lambda item: _specificity(item[1]),
            reverse=True,
        )

    def methods(self, resource: str) -> list[str]:
        declared = self._by_resource.get(resource, {})
        if "ANY" in declared:
            return list(ALL_METHODS)
        return sorted(declared)

    def resolve(self, method: str, raw_path: str) -> Resolution | None:
        actual = _segments(raw_path)
        for resource, template in self._ordered:
            params = _match(template, actual)
            if params is None:
                continue
            declared = self._by_resource[resource]
            route = declared.get(method.upper()) or declared.get("ANY")
            return Resolution(resource, params, route, self.methods(resource))
        return None


# -- the event -------------------------------------------------------------------------------


def _is_binary(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";")[0].strip().lower()
    return media_type in BINARY_MEDIA_TYPES


def build_proxy_event(
    *,
    method: str,
    resource: str,
    raw_path: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    path_params: Mapping[str, str],
    stage: str,
    source_ip: str,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """A REST API (v1) Lambda proxy integration event, field for field."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value  # API Gateway keeps the last value of a repeated header
        multi.setdefault(name, []).append(value)

    query_single: dict[str, str] = {}
    query_multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        query_single[name] = value
        query_multi.setdefault(name, []).append(value)

    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    event_body: str | None = None
    is_base64 = False
    if body:
        try:
            if _is_binary(content_type):
                raise UnicodeDecodeError("utf-8", body, 0, 1, "binary media type")
            event_body = body.decode("utf-8")
        except UnicodeDecodeError:
            event_body, is_base64 = base64.b64encode(body).decode("ascii"), True

    path = unquote(raw_path)
    user_agent = next((v for k, v in headers if k.lower() == "user-agent"), None)
    host = next((v for k, v in headers if k.lower() == "host"), LOOPBACK)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": query_single or None,
        "multiValueQueryStringParameters": query_multi or None,
        "pathParameters": dict(path_params) or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "extendedRequestId": request_id,
            "httpMethod": method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": source_ip,
                "user": None,
                "userAgent": user_agent,
                "userArn": None,
            },
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, resource).hex[:6],
            "resourcePath": resource,
            "stage": stage,
        },
        "body": event_body,
        "isBase64Encoded": is_base64,
    }


# -- the response ----------------------------------------------------------------------------


class InvalidProxyResponse(ValueError):
    """The handler's return value is not a Lambda proxy response; API Gateway answers 502."""


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def proxy_response_to_http(result: Any) -> HttpResponse:
    """Translate a proxy response the way API Gateway does (merging both header maps)."""
    if not isinstance(result, dict):
        raise InvalidProxyResponse(f"expected a dict, got {type(result).__name__}")
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise InvalidProxyResponse(f"bad statusCode {status!r}")
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise InvalidProxyResponse(f"body must be a string, got {type(body).__name__}")
    raw = (body or "").encode("utf-8")
    if result.get("isBase64Encoded") and body:
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise InvalidProxyResponse(f"body is not valid base64: {exc}") from None

    # When a header is in both maps, API Gateway keeps only the multiValueHeaders values.
    multi = {k: v for k, v in (result.get("multiValueHeaders") or {}).items()}
    lowered = {k.lower() for k in multi}
    headers: list[tuple[str, str]] = [
        (k, str(v)) for k, v in (result.get("headers") or {}).items() if k.lower() not in lowered
    ]
    for name, values in multi.items():
        headers.extend((name, str(v)) for v in (values or []))
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, raw)


def json_response(
    status: int, payload: Any, headers: Sequence[tuple[str, str]] = ()
) -> HttpResponse:
    body = json.dumps(payload).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *headers], body)


def preflight_response(
    methods: Sequence[str], cors: Mapping[str, str] | None = None
) -> HttpResponse:
    """The answer of the OPTIONS mock integration API Gateway has for a CORS-enabled path.

    ``cors`` is the template's Cors headers; without them, Chalice's CORSConfig defaults.
    """
    allowed = [m for m in methods if m != "OPTIONS"] + ["OPTIONS"]
    headers = dict(cors or {})
    headers.setdefault("Access-Control-Allow-Origin", "*")
    headers.setdefault("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS)
    headers["Access-Control-Allow-Methods"] = ",".join(allowed)
    return HttpResponse(200, [("Content-Type", "application/json"), *headers.items()], b"")


# -- the server ------------------------------------------------------------------------------


class ApiGateway:
    """Serves ``routes`` on host:port, invoking each route's function runtime."""

    def __init__(
        self,
        routes: Sequence[RouteSpec],
        runtimes: Mapping[str, FunctionRuntime],
        *,
        stage: str = "Prod",
        cors: Mapping[str, str] | None = None,
        gateway_headers: Mapping[str, Mapping[str, str]] | None = None,
        host: str = LOOPBACK,
        port: int = 3001,
    ) -> None:
        missing = {r.function.logical_id for r in routes} - set(runtimes)
        if missing:
            raise LocalCloudError(f"no runtime for function(s) {sorted(missing)}")
        self.table = RouteTable(routes)
        self.runtimes = runtimes
        self.stage = stage
        self.cors = cors
        self.gateway_headers = gateway_headers or {}
        try:
            self._server = _Server((host, port), _make_handler(self))
        except OSError as exc:
            raise LocalCloudError(
                f"cannot listen on {host}:{port} ({exc.strerror}); set PORT to a free port"
            ) from None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="apigw", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def handle(
        self,
        method: str,
        target: str,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        source_ip: str,
    ) -> HttpResponse:
        """One request through API Gateway's rules; also usable without a socket."""
        parts = urlsplit(target)
        resolution = self.table.resolve(method, parts.path)
        if resolution is None:
            return self._gateway_error(403, MISSING_TOKEN, MISSING_TOKEN_TYPE)
        if resolution.route is None:
            if method == "OPTIONS":
                return preflight_response(resolution.methods, self.cors)
            return self._gateway_error(403, MISSING_TOKEN, MISSING_TOKEN_TYPE)
        request_id = str(uuid.uuid4())
        event = build_proxy_event(
            method=method,
            resource=resolution.resource,
            raw_path=parts.path,
            query=parts.query,
            headers=headers,
            body=body,
            path_params=resolution.path_params,
            stage=self.stage,
            source_ip=source_ip,
            request_id=request_id,
            now=datetime.now(UTC),
        )
        function = resolution.route.function
        runtime = self.runtimes[function.logical_id]
        started = time.monotonic()
        try:
            response = proxy_response_to_http(runtime.invoke(event))
        except InvalidProxyResponse as exc:
            log.error("%s %s: malformed proxy response: %s", method, parts.path, exc)
            return self._gateway_error(502, INTERNAL_ERROR, "InternalServerErrorException")
        except Exception:
            log.exception("%s %s: the handler raised", method, parts.path)
            return self._gateway_error(502, INTERNAL_ERROR, "InternalServerErrorException")
        elapsed = time.monotonic() - started
        if elapsed > function.timeout_s:
            # Not enforced (a debugger's breakpoint would trip it), only reported: on AWS
            # Lambda would have ended this call and API Gateway answered 502.
            log.warning(
                "%s %s took %.1fs, over %s's Timeout of %ss",
                method, parts.path, elapsed, function.logical_id, function.timeout_s,
            )  # fmt: skip
        response.headers.append(("x-amzn-RequestId", request_id))
        return response

    def _gateway_error(self, status: int, payload: Any, error_type: str) -> HttpResponse:
        """An error API Gateway answers itself, with the template's GatewayResponses headers."""
        kind = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        extra = [("x-amzn-ErrorType", error_type), *self.gateway_headers.get(kind, {}).items()]
        return json_response(status, payload, extra)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _make_handler(gateway: ApiGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the dashboard polls every couple of seconds
        server_version = "local-apigw"

        def _serve(self) -> None:
            started = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            response = gateway.handle(
                self.command, self.path, list(self.headers.items()), body, self.client_address[0]
            )
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            log.info(
                "%s %s %s %d %.1fms",
                self.client_address[0],
                self.command,
                self.path,
                response.status,
                (time.monotonic() - started) * 1000,
            )

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        def __getattr__(self, name: str) -> Any:
            # Any other method (TRACE, PROPFIND, ...) gets API Gateway's answer, not
            # http.server's 501.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per request is logged by _serve

    return Handler
