"""``GET /metrics`` in the Prometheus text format, as a Prometheus server scrapes it:
the text parses with prometheus_client's own parser and carries the figures the
JSON answer has, and the run duration histogram counts finished runs by bucket."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.engine import Engine
from tests.integration.helpers import wait_for
from tests.integration.test_api import AUTH, Api, api, job_body

__all__ = ["api"]  # the in-process API fixture

# What Prometheus 2.x/3.x sends when it scrapes (it prefers OpenMetrics, which we
# do not serve; text/plain is next).
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;q=0.5,"
    "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
)


def _scrape(api: Api, path: str = "/metrics?format=prometheus", **headers: str) -> Any:
    response = api.client.http.request("GET", "/api/v1" + path, headers={**AUTH, **headers})
    assert response.status_code == 200, response.body
    return response


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _finish_runs(api: Api, engine: Engine) -> None:
    """One run that succeeds after 2 s (on the fake clock) and one that fails at once."""
    ok = api.ok("POST", "/jobs", job_body(name="ok"), 201)
    bad = api.ok(
        "POST",
        "/jobs",
        job_body(
            name="bad",
            handler="test.delay",
            max_retries=0,
            payload={"durationMs": 0, "shouldFail": True},
        ),
        201,
    )
    worker = engine.worker("prom-worker")
    api.ok("POST", f"/jobs/{ok['id']}/trigger", None, 202)
    engine.scheduler.run_once(engine.clock.now())
    assert worker.run_once(engine.clock.now()) == 1
    engine.clock.advance(2)
    wait_for(lambda: worker.flush(engine.clock.now()), what="the run recorded")
    api.ok("POST", f"/jobs/{bad['id']}/trigger", None, 202)
    engine.run_until(lambda: api.ok("GET", "/dead-letter")["total"] == 1, worker)
    worker.heartbeat(engine.clock.now())


def test_the_text_format_parses_and_carries_the_json_figures(api: Api, engine: Engine) -> None:
    _finish_runs(api, engine)
    response = _scrape(api)
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = _samples(response.body.decode())
    as_json = api.ok("GET", "/metrics")

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("jobsched_executions", status="SUCCEEDED") == 1
    assert value("jobsched_executions", status="FAILED") == 1
    assert value("jobsched_jobs", status="SCHEDULED") == as_json["jobs"]["by_status"]["SCHEDULED"]
    assert value("jobsched_dead_letter_entries") == 1
    assert value("jobsched_workers") == 1
    assert value("jobsched_leader_present") == 1
    assert value("jobsched_sla_alerts_last_hour", kind="overran") == 0
    assert value("jobsched_in_flight") == 0
    assert value("jobsched_queue_depth", pool="default", state="ready") == 0

    # The successful run took 2 s: in the 2.5 s bucket, not the 1 s one.
    def bucket(status: str, le: str) -> float:
        return value("jobsched_run_duration_seconds_bucket", status=status, le=le)

    assert bucket("SUCCEEDED", "1") == 0
    assert bucket("SUCCEEDED", "2.5") == 1
    assert bucket("SUCCEEDED", "+Inf") == 1
    assert value("jobsched_run_duration_seconds_sum", status="SUCCEEDED") == 2.0
    assert value("jobsched_run_duration_seconds_count", status="FAILED") == 1
    assert bucket("FAILED", "0.005") == 1


def test_the_histogram_keeps_counting_across_the_ticks_fold(api: Api, engine: Engine) -> None:
    _finish_runs(api, engine)
    before = _samples(_scrape(api).body.decode())
    engine.store.partitions.maintain(engine.clock.now())  # folds the deltas into the counters
    after = _samples(_scrape(api).body.decode())
    histogram = {k: v for k, v in after.items() if k[0].startswith("jobsched_run_duration")}
    assert histogram == {k: before[k] for k in histogram}
    assert sum(histogram.values()) > 0


def test_accept_chooses_the_format_and_format_overrides_it(api: Api) -> None:
    text = "text/plain; version=0.0.4; charset=utf-8"
    assert _scrape(api, "/metrics", Accept=PROMETHEUS_ACCEPT).headers["Content-Type"] == text
    assert _scrape(api, "/metrics", Accept="text/plain").headers["Content-Type"] == text
    for accept in ("*/*", "application/json", "application/json, text/plain;q=0.5"):
        response = _scrape(api, "/metrics", Accept=accept)
        assert response.headers["Content-Type"] == "application/json", accept
    response = _scrape(api, "/metrics?format=json", Accept="text/plain")
    assert response.headers["Content-Type"] == "application/json"


def test_the_prometheus_form_is_its_own_operation_whatever_the_accept(
    api: Api, engine: Engine
) -> None:
    """Generated clients decode an operation's answer as its one media type: the text
    has a path of its own, answered as text even to a JSON Accept."""
    text = "text/plain; version=0.0.4; charset=utf-8"
    for accept in ("application/json", "*/*", "text/plain"):
        response = _scrape(api, "/metrics/prometheus", Accept=accept)
        assert response.headers["Content-Type"] == text, accept
    own = _samples(_scrape(api, "/metrics/prometheus").body.decode())
    assert own.keys() == _samples(_scrape(api).body.decode()).keys()


def test_an_unknown_format_is_a_400_naming_it(api: Api) -> None:
    code, body = api.call("GET", "/metrics?format=xml")
    assert code == 400
    assert set(body["error"]["fields"]) == {"format"}


def test_the_grafana_dashboard_uses_only_series_the_api_serves(api: Api, engine: Engine) -> None:
    _finish_runs(api, engine)
    served = {name for name, _ in _samples(_scrape(api).body.decode())}
    dashboard = json.loads((Path(__file__).parents[2] / "docs/grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for e in exprs for name in re.findall(r"\bjobsched_\w+", e)}
    assert used and used <= served, used - served
