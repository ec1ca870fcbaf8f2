"""How long a claimed run whose write has not landed waits before it is claimed again."""

from jobsched.worker_unwritten import (
    FIRST_LOOK_AGAIN_MS,
    LAST_LOOK_AGAIN_MS,
    UNWRITTEN_GRACE_S,
    look_again_in_ms,
)


def test_a_run_just_due_is_looked_at_again_within_milliseconds() -> None:
    assert look_again_in_ms(0) == FIRST_LOOK_AGAIN_MS
    assert look_again_in_ms(3) == FIRST_LOOK_AGAIN_MS


def test_the_wait_grows_with_the_runs_age_up_to_a_bound() -> None:
    assert look_again_in_ms(800) == 800
    assert look_again_in_ms(LAST_LOOK_AGAIN_MS * 3) == LAST_LOOK_AGAIN_MS


def test_a_run_that_is_never_written_is_looked_at_a_few_dozen_times_at_most() -> None:
    age, looks = 0, 0
    while age < UNWRITTEN_GRACE_S * 1000:
        age += look_again_in_ms(age)
        looks += 1
    assert looks < 30
