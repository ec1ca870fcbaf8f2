"""The API at its usual address (``http://127.0.0.1:PORT/api/v1``), passed through to the
stage that CloudFormation deployed in LocalStack's API Gateway.

Nothing is interpreted here: method, path, query, headers and body go to
``<gateway>/_aws/execute-api/<api id>/<stage><path>`` (LocalStack's path form of
``https://<api id>.execute-api.<region>.amazonaws.com/<stage>``) and the answer comes back
as it is. Routing, CORS preflight, gateway errors and the Lambda are LocalStack's and the
template's. One thread per client connection: LocalStack runs concurrent requests in as many
Lambda environments.

Both sockets run without Nagle's algorithm and every answer leaves in one write: a client
that keeps its connection alive used to wait ~40 ms per request (headers went out in one
send, the body in a second that Nagle held until the client's delayed ACK of the first).
Each client connection keeps its own connection to LocalStack alive for the same reason
it keeps ours: no TCP handshake per request.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from infra.local.errors import LocalCloudError
from infra.local.ports import LOOPBACK

log = logging.getLogger("infra.local.passthrough")

# Connection-level headers are per hop (RFC 9110 7.6.1); Host names the gateway, not us.
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade", "host", "content-length",
}  # fmt: skip
OWN_HEADERS = {"server", "date"}  # send_response() writes ours
UPSTREAM_TIMEOUT_S = 60.0  # above API Gateway's own 29 s integration timeout
BODY_TIMEOUT_S = 5.0
"""How long a client may take to send the body it announced (a Content-Length larger
than what comes would otherwise hold a thread and the client's connection forever)."""
WRITE_BUFFER_BYTES = 256 * 1024
"""Status line, headers and body are buffered and sent together (one send for any answer
up to this size); ``handle_one_request`` flushes after each request."""
# What a reused connection to LocalStack raises when LocalStack had closed it while idle
# (it answers nothing then): the request is sent once more on a fresh connection, as
# HTTP clients do with pooled connections. A fresh connection's failure is a 502.
STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


MAX_CONNECTIONS = 256
"""Client connections served at once, each with its thread and its connection to
LocalStack. One more is answered 503 and closed: a client that opens connections without
end (a leak, a runaway script) cannot take threads and LocalStack's sockets from the
others. Idle ones close after ``BODY_TIMEOUT_S``, so slots come back."""


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: thirty clients connecting at once (a
    # load test, a dashboard and its polls) would overflow it, and a connection the
    # kernel dropped fails at the client instead of waiting its turn.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: Any, max_connections: int) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        self._busy = _busy_reply(max_connections)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread for the connection if a slot is free; else a 503 and the close,
        written from the accepting thread (never waiting: the reply is small, the socket
        new, and a client that reads nothing only loses its own answer)."""
        if not self._slots.acquire(blocking=False):
            try:
                request.setblocking(False)
                request.send(self._busy)
                # What the client sent already is read and dropped: closed with unread
                # bytes, the socket would reset and the client might not see the 503.
                request.recv(MAX_REQUEST_BYTES)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _busy_reply(max_connections: int) -> bytes:
    """The whole answer to a connection over the cap, in the API's error shape."""
    message = f"the local API serves {max_connections} connections at once; retry"
    body = json.dumps({"error": {"code": "service_unavailable", "message": message}}).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Access-Control-Allow-Origin: *\r\nRetry-After: 1\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _bad_request(message: str) -> dict[str, Any]:
    return {"error": {"code": "bad_request", "message": message}}


# LocalStack's gateway cannot pass a multipart/form-data body through as API Gateway does:
# its web server answers a malformed one with a bare 400, and its API Gateway re-encodes a
# well-formed one and fails (500) on one without a boundary. The API takes JSON only and
# answers any multipart request with this (Chalice's 415, in the API's error shape), so
# the pass-through gives that answer itself rather than forward what LocalStack mangles.
UNSUPPORTED_MULTIPART = {
    "error": {
        "code": "unsupported_media_type",
        "message": "Unsupported media type: multipart/form-data",
    }
}


# LocalStack's web server takes request heads up to 64 KB (jobsched_gateway_limits raises
# Twisted's 16 KB); past that it would answer a bare 400 or drop the connection, so the
# front door answers 414 itself, in the API's error shape. (API Gateway's own limit,
# 10,240 bytes, is not emulated: the API answers what it can.)
MAX_REQUEST_BYTES = 65_000
TOO_LONG = {
    "error": {
        "code": "request_too_long",
        "message": f"request line and headers exceed {MAX_REQUEST_BYTES} bytes",
    }
}


def _is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "multipart/form-data"


def stage_url(endpoint_url: str, api_id: str, stage: str) -> str:
    return f"{endpoint_url.rstrip('/')}/_aws/execute-api/{api_id}/{stage}"


class PassThrough:
    def __init__(
        self,
        upstream: str,
        port: int,
        host: str = LOOPBACK,
        body_timeout_s: float = BODY_TIMEOUT_S,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.host, self.port = host, port
        self.body_timeout_s = body_timeout_s
        self.max_connections = max_connections
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        upstream = self.upstream

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = self.body_timeout_s  # per socket read, so a short body cannot hang
            disable_nagle_algorithm = True  # TCP_NODELAY on the client's socket
            wbufsize = WRITE_BUFFER_BYTES  # headers and body in one send
            _upstream: http.client.HTTPConnection | None = None

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    if self._upstream is not None:
                        self._upstream.close()

            def _exchange(
                self, body: bytes | None, headers: dict[str, str]
            ) -> tuple[http.client.HTTPResponse, bytes]:
                """The request sent to LocalStack on this client's upstream connection
                (opened on first use; http.client sets TCP_NODELAY on it), its answer read."""
                reused = self._upstream is not None and self._upstream.sock is not None
                if self._upstream is None:
                    self._upstream = http.client.HTTPConnection(
                        upstream.hostname, upstream.port, timeout=UPSTREAM_TIMEOUT_S
                    )
                conn = self._upstream
                try:
                    conn.request(self.command, upstream.path + self.path, body, headers)
                    reply = conn.getresponse()
                except STALE_CONNECTION:
                    conn.close()
                    if not reused:
                        raise
                    conn.request(self.command, upstream.path + self.path, body, headers)
                    reply = conn.getresponse()
                return reply, reply.read()

            def _read_body(self) -> bytes | None:
                """The body the request announced; ``ValueError`` names what is wrong."""
                raw = (self.headers.get("Content-Length") or "0").strip()
                if not (raw.isascii() and raw.isdigit()):
                    raise ValueError(f"Content-Length must be a number of bytes, got {raw!r}")
                length = int(raw)
                try:
                    body = self.rfile.read(length) if length else None
                except TimeoutError:
                    body = None
                if length and (body is None or len(body) < length):
                    raise ValueError(f"the body is shorter than its Content-Length ({length})")
                return body

            def _forward(self) -> None:
                try:
                    body = self._read_body()
                except ValueError as exc:
                    # What API Gateway answers a malformed request with, in the API's shape;
                    # the connection cannot be trusted for another request.
                    self.close_connection = True
                    self._answer(400, _bad_request(str(exc)))
                    return
                if _is_multipart(self.headers.get("Content-Type")) and self.command != "OPTIONS":
                    self._answer(415, UNSUPPORTED_MULTIPART)
                    return
                size = len(self.requestline) + sum(len(v) for v in self.headers.values())
                if size > MAX_REQUEST_BYTES:
                    self._answer(414, TOO_LONG)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                try:
                    reply, data = self._exchange(body, headers)
                except (OSError, http.client.HTTPException) as exc:
                    if self._upstream is not None:
                        self._upstream.close()
                    log.warning(
                        "%s %s: LocalStack did not answer (%s)", self.command, self.path, exc
                    )
                    self.send_error(502, "LocalStack's API Gateway did not answer")
                    return
                self.send_response(reply.status, reply.reason)
                for name, value in reply.getheaders():
                    if name.lower() not in HOP_BY_HOP | OWN_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def __getattr__(self, name: str) -> Any:
                # Every method, TRACE and made-up ones included: API Gateway decides.
                if name.startswith("do_"):
                    return self._forward
                raise AttributeError(name)

            def log_message(self, format: str, *args: object) -> None:
                log.debug(format, *args)

        try:
            server = _Server((self.host, self.port), Handler, self.max_connections)
        except OSError as exc:
            raise LocalCloudError(
                f"cannot listen on {self.host}:{self.port} ({exc}); set PORT"
            ) from exc
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="api-passthrough")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
