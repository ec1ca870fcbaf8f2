"""The benchmark's report pieces, on made-up results: the figures block of
docs/performance.md, the SVG chart, the profile summary. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bench import report
from bench.chart import bar_chart
from bench.stats import percentiles
from bench.throughput import summarise_stacks

THROUGHPUT = {
    "workload": {"runs": 50, "workers": 2, "slots_per_worker": 25, "batch": 500},
    "job_scheduler": {
        "executions_per_s": 900,
        "seconds": 0.1,
        "latency_s": {"p50": 0.01, "p99": 0.02},
        "per_execution": {"redis_commands": 3.0, "postgres_transactions": 0.2},
    },
    "celery": {"executions_per_s": 300, "latency_s": None, "per_execution": {}},
    "rq": {"error": "workers did not start"},
    "ratio_ours_to_best_other": 3.0,
}


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    (tmp_path / "throughput.json").write_text(json.dumps(THROUGHPUT))
    profile = {
        "completed": 50,
        "executions_per_s": 800,
        "profile_of_one_worker": summarise_stacks("main;run (psycopg/cursor.py:1) 3\nmain 1"),
    }
    (tmp_path / "profile.json").write_text(json.dumps(profile))
    return tmp_path


def test_the_figures_block_is_replaced_and_the_rest_kept(results: Path) -> None:
    doc = f"# Title\n\nbefore\n{report.START}\nold figures\n{report.END}\nafter\n"
    rendered = report.render(doc)
    assert "old figures" not in rendered
    assert rendered.startswith("# Title\n\nbefore\n") and rendered.endswith("after\n")
    assert "| Job Scheduler | **900** | 0.1 | — | 0.010 | 0.020 | 3.0 | 0.20 | — |" in rendered
    assert "| RQ | not measured: workers did not start |" in rendered
    assert "**3.0×**" in rendered
    assert "| `run (psycopg/cursor.py:1)` | 75.0% |" in rendered
    assert report.render(rendered) == rendered  # rendering twice changes nothing


def test_a_doc_without_the_block_is_refused(results: Path) -> None:
    with pytest.raises(ValueError, match="bench:figures"):
        report.render("# no markers\n")


def test_the_chart_is_an_svg_with_one_bar_per_measured_system(results: Path) -> None:
    svg = report.chart(THROUGHPUT)
    root = ElementTree.fromstring(svg)
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect")][1:]  # after the background
    assert len(bars) == 2  # RQ failed: no bar
    assert float(bars[0].get("width")) > float(bars[1].get("width"))
    assert "Job Scheduler" in svg and "Celery" in svg


def test_an_empty_chart_still_renders() -> None:
    ElementTree.fromstring(bar_chart("nothing", [], "/s"))


def test_stack_samples_are_split_by_client_library() -> None:
    folded = (
        "main;flush (jobsched/worker.py:1);execute (psycopg/cursor.py:2) 6\n"
        "main;claim (jobsched/queue/redis_queue.py:3);read (redis/connection.py:4) 3\n"
        "main;run (jobsched/worker.py:5) 1\n"
    )
    summary = summarise_stacks(folded)
    assert summary["samples"] == 10
    assert summary["share"] == {"postgresql": 0.6, "redis": 0.3, "python": 0.1}
    assert summary["top_leaf_frames"][0] == {
        "frame": "execute (psycopg/cursor.py:2)",
        "share": 0.6,
    }


def test_percentiles_by_nearest_rank() -> None:
    assert percentiles(range(1, 101)) == {"p50": 51, "p99": 100}
    assert percentiles([]) is None
