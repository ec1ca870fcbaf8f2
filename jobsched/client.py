"""A small typed client for the REST API, for applications and the CLI.

    from jobsched.client import Client
    api = Client("http://127.0.0.1:3001/api/v1", api_key="...")
    job = api.create_job(name="report", handler="test.echo", schedule="0 6 * * *")
    api.trigger(job["id"], payload={"day": "monday"})

Errors come back as ``ApiError`` with the HTTP status and the API's error body
(``code``, ``message``, ``fields``). Standard library only.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

DEFAULT_API_URL = "http://127.0.0.1:3001/api/v1"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


class ApiUnreachable(Exception):
    """The API did not answer (not running, wrong URL)."""


class Client:
    def __init__(
        self, base_url: str | None = None, api_key: str | None = None, timeout: float = 30
    ) -> None:
        self.base_url = (base_url or os.environ.get("JOBSCHED_API_URL") or DEFAULT_API_URL).rstrip(
            "/"
        )
        keys = os.environ.get("API_KEYS", "").split(",")
        self.api_key = api_key or os.environ.get("JOBSCHED_API_KEY") or keys[0].strip() or None
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        raw = self._send(
            method, path, body, query, {"Accept": "application/json", **(headers or {})}
        )
        return json.loads(raw) if raw else None

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        query: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> bytes:
        url = self.base_url + path
        if query:
            clean = {k: v for k, v in query.items() if v is not None}
            if clean:
                url += "?" + urllib.parse.urlencode(clean)
        data = None if body is None else json.dumps(body).encode()
        headers = dict(headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                err = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                err = {"code": "http_error", "message": raw.decode(errors="replace")[:500]}
            raise ApiError(
                exc.code, err.get("code", "error"), err.get("message", ""), err.get("fields")
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise ApiUnreachable(f"cannot reach {self.base_url}: {exc}") from None

    # jobs
    def create_job(self, **fields: Any) -> dict[str, Any]:
        return self.request("POST", "/jobs", fields)

    def list_jobs(self, **filters: Any) -> dict[str, Any]:
        return self.request("GET", "/jobs", query=filters)

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self.request("GET", f"/jobs/{job_id}")

    def update_job(self, job_id: str, **fields: Any) -> dict[str, Any]:
        return self.request("PUT", f"/jobs/{job_id}", fields)

    def delete_job(self, job_id: str) -> None:
        self.request("DELETE", f"/jobs/{job_id}")

    def pause(self, job_id: str) -> dict[str, Any]:
        return self.request("POST", f"/jobs/{job_id}/pause")

    def resume(self, job_id: str) -> dict[str, Any]:
        return self.request("POST", f"/jobs/{job_id}/resume")

    def trigger(
        self,
        job_id: str,
        payload: dict[str, Any] | None = None,
        priority: int | None = None,
        *,
        run_at: str | None = None,
        delay_ms: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Run now, or later (``run_at`` ISO time, or ``delay_ms``); with an
        ``idempotency_key`` a repeated call answers with the first call's run."""
        given = {"payload": payload, "priority": priority, "run_at": run_at, "delay_ms": delay_ms}
        body = {k: v for k, v in given.items() if v is not None}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.request("POST", f"/jobs/{job_id}/trigger", body, headers=headers)

    def next_runs(self, job_id: str, count: int = 10) -> dict[str, Any]:
        return self.request("GET", f"/jobs/{job_id}/next-runs", query={"count": count})

    def preview_schedule(self, schedule: str, **options: Any) -> dict[str, Any]:
        """The next runs of an unsaved schedule (``timezone``, ``dst_gap``, ``count``...)."""
        return self.request("POST", "/schedules/preview", {"schedule": schedule, **options})

    def backfill(self, job_id: str, start: str, end: str) -> dict[str, Any]:
        return self.request("POST", f"/jobs/{job_id}/backfill", {"start": start, "end": end})

    def occurrences(self, job_id: str, **query: Any) -> dict[str, Any]:
        """The occurrence ledger (``since``, ``until``, ``limit``)."""
        return self.request("GET", f"/jobs/{job_id}/occurrences", query=query)

    def trigger_many(self, job_id: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
        return self.request("POST", f"/jobs/{job_id}/trigger", {"runs": runs})

    # executions
    def list_executions(self, job_id: str | None = None, **filters: Any) -> dict[str, Any]:
        path = f"/jobs/{job_id}/executions" if job_id else "/executions"
        return self.request("GET", path, query=filters)

    def get_execution(self, execution_id: str) -> dict[str, Any]:
        return self.request("GET", f"/executions/{execution_id}")

    def cancel(self, execution_id: str) -> dict[str, Any]:
        return self.request("POST", f"/executions/{execution_id}/cancel")

    def retry(self, execution_id: str) -> dict[str, Any]:
        return self.request("POST", f"/executions/{execution_id}/retry")

    # dead letter
    def dead_letter(self, **paging: Any) -> dict[str, Any]:
        return self.request("GET", "/dead-letter", query=paging)

    def get_dead_letter(self, entry_id: str) -> dict[str, Any]:
        return self.request("GET", f"/dead-letter/{entry_id}")

    def redrive(self, entry_id: str) -> dict[str, Any]:
        return self.request("POST", f"/dead-letter/{entry_id}/redrive")

    def delete_dead_letter(self, entry_id: str) -> None:
        self.request("DELETE", f"/dead-letter/{entry_id}")

    # audit log
    def audit(self, **filters: Any) -> dict[str, Any]:
        """Changes made through the API, newest first. Filters: action, target_type,
        target_id, key_id, since, until (ISO times), limit, cursor."""
        return self.request("GET", "/audit", query=filters)

    # API keys
    def create_key(
        self, name: str, scope: str, rate_limit_per_minute: int | None = None
    ) -> dict[str, Any]:
        """A new key; the answer's ``key`` is the only time the key is shown."""
        body: dict[str, Any] = {"name": name, "scope": scope}
        if rate_limit_per_minute is not None:
            body["rate_limit_per_minute"] = rate_limit_per_minute
        return self.request("POST", "/keys", body)

    def list_keys(self) -> dict[str, Any]:
        return self.request("GET", "/keys")

    def revoke_key(self, key_id: str) -> None:
        self.request("DELETE", f"/keys/{urllib.parse.quote(key_id, safe='')}")

    def me(self) -> dict[str, Any]:
        """The key this client calls with: id, name, scope, rate limit."""
        return self.request("GET", "/keys/me")

    # business calendars (issue 25)
    def create_calendar(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "/calendars", body)

    def list_calendars(self, **query: Any) -> dict[str, Any]:
        """query: limit, cursor (by name)."""
        return self.request("GET", "/calendars", query=query)

    def get_calendar(self, name: str) -> dict[str, Any]:
        return self.request("GET", f"/calendars/{urllib.parse.quote(name, safe='')}")

    def calendar_days(self, name: str, since: str, until: str) -> dict[str, Any]:
        """Each day from ``since`` to ``until`` (YYYY-MM-DD, included): business or not."""
        path = f"/calendars/{urllib.parse.quote(name, safe='')}/days"
        return self.request("GET", path, query={"since": since, "until": until})

    def update_calendar(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("PUT", f"/calendars/{urllib.parse.quote(name, safe='')}", body)

    def delete_calendar(self, name: str) -> None:
        self.request("DELETE", f"/calendars/{urllib.parse.quote(name, safe='')}")

    def flow(self, job_id: str) -> dict[str, Any]:
        """The job's flow-control keys: running and waiting runs, what holds them."""
        return self.request("GET", "/flow", query={"job_id": job_id})

    def explain(self, job_id: str, at: str) -> dict[str, Any]:
        """What became of the job's occurrence at ``at`` (an ISO time), and why."""
        return self.request("GET", f"/jobs/{job_id}/explain", query={"at": at})

    # system
    def health(self) -> dict[str, Any]:
        return self.request("GET", "/health")

    def metrics(self) -> dict[str, Any]:
        return self.request("GET", "/metrics")

    def metrics_text(self) -> str:
        """The metrics in the Prometheus text format (``/metrics/prometheus``)."""
        raw = self._send("GET", "/metrics/prometheus", None, None, {"Accept": "text/plain"})
        return raw.decode()

    def execution_metrics(self, **window: Any) -> dict[str, Any]:
        """Runs finished per time bucket: ``window_s``, ``bucket_s``."""
        return self.request("GET", "/metrics/executions", query=window)

    def openapi(self) -> dict[str, Any]:
        return self.request("GET", "/openapi.json")

    def workers(self) -> dict[str, Any]:
        return self.request("GET", "/workers")

    def handlers(self) -> dict[str, Any]:
        """The handler catalog, with the live workers serving each handler."""
        return self.request("GET", "/handlers")

    # workflows
    def create_workflow(self, definition: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "/workflows", definition)

    def list_workflows(self, **filters: Any) -> dict[str, Any]:
        return self.request("GET", "/workflows", query=filters)

    def get_workflow(self, workflow_id: str) -> dict[str, Any]:
        return self.request("GET", f"/workflows/{workflow_id}")

    def update_workflow(self, workflow_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return self.request("PUT", f"/workflows/{workflow_id}", fields)

    def delete_workflow(self, workflow_id: str) -> None:
        self.request("DELETE", f"/workflows/{workflow_id}")

    def trigger_workflow(
        self,
        workflow_id: str,
        run_input: Any = None,
        run_at: str | None = None,
        delay_ms: int | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        given = {"input": run_input, "run_at": run_at, "delay_ms": delay_ms}
        body = {k: v for k, v in given.items() if v is not None}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.request("POST", f"/workflows/{workflow_id}/trigger", body, headers=headers)

    def pause_workflow(self, workflow_id: str) -> dict[str, Any]:
        return self.request("POST", f"/workflows/{workflow_id}/pause")

    def resume_workflow(self, workflow_id: str) -> dict[str, Any]:
        return self.request("POST", f"/workflows/{workflow_id}/resume")

    def backfill_workflow(self, workflow_id: str, start: str, end: str) -> dict[str, Any]:
        body = {"start": start, "end": end}
        return self.request("POST", f"/workflows/{workflow_id}/backfill", body)

    def workflow_occurrences(self, workflow_id: str, **query: Any) -> dict[str, Any]:
        return self.request("GET", f"/workflows/{workflow_id}/occurrences", query=query)

    def workflow_runs(self, workflow_id: str, **filters: Any) -> dict[str, Any]:
        return self.request("GET", f"/workflows/{workflow_id}/runs", query=filters)

    def get_workflow_run(self, run_id: str) -> dict[str, Any]:
        return self.request("GET", f"/workflow-runs/{run_id}")

    def cancel_workflow_run(self, run_id: str) -> dict[str, Any]:
        return self.request("POST", f"/workflow-runs/{run_id}/cancel")

    def retry_workflow_run(self, run_id: str) -> dict[str, Any]:
        return self.request("POST", f"/workflow-runs/{run_id}/retry")

    def find_workflow(self, name_or_id: str) -> dict[str, Any] | None:
        """A workflow by id, or by exact name; None: there is none."""
        try:
            return self.get_workflow(name_or_id)
        except ApiError as exc:
            if exc.status != 404:
                raise
        for wf in self.list_workflows(name=name_or_id, limit=200)["items"]:
            if wf["name"] == name_or_id:
                return wf
        return None

    def find_job(self, name_or_id: str) -> dict[str, Any]:
        """A job by id, or by exact name."""
        try:
            return self.get_job(name_or_id)
        except ApiError as exc:
            if exc.status != 404:
                raise
        for job in self.list_jobs(name=name_or_id, limit=200)["items"]:
            if job["name"] == name_or_id:
                return job
        raise ApiError(404, "not_found", f"no job with id or name {name_or_id!r}", None)
