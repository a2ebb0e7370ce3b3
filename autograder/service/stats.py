"""The instructor's dashboard figures: the queue, the workers, time to feedback, pass rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from autograder.course.layout import Course
from autograder.service.database import ServiceDatabase


@dataclass
class ServiceStats:
    """What the dashboard shows."""

    queued: int
    running: int
    workers_alive: int
    feedback_seconds_p50: float | None
    feedback_seconds_p95: float | None
    pass_rates: dict[str, float] = field(default_factory=dict)  # task id -> share passing
    not_submitted: list[str] = field(default_factory=list)


def service_stats(course: Course, db: ServiceDatabase, now: datetime) -> ServiceStats:
    """The dashboard's figures now."""
    raise NotImplementedError
