"""The API port's pass-through: a request reaches the API Gateway stage as it was sent, and
the answer comes back as it was given."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import infra.local.passthrough as passthrough_module
from infra.local.passthrough import PassThrough, stage_url
from infra.local.ports import LOOPBACK, free_port
from tests.integration.helpers import wait_for


class _Stage(BaseHTTPRequestHandler):
    """Stands in for LocalStack's stage: echoes what it received."""

    protocol_version = "HTTP/1.1"
    close_next = False
    """Drop the next kept-alive connection before answering (an idle timeout's close)."""

    def _echo(self) -> None:
        if _Stage.close_next and self.raw_requestline and self._reused:
            _Stage.close_next = False
            self.close_connection = True
            return
        self._reused = True
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = {
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "body": body.decode(),
        }
        data = json.dumps(seen).encode()
        self.send_response(418)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Stage", "yes")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_TRACE = do_OPTIONS = _echo
    _reused = False

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def passthrough(request: pytest.FixtureRequest) -> Iterator[PassThrough]:
    upstream = ThreadingHTTPServer((LOOPBACK, 0), _Stage)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    cap = getattr(request, "param", passthrough_module.MAX_CONNECTIONS)
    proxy = PassThrough(
        stage_url(f"http://{LOOPBACK}:{upstream.server_port}", "abc", "api"),
        free_port(),
        max_connections=cap,
    )
    proxy.start()
    yield proxy
    proxy.stop()
    upstream.shutdown()
    upstream.server_close()


def _call(proxy: PassThrough, method: str, path: str, body: bytes | None = None, **headers: str):
    conn = http.client.HTTPConnection(LOOPBACK, proxy.port, timeout=10)
    conn.request(method, path, body, headers)
    reply = conn.getresponse()
    return reply.status, dict(reply.getheaders()), reply.read()


def test_requests_reach_the_stage_unchanged_and_answers_come_back(passthrough) -> None:
    status, headers, body = _call(
        passthrough, "POST", "/api/v1/jobs?limit=2", b'{"name": "x"}', Authorization="Bearer k"
    )
    assert status == 418 and headers["X-Stage"] == "yes"
    assert json.loads(body) == {
        "method": "POST",
        "path": "/_aws/execute-api/abc/api/api/v1/jobs?limit=2",
        "authorization": "Bearer k",
        "body": '{"name": "x"}',
    }


def test_every_method_is_passed_on_for_the_gateway_to_judge(passthrough) -> None:
    status, _, body = _call(passthrough, "TRACE", "/api/v1/health")
    assert status == 418 and json.loads(body)["method"] == "TRACE"


def test_a_multipart_request_gets_the_apis_415(passthrough) -> None:
    status, headers, body = _call(
        passthrough, "POST", "/api/v1/jobs", b"{}", **{"Content-Type": "multipart/form-data"}
    )
    assert status == 415
    assert json.loads(body)["error"]["code"] == "unsupported_media_type"
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_an_unreachable_stage_is_a_502_not_a_hang() -> None:
    proxy = PassThrough(stage_url(f"http://{LOOPBACK}:{free_port()}", "abc", "api"), free_port())
    proxy.start()
    try:
        status, _, _ = _call(proxy, "GET", "/api/v1/health")
    finally:
        proxy.stop()
    assert status == 502


def test_a_request_over_localstacks_size_limit_gets_a_414_in_the_apis_shape(passthrough) -> None:
    status, _, body = _call(passthrough, "GET", "/api/v1/audit?action=" + "x" * 65_100)
    assert status == 414
    assert json.loads(body)["error"]["code"] == "request_too_long"
    status, _, _ = _call(passthrough, "GET", "/api/v1/audit?action=" + "x" * 60_000)
    assert status == 418  # under the limit: passed on


def _raw(proxy: PassThrough, request: bytes) -> tuple[int, dict]:
    import socket

    with socket.create_connection((LOOPBACK, proxy.port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize("length", [b":", b"-1", b"1e3", b"\xff", "²".encode("latin-1")])
def test_a_content_length_that_is_not_a_number_is_a_400_in_the_api_shape(
    passthrough: PassThrough, length: bytes
) -> None:
    status, body = _raw(
        passthrough, b"GET /api/v1/handlers HTTP/1.1\r\nContent-Length: " + length + b"\r\n\r\n"
    )
    assert status == 400
    assert body["error"]["code"] == "bad_request" and "Content-Length" in body["error"]["message"]


def test_a_body_shorter_than_announced_is_a_400_not_a_hung_connection() -> None:
    proxy = PassThrough(
        stage_url("http://127.0.0.1:1", "abc", "api"), free_port(), body_timeout_s=0.2
    )
    proxy.start()
    try:
        status, body = _raw(proxy, b"GET /api/v1/handlers HTTP/1.1\r\nContent-Length: 1\r\n\r\n")
    finally:
        proxy.stop()
    assert status == 400 and "shorter" in body["error"]["message"]


class _RecordingSocket(socket.socket):
    """An accepted socket that keeps what the pass-through sends on it, one entry a call."""

    sends: list[bytes]

    def send(self, data, *args):  # type: ignore[no-untyped-def]  # the buffered file's path
        self.sends.append(bytes(data))
        return super().send(data, *args)

    def sendall(self, data, *args):  # type: ignore[no-untyped-def]
        self.sends.append(bytes(data))
        return super().sendall(data, *args)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[_RecordingSocket]:
    """Every client socket the pass-through accepts, recording its sends."""
    accepted: list[_RecordingSocket] = []
    accept = passthrough_module._Server.get_request

    def get_request(server):  # type: ignore[no-untyped-def]
        sock, address = accept(server)
        wrapped = _RecordingSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
        wrapped.sends = []
        accepted.append(wrapped)
        return wrapped, address

    monkeypatch.setattr(passthrough_module._Server, "get_request", get_request)
    return accepted


def test_a_keep_alive_client_gets_each_answer_in_one_send_without_nagle(
    recorded: list[_RecordingSocket], passthrough: PassThrough
) -> None:
    # Headers in one send and the body in a second, with Nagle's algorithm on, made every
    # request on a kept-alive connection wait for the client's delayed ACK (~40 ms).
    conn = http.client.HTTPConnection(LOOPBACK, passthrough.port, timeout=10)
    bodies = []
    for n in range(3):
        conn.request("POST", "/api/v1/jobs", json.dumps({"n": n}).encode())
        reply = conn.getresponse()
        bodies.append(reply.read())
    (sock,) = recorded
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    conn.close()
    assert len(sock.sends) == 3
    for sent, body in zip(sock.sends, bodies, strict=True):
        assert sent.startswith(b"HTTP/1.1 418 ") and sent.endswith(b"\r\n\r\n" + body)


def test_the_connection_to_localstack_is_kept_alive_without_nagle(
    monkeypatch: pytest.MonkeyPatch, passthrough: PassThrough
) -> None:
    opened: list[socket.socket] = []
    connect = http.client.HTTPConnection.connect

    def recording_connect(self: http.client.HTTPConnection) -> None:
        connect(self)
        opened.append(self.sock)

    monkeypatch.setattr(http.client.HTTPConnection, "connect", recording_connect)
    conn = http.client.HTTPConnection(LOOPBACK, passthrough.port, timeout=10)
    for _ in range(3):
        conn.request("GET", "/api/v1/health")
        assert conn.getresponse().read()
    ours = [s for s in opened if s.getpeername()[1] != passthrough.port]
    assert len(ours) == 1  # one upstream connection for the client's three requests
    assert ours[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    conn.close()


def test_a_request_on_an_upstream_connection_localstack_closed_is_sent_again(
    passthrough: PassThrough,
) -> None:
    conn = http.client.HTTPConnection(LOOPBACK, passthrough.port, timeout=10)
    conn.request("GET", "/api/v1/health")
    assert conn.getresponse().read()
    _Stage.close_next = True  # the stage drops its idle connection, as a timeout would
    try:
        conn.request("POST", "/api/v1/jobs", b'{"n": 2}')
        reply = conn.getresponse()
        assert reply.status == 418 and json.loads(reply.read())["body"] == '{"n": 2}'
    finally:
        _Stage.close_next = False
        conn.close()


@pytest.mark.parametrize("passthrough", [2], indirect=True)
def test_a_connection_past_the_cap_gets_a_503_and_a_freed_slot_serves_again(
    passthrough: PassThrough,
) -> None:
    """Two idle connections hold the two slots: a third is answered 503 in the API's
    shape and closed at once, without a thread; once one of the two closes, requests
    are served again."""
    held = [socket.create_connection((LOOPBACK, passthrough.port), timeout=10) for _ in range(2)]
    try:
        with socket.create_connection((LOOPBACK, passthrough.port), timeout=10) as third:
            reply = b""
            while chunk := third.recv(65536):  # answered and closed unasked
                reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.split()[1] == b"503" and b"Retry-After: 1" in head
        assert json.loads(body)["error"]["code"] == "service_unavailable"
        held[0].close()
        wait_for(lambda: _call(passthrough, "GET", "/api/v1/health")[0] == 418, what="a slot")
    finally:
        for sock in held:
            sock.close()
