"""The instructor's policy: read from the course config; attempts per day and a cool-down."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from autograder.course.layout import Course
from autograder.service import queue
from autograder.service.database import ServiceDatabase
from autograder.service.models import Attempt
from autograder.service.policy import ServicePolicy, may_submit, service_policy
from autograder.service.stats import percentile

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def attempt(db: ServiceDatabase, student: str, at: datetime) -> Attempt:
    return queue.enqueue(db, Attempt(student=student, received_at=at, sha256="", size=0))


def test_policy_read_from_the_course_config(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.ServicePolicy.attempts_per_day = 3\n"
        "c.ServicePolicy.counts = 'best'\nc.ServicePolicy.show_scores_before_deadline = False\n")
    policy = service_policy(Course(tmp_path))
    assert (policy.attempts_per_day, policy.cooldown_minutes, policy.counts,
            policy.show_scores_before_deadline) == (3, 0.0, "best", False)


def test_attempts_per_day_and_cooldown(db: ServiceDatabase) -> None:
    policy = ServicePolicy(attempts_per_day=2, cooldown_minutes=10)
    assert may_submit(db, policy, "ann", T0) is None
    attempt(db, "ann", T0)
    why = may_submit(db, policy, "ann", T0 + timedelta(minutes=4))
    assert why is not None and "6 minutes" in why
    assert may_submit(db, policy, "ann", T0 + timedelta(minutes=10)) is None
    attempt(db, "ann", T0 + timedelta(minutes=10))
    why = may_submit(db, policy, "ann", T0 + timedelta(hours=1))
    assert why is not None and "2 attempts" in why and "23.0 hours" in why
    assert may_submit(db, policy, "bob", T0 + timedelta(hours=1)) is None  # per student
    assert may_submit(db, policy, "ann", T0 + timedelta(hours=24, seconds=1)) is None


def test_an_attempt_lost_to_our_failures_costs_nothing(db: ServiceDatabase) -> None:
    policy = ServicePolicy(attempts_per_day=1)
    lost = attempt(db, "ann", T0)
    for _ in range(queue.MAX_INFRA_RETRIES):
        queue.claim(db, "w", 60, T0)
        queue.release(db, lost.id, "w", "worker died")
    assert queue.attempts_of(db, "ann")[0].state == "failed"
    assert may_submit(db, policy, "ann", T0 + timedelta(minutes=1)) is None


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(20, 0, -1)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile([], 0.5)) == (
        10.0, 19.0, None)
