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


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(report, "RESULTS", tmp_path)
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
    assert "| `run (psycopg/cursor.py:1)` | 75.0% |" in rendered
    assert report.render(rendered) == rendered  # rendering twice changes nothing


def test_a_doc_without_the_block_is_refused(results: Path) -> None:
    with pytest.raises(ValueError, match="bench:figures"):
        report.render("# no markers\n")


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
