"""The verdict rules of ``make chaos``, as a table: what counts as lost, as a duplicate
inside the documented window, and as one outside it. No processes are killed here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.chaos.figures import (
    left_unfinished_by,
    occurrences,
    recovered_at,
    seconds_until_done,
    tally,
)
from tests.chaos.marks import read_marks

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def row(eid: str, status: str = "SUCCEEDED", *outcomes: str, second: int = 0) -> dict:
    return {
        "id": eid,
        "status": status,
        "scheduled_for": T0 + timedelta(seconds=second),
        "finished_at": T0 + timedelta(seconds=second + 1) if status == "SUCCEEDED" else None,
        "attempts": [{"worker_id": f"w{i}", "outcome": o} for i, o in enumerate(outcomes)],
    }


def marks(tmp_path: Path, lines: list[str]):
    (tmp_path / "w.marks").write_text("".join(f"{line}\n" for line in lines))
    return read_marks(tmp_path)


@pytest.mark.parametrize(
    ("rows", "lines", "expected"),
    [
        # Ran once, recorded once: nothing to report.
        ([row("a", "SUCCEEDED", "SUCCEEDED")], ["start a w", "done a w"], {}),
        # Never reached a final state: lost.
        ([row("a", "RUNNING", None)], ["start a w"], {"lost": 1}),
        # A worker died mid-run, the run went again elsewhere: inside the window.
        (
            [row("a", "SUCCEEDED", "LOST", "SUCCEEDED")],
            ["start a w", "start a v", "done a v"],
            {"ran_twice": 1, "interrupted_in_flight": 1},
        ),
        # Finished, then its worker died before recording it: runs (and completes) twice.
        (
            [row("a", "SUCCEEDED", "LOST", "SUCCEEDED")],
            ["start a w", "done a w", "start a v", "done a v"],
            {"ran_twice": 1, "completed_twice": 1, "interrupted_in_flight": 1},
        ),
        # Handed back on SIGTERM and run again.
        (
            [row("a", "SUCCEEDED", "HANDED_BACK", "SUCCEEDED")],
            ["start a w", "start a v", "done a v"],
            {"ran_twice": 1, "interrupted_in_flight": 1},
        ),
        # Ran twice with no attempt interrupted: a duplicate nothing allows.
        (
            [row("a", "SUCCEEDED", "SUCCEEDED")],
            ["start a w", "start a v", "done a v"],
            {"ran_twice": 1, "duplicates_outside_window": 1},
        ),
        # Recorded SUCCEEDED though the handler never returned.
        ([row("a", "SUCCEEDED", "SUCCEEDED")], ["start a w"], {"succeeded_without_running": 1}),
    ],
)
def test_tally_tells_lost_and_duplicates_inside_and_outside_the_window(
    tmp_path: Path, rows: list[dict], lines: list[str], expected: dict[str, int]
) -> None:
    t = tally(rows, marks(tmp_path, lines))
    figures = {k: v for k, v in t.figures().items() if v and k != "runs"}
    assert figures == expected
    assert bool(t.problems()) == bool(
        expected.keys() & {"lost", "duplicates_outside_window", "succeeded_without_running"}
    )


def test_a_per_second_job_reports_missing_and_doubled_occurrences(tmp_path: Path) -> None:
    rows = [row("a", second=0), row("b", second=1), row("c", second=4)]
    found = marks(tmp_path, ["start a w", "done a w", "start b w", "start b v", "start c w"])
    assert occurrences(rows, found) == {"occurrences": 3, "missing": 2, "ran_twice": 1}


def test_time_until_done_is_unknown_while_a_run_is_unfinished() -> None:
    assert seconds_until_done([row("a", second=3)], T0) == 4.0
    assert seconds_until_done([row("a", second=3), row("b", "RUNNING")], T0) is None


def test_a_killed_workers_runs_are_those_it_left_open_or_lost() -> None:
    still_open = row("a", "RUNNING", None)
    lost = row("b", "SUCCEEDED", "LOST", "SUCCEEDED")
    finished = row("c", "SUCCEEDED", "SUCCEEDED")
    assert left_unfinished_by(still_open, "w0")
    assert left_unfinished_by(lost, "w0")
    assert not left_unfinished_by(lost, "w1")  # w1 finished it
    assert not left_unfinished_by(finished, "w0")


def at(second: float) -> str:
    return (T0 + timedelta(seconds=second)).isoformat()


@pytest.mark.parametrize(
    ("attempts", "finished", "expected"),
    [
        # Taken over 10 s after w0 died, finished at 11 s.
        (
            [("w0", "LOST", 0), ("w1", "SUCCEEDED", 10)],
            11,
            {"w0": 11},
        ),
        # Taken over at 10 s by w1, killed in turn, taken over again at 21 s by w2: w0's
        # failure was over at 10 s, w1's at 22 s (when the run finished).
        (
            [("w0", "LOST", 0), ("w1", "LOST", 10), ("w2", "SUCCEEDED", 21)],
            22,
            {"w0": 10, "w1": 22},
        ),
        # Taken over by w1, which is still running it: not over yet.
        ([("w0", "LOST", 0), ("w1", None, 10)], None, {"w0": None}),
    ],
)
def test_a_kill_is_over_when_its_runs_finish_or_pass_to_a_worker_killed_in_turn(
    attempts: list[tuple[str, str | None, float]], finished: float | None, expected: dict
) -> None:
    run = {
        "attempts": [{"worker_id": w, "outcome": o, "started_at": at(s)} for w, o, s in attempts],
        "finished_at": None if finished is None else T0 + timedelta(seconds=finished),
    }
    for worker, seconds in expected.items():
        when = recovered_at(run, worker)
        assert (None if when is None else (when - T0).total_seconds()) == seconds
