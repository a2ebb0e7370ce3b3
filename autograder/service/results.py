"""A student's feedback on one attempt, as a sanitised HTML fragment."""

from __future__ import annotations

from datetime import datetime

from autograder.course.layout import Course
from autograder.service.database import ServiceDatabase
from autograder.service.models import Attempt
from autograder.service.policy import ServicePolicy


def attempt_feedback(course: Course, db: ServiceDatabase, attempt: Attempt,
                     policy: ServicePolicy, now: datetime) -> str:
    """The feedback page body of ``attempt`` (per-task results, diagnoses, late penalty)."""
    raise NotImplementedError
