"""The routes a process remembers for its early pushes: bounded, least recently
triggered forgotten first, and forgotten at once when the job changes here."""

from jobsched.domain.models import Route
from jobsched.early_push import Routes


def job(job_id: int, priority: int = 50) -> dict:
    return {"id": job_id, "pool": "default", "handler": "h", "priority": priority,
            "max_concurrency": None}  # fmt: skip


def test_a_learned_route_is_the_jobs_snapshot_by_its_id_as_text() -> None:
    routes = Routes()
    routes.learn(job(7, priority=90))
    assert routes.get("7") == Route("default", "h", 90, None)


def test_the_least_recently_triggered_job_is_forgotten_first() -> None:
    routes = Routes(kept=2)
    routes.learn(job(1))
    routes.learn(job(2))
    routes.learn(job(1))  # triggered again: the most recent
    routes.learn(job(3))
    assert routes.get("1") is not None and routes.get("3") is not None
    assert routes.get("2") is None


def test_a_job_changed_here_is_forgotten() -> None:
    routes = Routes()
    routes.learn(job(1))
    routes.forget("1")
    routes.forget("1")  # twice: nothing to forget
    assert routes.get("1") is None
