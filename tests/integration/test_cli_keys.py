"""``jobsched keys ...`` against the real API (the Chalice app behind a small HTTP
server, over real Redis and PostgreSQL): create shows the key once, list never
does, revoke refuses the key from then on, and a scope too small is exit code 1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from jobsched.cli import main
from tests.integration import test_api
from tests.integration.test_api import KEY, Api

api = test_api.api  # the in-process API, KEY its bootstrap (admin) key


@pytest.fixture
def api_url(api: Api) -> Iterator[str]:
    """The in-process app served over HTTP, for the CLI's urllib client."""

    class Forward(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            answer = api.client.http.request(self.command, self.path, headers=headers, body=body)
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_DELETE = _forward

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Forward)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    server.shutdown()
    server.server_close()


def jobsched(capsys: pytest.CaptureFixture[str], url: str, key: str, *args: str):
    code = main([*args, "--api-url", url, "--api-key", key])
    out, err = capsys.readouterr()
    return code, out, err


def test_keys_commands(api_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = jobsched(
        capsys,
        api_url,
        KEY,
        "keys",
        "create",
        "ci",
        "--scope",
        "read",
        "--rate-limit",
        "60",
        "--json",
    )
    assert code == 0
    created = json.loads(out)
    assert (created["name"], created["scope"], created["rate_limit_per_minute"]) == (
        "ci",
        "read",
        60,
    )

    code, out, _ = jobsched(capsys, api_url, created["key"], "keys", "me", "--json")
    assert (code, json.loads(out)["id"]) == (0, created["id"])
    code, out, _ = jobsched(capsys, api_url, KEY, "keys", "list")
    assert code == 0 and created["id"] in out and "ci" in out
    assert created["key"] not in out, "a list never shows a key"

    code, _, err = jobsched(capsys, api_url, created["key"], "jobs", "create", "x", "test.echo")
    assert code == 1
    assert "needs the admin scope" in err and "403 forbidden" in err

    code, _, _ = jobsched(capsys, api_url, KEY, "keys", "revoke", created["id"])
    assert code == 0
    code, _, err = jobsched(capsys, api_url, created["key"], "jobs", "list")
    assert code == 1 and "401 unauthorized" in err


def test_a_created_key_is_printed_in_the_table_once(
    api_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = jobsched(capsys, api_url, KEY, "keys", "create", "ops", "--scope", "operate")
    assert code == 0
    assert "KEY" in out.splitlines()[0] and "jsk_" in out
