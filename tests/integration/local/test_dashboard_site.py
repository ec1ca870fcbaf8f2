"""The dashboard's stable address: a read-only front for the bucket at DASHBOARD_PORT
(3000 by default) that serves what S3 serves, and a port already in use stops the
stack at once with a message naming the setting."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from infra.local.dashboard_site import DashboardSite
from infra.local.errors import LocalCloudError
from infra.local.ports import LOOPBACK, free_port
from infra.local.settings import LocalStackSettings
from infra.local.stack import LocalStack
from jobsched.settings import Settings

FILES = {"/bucket-1/index.html": b"<html>dashboard</html>", "/bucket-1/app.js": b"// app"}


@pytest.fixture
def s3() -> Iterator[str]:
    """A stand-in for LocalStack's S3 path-style GET."""

    class Bucket(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = FILES.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html" if body else "application/xml")
            self.end_headers()
            self.wfile.write(body or b"<Error><Code>NoSuchKey</Code></Error>")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer((LOOPBACK, 0), Bucket)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://{LOOPBACK}:{server.server_address[1]}/bucket-1"
    server.shutdown()
    server.server_close()


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_bucket_is_served_read_only_at_the_port(s3: str) -> None:
    port = free_port()
    site = DashboardSite(s3, port)
    site.start()
    try:
        assert site.url == f"http://127.0.0.1:{port}/index.html"
        assert _get(site.url) == (200, b"<html>dashboard</html>")
        assert _get(f"http://127.0.0.1:{port}/") == (200, b"<html>dashboard</html>")
        assert _get(f"http://127.0.0.1:{port}/app.js") == (200, b"// app")
        assert _get(f"http://127.0.0.1:{port}/missing.js")[0] == 404
        assert _get(f"http://127.0.0.1:{port}/index.html", "PUT")[0] == 501
    finally:
        site.stop()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_busy_port_names_the_setting(s3: str, busy_port: int) -> None:
    with pytest.raises(LocalCloudError, match=f"port {busy_port} .*DASHBOARD_PORT"):
        DashboardSite(s3, busy_port).start()


def test_the_stack_stops_at_once_when_the_dashboard_port_is_busy(
    tmp_path: Path, busy_port: int
) -> None:
    stack = LocalStack(
        Settings(), tmp_path, workers=0, local=LocalStackSettings(dashboard_port=busy_port)
    )
    with pytest.raises(LocalCloudError, match="set DASHBOARD_PORT to a free port"):
        stack.start()
    assert stack.localstack is None, "nothing was started"


def test_the_default_dashboard_port_is_the_seeds() -> None:
    assert LocalStackSettings().dashboard_port == 3000
    assert LocalStackSettings.from_env({"DASHBOARD_PORT": "3100"}).dashboard_port == 3100
