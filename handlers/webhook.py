"""``http.webhook``: one HTTP request; a non-2xx answer fails the attempt.

Payload::

    {"url": "https://example.com/hook",   # required, http or https
     "method": "POST",                     # GET POST PUT PATCH DELETE HEAD
     "headers": {"X-Token": "..."},        # strings to strings
     "body": {"any": "JSON"},              # sent as JSON; a string is sent as it is
     "timeout": 10000}                     # milliseconds (default 10000), capped by
                                           # the job's own timeout_ms

Security (see ``handlers/_addresses.py``): the host is resolved at run time, every
address it resolves to is checked, and the connection goes to one of those checked
addresses, never to a second lookup of the name, so a DNS answer that changes between
check and connect (rebinding) cannot reach a private address. Redirects are not
followed (a 3xx is a failure that names its ``Location``), and no proxy from the
environment is used. Only the standard library is needed.

The request runs in a helper thread while the calling thread watches ``ctx``: on
cancel or on the job's deadline the socket is shut down and the handler raises at
once instead of waiting for the server.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

from handlers._addresses import (
    AddressRefused,
    AllowList,
    IPAddress,
    check_addresses,
    refusal_before_dns,
)
from handlers._payload import (
    check_object,
    is_number,
    require_valid,
    string_map_problem,
)
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import (
    Handler,
    HandlerCancelled,
    HandlerContext,
    HandlerRegistry,
    HandlerTimeout,
)

NAME = "http.webhook"
FIELDS = ("url", "method", "headers", "body", "timeout")
OVERRIDABLE = ("body", "timeout")
"""What an operate key may change for one run: what is sent and how long to wait, never
where it goes, how, or with which credentials (url, method, headers need admin)."""
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
DEFAULT_METHOD = "POST"
DEFAULT_TIMEOUT_MS = 10_000
MAX_TIMEOUT_MS = 24 * 3600 * 1000
"""``timeout`` is in milliseconds, like the job's ``timeout_ms`` (and as the seed
documents it: ``"timeout": 30000``)."""
MAX_HEADER_NAME = 256
MAX_HEADER_VALUE = 8 * 1024
MAX_URL_LENGTH = 2048
MAX_BODY_BYTES = 4 * 1024
"""Response bytes kept in the result: results live in PostgreSQL and the dashboard."""
SNIPPET_CHARS = 200
"""Response body characters quoted in the error of a non-2xx answer."""
MAX_RESPONSE_HEADERS = 64
MAX_RESPONSE_HEADER_VALUE = 1024
MAX_RESPONSE_HEADER_BYTES = 16 * 1024
"""Response headers kept in the result, by count, value length and JSON size: a server
may send a hundred headers of 64 KiB each, and the result is stored and shown to users.
``headers_truncated`` says when some were cut or left out."""
POLL_S = 0.05
"""How often the calling thread looks at ``ctx.cancelled`` while the request runs."""
USER_AGENT = "jobsched-webhook/1"

# Headers of the connection, not of the request: http.client computes some itself (a
# second, user-given copy would corrupt the framing), Host must name the URL's host (a
# payload's own would reach another virtual host than the one checked), and the
# hop-by-hop ones (RFC 9110 7.6.1) would change how the connection is used.
_CONNECTION_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)
# Response headers left out of the result, which is stored and shown to every user.
_SECRET_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


class WebhookError(RuntimeError):
    """The request could not be made or did not get a 2xx answer."""


@dataclass(frozen=True)
class Target:
    """A checked URL, split into what the connection needs."""

    scheme: str
    host: str
    port: int
    path: str


def _parse_url(url: Any) -> tuple[Target | None, str | None]:
    """(target, None) for a usable URL, else (None, what is wrong with it)."""
    if not isinstance(url, str) or not url:
        return None, "is required" if url is None or url == "" else "must be a string"
    if len(url) > MAX_URL_LENGTH:
        return None, f"must be at most {MAX_URL_LENGTH} characters"
    if any(c <= " " or c == "\x7f" for c in url):
        return None, "must not contain spaces or control characters"
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return None, f"is not a valid URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None, "must be an http:// or https:// URL"
    if not parts.hostname:
        return None, "must name a host"
    if parts.username is not None or parts.password is not None:
        # Credentials in a URL end up in logs and in the job as shown to every user.
        return None, "must not contain credentials; send them in headers"
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        return None, "host is not a valid name"
    # Non-ASCII characters are percent-encoded (http.client sends ASCII only); what is
    # already encoded or reserved is left as written. The fragment is never sent.
    path = quote(parts.path or "/", safe=_URL_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_URL_SAFE)
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path), None


def validate(payload: dict[str, Any], settings: HandlerSettings) -> dict[str, str]:
    """Problems with a webhook payload, by field; empty when it can run."""
    problems = check_object(payload, FIELDS)
    if "payload" in problems:
        return problems
    target, problem = _parse_url(payload.get("url"))
    if problem:
        problems["payload.url"] = problem
    elif target is not None:
        refused = refusal_before_dns(target.host, AllowList.parse(settings.webhook_allowed_hosts))
        if refused:
            problems["payload.url"] = refused
    method = payload.get("method", DEFAULT_METHOD)
    if not isinstance(method, str) or method.upper() not in METHODS:
        problems["payload.method"] = "must be one of " + ", ".join(METHODS)
    if "headers" in payload:
        problems.update(_header_problems(payload["headers"]))
    if "timeout" in payload:
        timeout = payload["timeout"]
        if not is_number(timeout) or timeout <= 0:
            problems["payload.timeout"] = "must be a number of milliseconds greater than 0"
        elif timeout > MAX_TIMEOUT_MS:
            problems["payload.timeout"] = f"must be at most {MAX_TIMEOUT_MS} milliseconds"
    return problems


def _header_problems(headers: Any) -> dict[str, str]:
    if (problem := string_map_problem(headers)) is not None:
        return {"payload.headers": problem}
    problems: dict[str, str] = {}
    for name, value in headers.items():
        if len(name) > MAX_HEADER_NAME:
            problems[f"payload.headers.{name}"] = (
                f"name must be at most {MAX_HEADER_NAME} characters"
            )
        elif not name or not set(name) <= _TOKEN_CHARS:
            problems[f"payload.headers.{name}"] = "is not a valid header name"
        elif name.lower() in _CONNECTION_HEADERS:
            problems[f"payload.headers.{name}"] = (
                "is set automatically (a connection-level header a payload may not set)"
            )
        elif any(c in value for c in "\r\n\0"):
            # A newline in a value would let a payload inject headers or a second request.
            problems[f"payload.headers.{name}"] = "must not contain line breaks"
        elif len(value) > MAX_HEADER_VALUE:
            problems[f"payload.headers.{name}"] = f"must be at most {MAX_HEADER_VALUE} characters"
    return problems


def _request_body(payload: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """(bytes to send, default Content-Type); a string body goes out as it is."""
    if payload.get("body") is None:
        return None, None
    body = payload["body"]
    if isinstance(body, str):
        return body.encode("utf-8"), "text/plain; charset=utf-8"
    return json.dumps(body).encode("utf-8"), "application/json"


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: dict[IPAddress, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault(ipaddress.ip_address(sockaddr[0]), None)
    return list(seen)


def _connect(addresses: Sequence[IPAddress], port: int, timeout: float) -> socket.socket:
    """A TCP connection to the first checked address that answers."""
    error: OSError | None = None
    for ip in addresses:
        try:
            return socket.create_connection((str(ip), port), timeout=timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


def tls_context() -> ssl.SSLContext:
    """The system's trusted CAs, certificate and host name checked (tests swap this)."""
    return ssl.create_default_context()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to addresses checked beforehand; never looks the name up again."""

    def __init__(self, host: str, port: int, addresses: Sequence[IPAddress], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS verified against the URL's host name (SNI and certificate)."""

    def __init__(self, host: str, port: int, addresses: Sequence[IPAddress], timeout: float):
        super().__init__(host, port, timeout=timeout, context=tls_context())
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


@dataclass
class _Call:
    """One request run on a helper thread, abortable from the thread that waits."""

    target: Target
    method: str
    headers: dict[str, str]
    body: bytes | None
    timeout: float
    allow: AllowList
    result: dict[str, Any] | None = None
    error: BaseException | None = None
    _conn: http.client.HTTPConnection | None = None
    _aborted: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        try:
            self.result = self._exchange()
        except BaseException as exc:  # handed to the waiting thread, which re-raises
            self.error = exc

    def abort(self) -> None:
        """Unblock the helper thread: shutting the socket down ends any recv/send."""
        with self._lock:
            self._aborted = True
            conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError, ValueError):  # closed already: nothing to unblock
                conn.sock.shutdown(socket.SHUT_RDWR)

    def _exchange(self) -> dict[str, Any]:
        target = self.target
        try:
            addresses = _resolve(target.host, target.port)
        except OSError as exc:
            raise WebhookError(f"could not resolve {target.host}: {exc}") from None
        check_addresses(target.host, addresses, self.allow)
        conn_type = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        conn = conn_type(target.host, target.port, addresses, self.timeout)
        with self._lock:
            if self._aborted:
                raise WebhookError("aborted")
            self._conn = conn
        try:
            conn.request(self.method, target.path, body=self.body, headers=self.headers)
            response = conn.getresponse()
            raw = response.read(MAX_BODY_BYTES + 1)
            headers, headers_truncated = _response_headers(response)
            return {
                "status": response.status,
                "reason": response.reason,
                "headers": headers,
                "headers_truncated": headers_truncated,
                "body": _decode(raw[:MAX_BODY_BYTES], response),
                "truncated": len(raw) > MAX_BODY_BYTES,
            }
        except ssl.SSLError as exc:
            raise WebhookError(f"TLS failed with {target.host}: {exc}") from None
        except TimeoutError:
            raise WebhookError(
                f"no answer from {target.host} within {self.timeout * 1000:g} ms"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise WebhookError(
                f"request to {target.host} failed: {exc or type(exc).__name__}"
            ) from None
        finally:
            conn.close()


def _response_headers(response: http.client.HTTPResponse) -> tuple[dict[str, str], bool]:
    """The response's headers as stored in the result (bounded), and whether any were
    cut or left out. Repeated names are joined with ``, `` as HTTP allows."""
    headers: dict[str, str] = {}
    truncated = False
    size = 2  # the JSON object's braces
    for name, value in response.getheaders():
        key = name.lower()[:MAX_HEADER_NAME]
        if key in _SECRET_RESPONSE_HEADERS:
            continue
        joined = f"{headers[key]}, {value}" if key in headers else value
        if len(joined) > MAX_RESPONSE_HEADER_VALUE:
            joined, truncated = joined[:MAX_RESPONSE_HEADER_VALUE], True
        # What this entry adds to the JSON (ASCII-escaped, so characters count as bytes).
        added = len(json.dumps({key: joined})) - 2 + (1 if headers else 0)
        if key in headers:
            added -= len(json.dumps({key: headers[key]})) - 2 + 1
        if (key not in headers and len(headers) >= MAX_RESPONSE_HEADERS) or (
            size + added > MAX_RESPONSE_HEADER_BYTES
        ):
            truncated = True
            continue
        headers[key] = joined
        size += added
    return headers, truncated


def _decode(raw: bytes, response: http.client.HTTPResponse) -> str:
    charset = response.headers.get_content_charset() or "utf-8"
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", errors="replace")


def _failure_message(result: dict[str, Any], method: str) -> str:
    message = f"{method} answered HTTP {result['status']} {result['reason']}".rstrip()
    if 300 <= result["status"] < 400:
        location = result["headers"].get("location", "?")
        return f"{message} (redirects are not followed; Location: {location})"
    snippet = " ".join(result["body"].split())[:SNIPPET_CHARS]
    return f"{message}: {snippet}" if snippet else message


def run(payload: dict[str, Any], ctx: HandlerContext) -> dict[str, Any]:
    """Make one HTTP request; a non-2xx answer fails the attempt."""
    require_valid(validate(payload, ctx.handler_settings))
    ctx.check()
    target, _ = _parse_url(payload["url"])
    assert target is not None  # validate() has accepted the URL
    method = payload.get("method", DEFAULT_METHOD).upper()
    body, content_type = _request_body(payload)
    defaults = {
        "User-Agent": USER_AGENT,
        # At-least-once delivery: these let the receiver recognise a repeated attempt.
        "X-Jobsched-Job-Id": ctx.job_id,
        "X-Jobsched-Execution-Id": ctx.execution_id,
        "X-Jobsched-Attempt": str(ctx.attempt),
    }
    if ctx.idempotency_key:
        # The same for every attempt of one occurrence or keyed trigger.
        defaults["Idempotency-Key"] = ctx.idempotency_key
    if content_type:
        defaults["Content-Type"] = content_type
    given: dict[str, str] = payload.get("headers") or {}
    # Header names are case-insensitive: the payload's own spelling replaces a default.
    overridden = {name.lower() for name in given}
    headers = {k: v for k, v in defaults.items() if k.lower() not in overridden}
    headers.update(given)

    request_timeout_ms = payload.get("timeout", DEFAULT_TIMEOUT_MS)
    timeout = min(request_timeout_ms / 1000, ctx.remaining())
    if timeout <= 0:
        raise HandlerTimeout("timed out before the request was sent")
    call = _Call(
        target,
        method,
        headers,
        body,
        timeout,
        AllowList.parse(ctx.handler_settings.webhook_allowed_hosts),
    )
    thread = threading.Thread(target=call.run, name=f"webhook-{ctx.execution_id}", daemon=True)
    thread.start()
    gives_up_at = time.monotonic() + timeout
    while True:
        thread.join(POLL_S)
        if not thread.is_alive():
            break
        if ctx.cancelled.is_set():
            call.abort()
            raise HandlerCancelled("execution was cancelled during the request")
        if ctx.remaining() <= 0:
            call.abort()
            raise HandlerTimeout("timed out waiting for the webhook's answer")
        if time.monotonic() >= gives_up_at:
            # Socket timeouts are per read; this bounds a server that answers byte by byte.
            call.abort()
            raise WebhookError(f"no complete answer within {request_timeout_ms:g} ms")

    if call.error is not None:
        # The socket timeout may beat this loop to the job's deadline, or a cancel may
        # have landed just as the request failed: report what the worker must know.
        if ctx.cancelled.is_set():
            raise HandlerCancelled("execution was cancelled during the request")
        if ctx.remaining() <= 0:
            raise HandlerTimeout(f"timed out: {call.error}")
        if isinstance(call.error, AddressRefused | WebhookError):
            raise call.error
        raise WebhookError(f"request failed: {call.error}") from call.error
    result = call.result
    assert result is not None
    if not 200 <= result["status"] < 300:
        raise WebhookError(_failure_message(result, method))
    return result


def register(registry: HandlerRegistry) -> None:
    registry.add(
        Handler(
            NAME,
            run,
            validate,
            "Make an HTTP request; a non-2xx answer fails. Private addresses need "
            "WEBHOOK_ALLOWED_HOSTS.",
            overridable=OVERRIDABLE,
        )
    )
