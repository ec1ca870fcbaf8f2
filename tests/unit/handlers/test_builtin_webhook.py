"""http.webhook against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from handlers import webhook
from handlers._addresses import AddressRefused
from handlers._payload import InvalidPayload
from jobsched.handler_settings import HandlerSettings
from jobsched.registry import HandlerCancelled, HandlerTimeout

LOOPBACK_ALLOWED = HandlerSettings(webhook_allowed_hosts=("127.0.0.1",))


@dataclass
class Recorded:
    method: str
    path: str
    headers: Message  # looked up case-insensitively, as HTTP header names are
    body: bytes


@dataclass
class Server:
    url: str
    port: int
    requests: list[Recorded] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


def _handler_class(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            server.requests.append(Recorded(self.command, self.path, self.headers, body))
            if self.path == "/slow":
                server.arrived.set()
                server.release.wait(10)
                return
            status, headers, payload = self._answer(body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _answer(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
            if self.path == "/fail":
                return 500, {"Content-Type": "text/plain"}, b"boom:\n  database   is down"
            if self.path == "/redirect":
                return 302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""
            if self.path == "/big":
                return 200, {"Content-Type": "text/plain"}, b"a" * 10_000
            if self.path == "/many-headers":
                # 80 headers of 20,000 characters: 1.6 MB, all within http.client's limits.
                return 200, {f"X-Flood-{i}": "v" * 20_000 for i in range(80)}, b""
            answer = {"echo": body.decode(), "path": self.path}
            return (
                200,
                {"Content-Type": "application/json", "Set-Cookie": "sid=secret", "X-Reply": "1"},
                json.dumps(answer).encode(),
            )

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    return Handler


def _start(tls: ssl.SSLContext | None = None) -> tuple[Server, Callable[[], None]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    httpd.daemon_threads = True
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    port = httpd.server_address[1]
    scheme = "https" if tls else "http"
    srv = Server(url=f"{scheme}://127.0.0.1:{port}", port=port)
    httpd.RequestHandlerClass = _handler_class(srv)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()

    def stop() -> None:
        srv.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)

    return srv, stop


@pytest.fixture
def server() -> Iterator[Server]:
    srv, stop = _start()
    yield srv
    stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate (and its key, in the same file) for ``pinned.test``."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    pem = tmp_path_factory.mktemp("tls") / "pinned.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=pinned.test", "-addext", "subjectAltName=DNS:pinned.test",
            "-keyout", str(pem), "-out", str(pem),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return pem


@pytest.fixture
def tls_server(certificate: Path) -> Iterator[Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate)
    srv, stop = _start(context)
    yield srv
    stop()


# requests and answers -------------------------------------------------------------------


def test_posts_json_and_returns_the_answer(server: Server, make_ctx) -> None:
    payload = {"url": server.url + "/hook?x=1", "body": {"a": [1, 2]}, "headers": {"X-Key": "k"}}
    result = webhook.run(payload, make_ctx(LOOPBACK_ALLOWED))
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/hook?x=1"
    assert json.loads(request.body) == {"a": [1, 2]}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Key"] == "k"
    assert request.headers["X-Jobsched-Execution-Id"] == "e"
    assert request.headers["Host"] == f"127.0.0.1:{server.port}"
    assert result["status"] == 200
    assert json.loads(result["body"]) == {"echo": '{"a": [1, 2]}', "path": "/hook?x=1"}
    assert result["headers"]["x-reply"] == "1"
    assert "set-cookie" not in result["headers"]
    assert result["truncated"] is False


def test_the_runs_idempotency_key_is_sent_with_every_attempt(server: Server, make_ctx) -> None:
    key = "job-1:2026-03-29T01:00:00+00:00"
    for attempt in (1, 2):
        ctx = make_ctx(LOOPBACK_ALLOWED, idempotency_key=key)
        ctx.attempt = attempt
        webhook.run({"url": server.url}, ctx)
    assert [r.headers["Idempotency-Key"] for r in server.requests] == [key, key]


def test_non_ascii_paths_are_percent_encoded(server: Server, make_ctx) -> None:
    url = server.url + "/caf\u00e9/a%20b?q=\u00fc&r=1#fragment"
    webhook.run({"url": url, "method": "GET"}, make_ctx(LOOPBACK_ALLOWED))
    assert server.requests[0].path == "/caf%C3%A9/a%20b?q=%C3%BC&r=1"


def test_string_body_is_sent_as_it_is(server: Server, make_ctx) -> None:
    payload = {
        "url": server.url,
        "method": "put",
        "body": "plain <text>",
        "headers": {"content-type": "text/x-custom"},
    }
    webhook.run(payload, make_ctx(LOOPBACK_ALLOWED))
    [request] = server.requests
    assert (request.method, request.body) == ("PUT", b"plain <text>")
    assert request.headers["Content-Type"] == "text/x-custom"


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_methods_without_body(server: Server, make_ctx, method: str) -> None:
    result = webhook.run({"url": server.url, "method": method}, make_ctx(LOOPBACK_ALLOWED))
    assert result["status"] == 200
    assert server.requests[0].method == method
    assert server.requests[0].body == b""
    if method == "HEAD":
        assert result["body"] == ""


def test_non_2xx_fails_with_status_and_snippet(server: Server, make_ctx) -> None:
    with pytest.raises(webhook.WebhookError, match=r"HTTP 500 .*: boom: database is down$"):
        webhook.run({"url": server.url + "/fail"}, make_ctx(LOOPBACK_ALLOWED))


def test_redirects_are_not_followed(server: Server, make_ctx) -> None:
    with pytest.raises(webhook.WebhookError, match=r"HTTP 302.*redirects are not followed"):
        webhook.run({"url": server.url + "/redirect"}, make_ctx(LOOPBACK_ALLOWED))
    assert len(server.requests) == 1


def test_large_bodies_are_truncated(server: Server, make_ctx) -> None:
    result = webhook.run({"url": server.url + "/big"}, make_ctx(LOOPBACK_ALLOWED))
    assert result["body"] == "a" * webhook.MAX_BODY_BYTES
    assert result["truncated"] is True


def test_response_headers_are_bounded_in_count_and_size(server: Server, make_ctx) -> None:
    result = webhook.run({"url": server.url + "/many-headers"}, make_ctx(LOOPBACK_ALLOWED))
    headers = result["headers"]
    assert result["headers_truncated"] is True
    assert len(headers) <= webhook.MAX_RESPONSE_HEADERS
    assert all(len(v) <= webhook.MAX_RESPONSE_HEADER_VALUE for v in headers.values())
    assert len(json.dumps(headers)) <= webhook.MAX_RESPONSE_HEADER_BYTES
    assert headers["x-flood-0"].startswith("vvv")


def test_ordinary_response_headers_are_not_marked_truncated(server: Server, make_ctx) -> None:
    result = webhook.run({"url": server.url}, make_ctx(LOOPBACK_ALLOWED))
    assert result["headers_truncated"] is False


@pytest.mark.parametrize("name", ["Host", "host", "Connection", "Transfer-Encoding", "Upgrade"])
def test_connection_level_headers_are_refused_and_never_sent(
    server: Server, make_ctx, name: str
) -> None:
    payload = {"url": server.url, "headers": {name: "evil.example"}}
    problems = webhook.validate(payload, LOOPBACK_ALLOWED)
    assert set(problems) == {f"payload.headers.{name}"}
    with pytest.raises(InvalidPayload):
        webhook.run(payload, make_ctx(LOOPBACK_ALLOWED))
    assert server.requests == []


def test_a_cidr_allow_list_entry_works(server: Server, make_ctx) -> None:
    settings = HandlerSettings(webhook_allowed_hosts=("127.0.0.0/8",))
    assert webhook.run({"url": server.url}, make_ctx(settings))["status"] == 200


def test_connection_refused_is_a_failure(make_ctx) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(webhook.WebhookError, match=r"request to 127.0.0.1 failed"):
        webhook.run({"url": f"http://127.0.0.1:{port}/"}, make_ctx(LOOPBACK_ALLOWED))


# refusals -------------------------------------------------------------------------------


def test_loopback_is_refused_without_an_allow_list(server: Server, make_ctx) -> None:
    with pytest.raises(InvalidPayload, match=r"a loopback address.*WEBHOOK_ALLOWED_HOSTS"):
        webhook.run({"url": server.url}, make_ctx(HandlerSettings()))
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]:8080/",
        "http://localhost:3001/",
        "http://127.1/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:192.168.0.1]/",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_private_and_metadata_urls_are_refused_by_validate(url: str) -> None:
    problems = webhook.validate({"url": url}, HandlerSettings())
    assert set(problems) == {"payload.url"}
    assert problems["payload.url"].startswith("refusing to call")


def test_allow_listed_literal_passes_validate() -> None:
    assert (
        webhook.validate(
            {"url": "http://10.0.0.1/"}, HandlerSettings(webhook_allowed_hosts=("10.0.0.0/8",))
        )
        == {}
    )
    assert webhook.validate({"url": "http://127.0.0.1:9/"}, LOOPBACK_ALLOWED) == {}


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    """Make ``socket.getaddrinfo`` answer ``answers`` for these names (others: real DNS)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in answers[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_resolving_to_a_private_address_is_refused_at_run_time(
    monkeypatch: pytest.MonkeyPatch, make_ctx
) -> None:
    fake_dns(monkeypatch, {"hook.example.com": ["93.184.215.14", "10.0.0.7"]})
    payload = {"url": "http://hook.example.com/x"}
    assert webhook.validate(payload, HandlerSettings()) == {}  # validate does not ask DNS
    with pytest.raises(AddressRefused, match=r"hook.example.com \(10.0.0.7\): a private address"):
        webhook.run(payload, make_ctx(HandlerSettings()))


def test_the_connection_goes_to_the_checked_address(
    server: Server, monkeypatch: pytest.MonkeyPatch, make_ctx
) -> None:
    # "pinned.test" exists only in this fake DNS: the request reaching the server proves
    # the connection used the checked address, and Host still names the URL's host.
    fake_dns(monkeypatch, {"pinned.test": ["127.0.0.1"]})
    url = f"http://pinned.test:{server.port}/p"
    assert webhook.run({"url": url}, make_ctx(LOOPBACK_ALLOWED))["status"] == 200
    assert server.requests[0].headers["Host"] == f"pinned.test:{server.port}"


def test_unresolvable_host_fails_clearly(monkeypatch: pytest.MonkeyPatch, make_ctx) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(webhook.WebhookError, match=r"could not resolve nowhere.example"):
        webhook.run({"url": "https://nowhere.example/"}, make_ctx(HandlerSettings()))


# TLS ------------------------------------------------------------------------------------


def test_https_verifies_the_urls_host_while_connecting_to_the_checked_address(
    tls_server: Server, certificate: Path, monkeypatch: pytest.MonkeyPatch, make_ctx
) -> None:
    fake_dns(monkeypatch, {"pinned.test": ["127.0.0.1"]})
    monkeypatch.setattr(
        webhook, "tls_context", lambda: ssl.create_default_context(cafile=certificate)
    )
    url = f"https://pinned.test:{tls_server.port}/secure"
    assert webhook.run({"url": url}, make_ctx(LOOPBACK_ALLOWED))["status"] == 200
    assert tls_server.requests[0].path == "/secure"


def test_https_refuses_an_untrusted_certificate(
    tls_server: Server, monkeypatch: pytest.MonkeyPatch, make_ctx
) -> None:
    fake_dns(monkeypatch, {"pinned.test": ["127.0.0.1"]})
    url = f"https://pinned.test:{tls_server.port}/"
    with pytest.raises(webhook.WebhookError, match=r"TLS failed.*CERTIFICATE_VERIFY_FAILED"):
        webhook.run({"url": url}, make_ctx(LOOPBACK_ALLOWED))
    assert tls_server.requests == []


def test_https_refuses_a_certificate_for_another_name(
    tls_server: Server, certificate: Path, monkeypatch: pytest.MonkeyPatch, make_ctx
) -> None:
    monkeypatch.setattr(
        webhook, "tls_context", lambda: ssl.create_default_context(cafile=certificate)
    )
    with pytest.raises(webhook.WebhookError, match=r"TLS failed"):
        webhook.run({"url": tls_server.url}, make_ctx(LOOPBACK_ALLOWED))


# time -----------------------------------------------------------------------------------


def test_request_timeout_is_milliseconds_and_a_plain_failure(server: Server, make_ctx) -> None:
    """``timeout`` is in milliseconds, as the seed documents (``"timeout": 30000``): 200
    gives up on the request itself, long before the job's own 30 s deadline (read as
    seconds, it would wait for that deadline and end as a job timeout instead)."""
    ctx = make_ctx(LOOPBACK_ALLOWED, seconds=30)
    with pytest.raises(webhook.WebhookError, match=r"200 ms"):
        webhook.run({"url": server.url + "/slow", "timeout": 200}, ctx)


def test_the_jobs_deadline_raises_handler_timeout(server: Server, make_ctx) -> None:
    started = time.monotonic()
    with pytest.raises(HandlerTimeout):
        webhook.run({"url": server.url + "/slow"}, make_ctx(LOOPBACK_ALLOWED, seconds=0.2))
    assert time.monotonic() - started < 2


def test_cancel_stops_a_waiting_request(server: Server, make_ctx, background) -> None:
    ctx = make_ctx(LOOPBACK_ALLOWED)
    call = background(lambda: webhook.run({"url": server.url + "/slow"}, ctx))
    assert server.arrived.wait(5)
    started = time.monotonic()
    ctx.cancelled.set()
    assert call.join(2)
    assert isinstance(call.error, HandlerCancelled)
    assert time.monotonic() - started < 1


# validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field", "problem"),
    [
        ({}, "payload.url", "is required"),
        ({"url": 5}, "payload.url", "must be a string"),
        ({"url": "ftp://example.com/"}, "payload.url", "must be an http:// or https:// URL"),
        ({"url": "example.com/hook"}, "payload.url", "must be an http:// or https:// URL"),
        ({"url": "http:///path"}, "payload.url", "must name a host"),
        ({"url": "http://example.com:99999/"}, "payload.url", "is not a valid URL"),
        ({"url": "http://a b.com/"}, "payload.url", "must not contain spaces"),
        ({"url": "http://u:p@example.com/"}, "payload.url", "must not contain credentials"),
        ({"url": "http://example.com/" + "a" * 3000}, "payload.url", "at most"),
        ({"url": "https://example.com", "method": "TRACE"}, "payload.method", "must be one of"),
        ({"url": "https://example.com", "method": 1}, "payload.method", "must be one of"),
        ({"url": "https://example.com", "headers": ["a"]}, "payload.headers", "object"),
        ({"url": "https://example.com", "headers": {"A": 1}}, "payload.headers", "string"),
        (
            {"url": "https://example.com", "headers": {"Bad Name": "x"}},
            "payload.headers.Bad Name",
            "valid",
        ),
        (
            {"url": "https://example.com", "headers": {"X": "a\r\nEvil: 1"}},
            "payload.headers.X",
            "line breaks",
        ),
        (
            {"url": "https://example.com", "headers": {"Content-Length": "1"}},
            "payload.headers.Content-Length",
            "automatically",
        ),
        ({"url": "https://example.com", "timeout": 0}, "payload.timeout", "greater than 0"),
        ({"url": "https://example.com", "timeout": -1}, "payload.timeout", "greater than 0"),
        ({"url": "https://example.com", "timeout": "10"}, "payload.timeout", "greater than 0"),
        ({"url": "https://example.com", "timeout": True}, "payload.timeout", "greater than 0"),
        ({"url": "https://example.com", "timeout": 1e9}, "payload.timeout", "at most"),
        ({"url": "https://example.com", "timeout": 86_400_001}, "payload.timeout", "at most"),
        (
            {"url": "https://example.com", "headers": {"X-Big": "v" * 9000}},
            "payload.headers.X-Big",
            "at most",
        ),
        (
            {"url": "https://example.com", "headers": {"X" * 300: "v"}},
            "payload.headers." + "X" * 300,
            "at most",
        ),
        ({"url": "https://example.com", "timout": 5}, "payload.timout", "unknown field"),
    ],
)
def test_validation(payload: dict[str, Any], field: str, problem: str) -> None:
    problems = webhook.validate(payload, HandlerSettings())
    assert set(problems) == {field}
    assert problem in problems[field]


def test_a_full_payload_is_valid() -> None:
    payload = {
        "url": "https://hooks.example.com/a?b=c",
        "method": "PATCH",
        "headers": {"Authorization": "Bearer x"},
        "body": [1, {"two": None}],
        "timeout": 2500,
    }
    assert webhook.validate(payload, HandlerSettings()) == {}


def test_a_request_without_a_timeout_gives_up_after_10_seconds(
    monkeypatch: pytest.MonkeyPatch, make_ctx
) -> None:
    """README: ``timeout`` defaults to 10000 ms (at most the job's own time left). The
    wait each connection is given, observed without waiting for it."""
    waits: list[float] = []

    def refused(addresses: object, port: int, timeout: float) -> None:
        waits.append(timeout)
        raise ConnectionRefusedError("refused")

    monkeypatch.setattr(webhook, "_connect", refused)
    for seconds in (60, 5):
        with pytest.raises(webhook.WebhookError, match="refused"):
            webhook.run({"url": "http://127.0.0.1:9/"}, make_ctx(LOOPBACK_ALLOWED, seconds=seconds))
    assert waits[0] == 10.0
    assert 0 < waits[1] <= 5  # the job's 5 s left cap it
