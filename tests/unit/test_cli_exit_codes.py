"""The CLI's exit codes, the README's table written out (a test comparing them with
jobsched.cli's EXIT_* constants would pass whatever the numbers): the CLI is run
against a fake API on a free loopback port that answers what each row needs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jobsched.cli import main
from jobsched.client import Client

RUN_ID = "01a24e3c-0000-7000-8000-000000000000"


class FakeApi:
    """Answers every request with ``status`` and ``body``."""

    def __init__(self) -> None:
        self.status, self.body = 200, {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                data = json.dumps(api.body).encode()
                self.send_response(api.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v1"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def answer(self, status: int, body: dict) -> None:
        self.status, self.body = status, body


@pytest.fixture
def api() -> Iterator[FakeApi]:
    fake = FakeApi()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def run(api_url: str, *argv: str) -> int:
    return main([*argv, "--api-url", api_url, "--api-key", "k"])


def execution(status: str) -> dict:
    return {
        "id": RUN_ID,
        "job_id": "j",
        "job_name": "nightly",
        "status": status,
        "attempt": 1,
        "worker_id": None,
        "next_attempt_at": None,
        "duration_ms": 5,
        "error": None,
        "waiting": None,
    }


def error(status: int, code: str) -> dict:
    return {"error": {"code": code, "message": f"{status}", "fields": {}}}


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (401, "unauthorized", 1),
        (403, "forbidden", 1),
        (429, "rate_limited", 1),
        (400, "validation_error", 2),
        (404, "not_found", 2),
        (409, "conflict", 2),
        (503, "unavailable", 3),
    ],
)
def test_an_api_error_exits_with_its_documented_code(
    api: FakeApi, status: int, code: str, exit_code: int
) -> None:
    api.answer(status, error(status, code))
    assert run(api.url, "workers") == exit_code


def test_an_api_that_does_not_answer_exits_3(api: FakeApi) -> None:
    api.server.shutdown()
    api.server.server_close()  # nothing listens on its port any more
    assert run(api.url, "workers") == 3


def test_a_done_command_exits_0(api: FakeApi) -> None:
    api.answer(200, {"items": [], "next_cursor": None, "total": 0})
    assert run(api.url, "workers") == 0


@pytest.mark.parametrize(
    ("status", "exit_code"),
    [("SUCCEEDED", 0), ("FAILED", 1), ("CANCELLED", 4), ("SKIPPED", 4)],
)
def test_a_followed_run_exits_with_its_outcome(api: FakeApi, status: str, exit_code: int) -> None:
    api.answer(200, execution(status))
    assert run(api.url, "executions", "watch", RUN_ID) == exit_code


def test_a_followed_run_still_running_at_the_timeout_exits_124(api: FakeApi) -> None:
    api.answer(200, execution("RUNNING"))
    assert run(api.url, "executions", "watch", RUN_ID, "--timeout", "0") == 124


def test_a_follow_interrupted_by_ctrl_c_exits_130(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: Client, execution_id: str) -> dict:
        raise KeyboardInterrupt

    monkeypatch.setattr(Client, "get_execution", interrupted)
    assert run(api.url, "executions", "watch", RUN_ID) == 130
