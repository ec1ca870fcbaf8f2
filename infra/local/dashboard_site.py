"""The dashboard at a stable address: ``http://127.0.0.1:DASHBOARD_PORT/`` (3000 by
default, as the seed had it), whatever port LocalStack's S3 listens on.

A read-only front for the dashboard bucket: GET and HEAD go to
``<s3 endpoint>/<bucket><path>`` and the answer comes back as it is (``/`` is
``/index.html``); any other method is refused, so nothing reaches the bucket's write API
through it.
"""

from __future__ import annotations

import http.client
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from infra.local.errors import LocalCloudError
from infra.local.ports import LOOPBACK, is_listening

log = logging.getLogger("infra.local.dashboard_site")

PASSED_BACK = {"content-type", "content-length", "etag", "last-modified", "cache-control"}
UPSTREAM_TIMEOUT_S = 30.0


def port_taken(port: int, host: str = LOOPBACK) -> LocalCloudError | None:
    """The error to stop with when something already listens on ``port``."""
    if not is_listening(host, port):
        return None
    return LocalCloudError(
        f"the dashboard's port {port} on {host} is in use by another program: stop it, "
        "or set DASHBOARD_PORT to a free port"
    )


class DashboardSite:
    def __init__(self, bucket_url: str, port: int, host: str = LOOPBACK) -> None:
        self.upstream = urlsplit(bucket_url.rstrip("/"))
        self.host, self.port = host, port
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/index.html"

    def start(self) -> None:
        upstream = self.upstream

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = "/index.html" if self.path in ("", "/") else self.path
                conn = http.client.HTTPConnection(
                    upstream.hostname, upstream.port, timeout=UPSTREAM_TIMEOUT_S
                )
                try:
                    conn.request(self.command, upstream.path + path)
                    reply = conn.getresponse()
                    data = reply.read()
                except OSError as exc:
                    log.warning("%s %s: S3 did not answer (%s)", self.command, path, exc)
                    self.send_error(502, "LocalStack's S3 did not answer")
                    return
                finally:
                    conn.close()
                self.send_response(reply.status, reply.reason)
                for name, value in reply.getheaders():
                    if name.lower() in PASSED_BACK - {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_HEAD = do_GET

            def log_message(self, format: str, *args: object) -> None:
                log.debug(format, *args)

        try:
            server = ThreadingHTTPServer((self.host, self.port), Handler)
        except OSError as exc:
            raise port_taken(self.port, self.host) or LocalCloudError(
                f"cannot serve the dashboard on {self.host}:{self.port} ({exc}); set DASHBOARD_PORT"
            ) from exc
        server.daemon_threads = True
        self._server = server
        thread = threading.Thread(target=server.serve_forever, name="dashboard-site")
        thread.daemon = True
        thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
