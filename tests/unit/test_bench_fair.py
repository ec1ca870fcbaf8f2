"""The pure parts of the fair benchmarks (bench/fair.py, the verdicts of bench/drain.py,
bench/floor.py and bench/start_lag.py, bench/report_fair.py) on made-up results: an
incomplete run enters no figure or ratio, the spread, the rendering. No timing is
asserted and nothing is measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from bench import drain, fair, floor, report, report_fair, start_lag

ROOT = Path(__file__).resolve().parents[2]


def run(rate: float | None, complete: bool = True, **more: Any) -> dict[str, Any]:
    return {
        "complete": complete,
        "drain_per_s": rate,
        "enqueue_batched_per_s": 10_000,
        "enqueue_single_per_s": 600,
        **more,
    }


# ----------------------------------------------------------------------- spread


def test_spread_of_an_odd_count_is_around_the_middle_value() -> None:
    assert fair.spread([90, 100, 120]) == {
        "n": 3,
        "median": 100.0,
        "min": 90.0,
        "max": 120.0,
        "spread_pct": 30.0,
    }


def test_spread_of_an_even_count_takes_the_mean_of_the_middle_two() -> None:
    assert fair.spread([4, 1, 3, 2])["median"] == 2.5


def test_spread_of_nothing_is_none_and_of_one_value_zero() -> None:
    assert fair.spread([]) is None
    assert fair.spread([7])["spread_pct"] == 0.0


# ----------------------------------------------------------------------- incomplete


def test_an_incomplete_run_enters_no_median() -> None:
    summary = fair.summarise([run(1_000), run(9_999, complete=False), run(3_000)], ["drain_per_s"])
    assert summary["repeats"] == 3 and summary["incomplete"] == 1
    assert summary["drain_per_s"]["median"] == 2_000.0
    assert summary["drain_per_s"]["max"] == 3_000.0


def test_a_run_without_the_flag_is_incomplete() -> None:
    assert not fair.is_complete({"drain_per_s": 5})
    assert not fair.is_complete({"complete": "yes"})


def test_ratio_refuses_a_side_with_no_complete_run() -> None:
    incomplete = fair.summarise([run(9_999, complete=False)], ["drain_per_s"])
    complete = fair.summarise([run(1_000)], ["drain_per_s"])
    assert fair.median_of(incomplete, "drain_per_s") is None
    assert fair.ratio(fair.median_of(incomplete, "drain_per_s"), 1_000) is None
    assert fair.ratio(2_000, fair.median_of(incomplete, "drain_per_s")) is None
    assert fair.ratio(fair.median_of(complete, "drain_per_s"), 500) == 2.0
    assert fair.ratio(1, 0) is None


def test_the_fastest_peer_is_chosen_among_complete_runs_only() -> None:
    per_system = {
        "job_scheduler": [run(3_000)],
        "huey": [run(9_000, complete=False)],
        "dramatiq": [run(2_000)],
    }
    block = drain.summarise(per_system)
    assert block["fastest_peer"] == "dramatiq"
    assert block["ratio_drain_ours_to_fastest_peer"] == 1.5


def test_no_ratio_when_our_runs_are_all_incomplete() -> None:
    block = drain.summarise({"job_scheduler": [run(None, complete=False)], "rq": [run(500)]})
    assert block["ratio_drain_ours_to_fastest_peer"] is None


def test_a_drain_that_lost_or_duplicated_a_run_is_incomplete_and_has_no_rate() -> None:
    common = {
        "first_start": 100.0,
        "last_end": 101.0,
        "finished": True,
        "batched_s": 1.0,
        "single_s": 1.0,
        "runs": 90,
        "singles": 10,
    }
    whole = drain._figures(100, executed=100, duplicates=0, **common)
    assert whole["complete"] and whole["drain_per_s"] == 99 and whole["lost"] == 0
    lost = drain._figures(100, executed=99, duplicates=0, **common)
    assert not lost["complete"] and lost["drain_per_s"] is None and lost["lost"] == 1
    twice = drain._figures(100, executed=100, duplicates=1, **common)
    assert not twice["complete"] and twice["drain_per_s"] is None
    late = drain._figures(100, executed=100, duplicates=0, **{**common, "finished": False})
    assert not late["complete"]


def test_a_floor_loop_that_wrote_or_pushed_fewer_than_its_calls_is_incomplete() -> None:
    cpu = {"client_us": 400, "postgres_us": 300, "redis_us": 50}
    assert floor._result(10, 0.01, 10, 10, cpu)["per_s"] == 1_000
    assert floor._result(10, 0.01, 9, 10, cpu) == {
        "complete": False,
        "calls": 10,
        "written": 9,
        "pushed": 10,
        "per_s": None,
        **cpu,
    }
    assert not floor._result(10, 0.01, 10, 9, cpu)["complete"]


def test_start_lag_with_a_duplicate_or_a_run_never_started_is_incomplete() -> None:
    assert start_lag.summary([1.0, 2.0], {"a": 1, "b": 1}, 2)["complete"]
    assert not start_lag.summary([1.0, 2.0], {"a": 2, "b": 1}, 2)["complete"]
    never = start_lag.summary([1.0], {"a": 1}, 2)
    assert not never["complete"] and never["never_started"] == 1


# ----------------------------------------------------------------------- report

DRAIN = {
    "workload": {
        "runs": 90,
        "singles": 10,
        "batch": 500,
        "workers": 2,
        "slots": [8, 5],
        "default_slots": 5,
        "repeat": 2,
    },
    "by_slots": {
        "8": drain.summarise(
            {
                "job_scheduler": [run(3_000), run(2_000)],
                "celery": [
                    run(1_000),
                    run(None, complete=False, executed=95, queued=100, lost=5, duplicates=0),
                ],
                "rq": [{"complete": False, "error": "RuntimeError: boom"}] * 2,
            }
        ),
        "5": drain.summarise({"job_scheduler": [run(2_000)], "huey": [run(4_000)]}),
    },
}
FLOOR = {
    "workload": {"calls": 50, "repeat": 1},
    "loops": {
        name: {"runs": [r], "summary": fair.summarise([r], floor.KEYS)}
        for name, r in {
            "insert_commit": {"complete": True, "per_s": 3_000},
            "insert_then_zadd": {
                "complete": True,
                "per_s": 1_600,
                "client_us": 420,
                "postgres_us": 250,
                "redis_us": 46,
            },
            "ours_single": {
                "complete": True,
                "per_s": 1_400,
                "client_us": 890,
                "postgres_us": 1_450,
                "redis_us": 140,
            },
        }.items()
    },
    "ratio_ours_to_insert_then_zadd": 0.88,
    "goal": 0.8,
    "goal_met": True,
}
LAG_RUNS = {
    "job_scheduler": [start_lag.summary([1.0, 2.0, 3.0], {"a": 1, "b": 1, "c": 1}, 3)],
    "celery_eta": [start_lag.summary([1.0, 2.0], {"a": 1, "b": 2}, 3)],
}
LAG = {
    "workload": {"runs": 3, "spread_s": 2.0, "workers": 2, "slots_per_worker": 8, "repeat": 1},
    "systems": {
        k: {"runs": v, "summary": fair.summarise(v, start_lag.KEYS)} for k, v in LAG_RUNS.items()
    },
    "p99_goal_met": None,
}


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    for name, data in (("drain", DRAIN), ("floor", FLOOR), ("start_lag", LAG)):
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    return tmp_path


def test_the_report_renders_medians_spreads_and_ratios_from_the_results(results: Path) -> None:
    rendered = report.render(f"{report.START}\n{report.END}\n")
    assert "| Job Scheduler | **2,500** | 2,000–3,000 (40.0%) | 2 of 2 | 10,000 | 600 |" in rendered
    assert "| Celery | **1,000** | 1,000–1,000 (0.0%) | 1 of 2 |" in rendered
    assert "| RQ | **—** | — | 0 of 2 |" in rendered
    assert "Job Scheduler / the fastest peer (Celery): **2.5×**." in rendered
    assert "#### 2 processes × 5 slots (our default)" in rendered
    assert "Job Scheduler / the fastest peer (huey): **0.5×**." in rendered
    assert "| INSERT in a transaction, then Redis ZADD | **1,600** |" in rendered
    # where each loop's time goes: CPU per call of the client, PostgreSQL and Redis
    assert "| 890 | 1,450 | 140 | 1 of 1 |" in rendered
    assert (
        "| bare single-row INSERT, own commit | **3,000** | 3,000–3,000 (0.0%) | — | — | — |"
        in rendered
    )
    assert "**0.88** (goal ≥ 0.8: met)" in rendered
    assert report.render(rendered) == rendered


def test_the_report_lists_incomplete_runs_and_keeps_them_out_of_figures(results: Path) -> None:
    rendered = report.render(f"{report.START}\n{report.END}\n")
    assert "- Celery × 8, repeat 2: incomplete (95 of 100 ran, 5 lost" in rendered
    assert "- RQ × 8, repeat 1: incomplete (RuntimeError: boom)." in rendered
    assert "- Celery, ETA tasks, repeat 1: incomplete (" in rendered
    assert "| Celery, ETA tasks | — | **—** | — | 0 | 1 | 1 | 0 of 1 |" in rendered
    assert "Goal, our p99 no worse than Celery's ETA p99: not computed." in rendered


def test_the_drain_chart_has_one_bar_per_system_with_a_complete_run() -> None:
    svg = report_fair.drain_chart(DRAIN)
    bars = list(ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}rect"))[1:]
    assert len(bars) == 2  # RQ had no complete run: no bar
    assert "Job Scheduler" in svg and "Celery" in svg


def test_a_local_api_result_renders_even_without_its_own_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bench.local_api

    monkeypatch.delattr(bench.local_api, "section")
    lines = report_fair.local_api_section({"keep_alive_p50_ms": 1.5, "nested": {"x": 1}})
    assert "| keep_alive_p50_ms | 1.5 |" in lines


def test_the_local_api_section_shows_keep_alive_against_fresh_and_the_memory_growth() -> None:
    results = json.loads((ROOT / "bench" / "results" / "local_api.json").read_text())
    text = "\n".join(report_fair.local_api_section(results))
    assert "| api keep-alive |" in text and "| api fresh |" in text
    assert "% from the first" in text


def test_the_workflows_section_renders_both_systems_and_the_goal() -> None:
    def system(p50: float, complete: bool = True) -> dict[str, Any]:
        run = {"complete": complete, "edge_p50_ms": p50, "edge_p99_ms": p50 * 3, "fan_out_s": 1.5}
        keys = ("edge_p50_ms", "edge_p99_ms", "fan_out_s")
        return {"runs": [run], "summary": fair.summarise([run], keys)}

    result = {
        "workload": {"chain_steps": 20, "chains": 20, "fan_out_items": 1000, "workers": 2,
                     "slots_per_worker": 8, "repeat": 1},
        "systems": {"job_scheduler": system(6.0), "celery_canvas": system(4.0, complete=False)},
        "p50_goal_met": True,
    }  # fmt: skip
    text = "\n".join(report_fair.workflows_section(result))
    assert "| Job Scheduler | **6.0** | 18.0 | 6.0–6.0 (0.0%) | 1.50 | 1 of 1 |" in text
    assert "| Celery (chain, chord) | **—** | — | — | — | 0 of 1 |" in text
    assert "Goal, our p50 edge latency under 10 ms: met." in text


def test_the_fairness_run_is_rendered_with_its_ratio_and_the_limit_check() -> None:
    passes = {
        "complete": True,
        "lag_p50_ms": 140.0,
        "lag_p99_ms": 280.0,
        "lag_max_ms": 300.0,
        "max_running_per_key": 4,
        "limit": 4,
    }
    flow = {
        "workers": 4,
        "slots": 8,
        "work_ms": 20,
        "flood": 10_000,
        "keys": 10,
        "per_key": 20,
        "without_flood": passes,
        "with_flood": {**passes, "lag_p99_ms": 700.0},
        "p99_ratio": 2.5,
        "limit_held": False,
    }
    text = "\n".join(report_fair.flow_section(flow))
    assert "one key queuing 10,000 runs while 10 keys send 20 each" in text
    assert "| with the flood | 140.0 | **700.0** | 300.0 | 4 | yes |" in text
    assert "**2.50** (goal ≤ 2: not met)" in text
    assert "the per-key limit, from the recorded start and finish times: exceeded" in text
    fair_run = {**flow, "p99_ratio": 0.9, "limit_held": True}
    assert "(goal ≤ 2: met)" in "\n".join(report_fair.flow_section(fair_run))
