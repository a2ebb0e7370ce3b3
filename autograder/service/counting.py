"""The counted attempt: the one the policy picks goes into submitted/ and the gradebook."""

from __future__ import annotations

from datetime import datetime

from autograder.course.layout import Course
from autograder.service.database import ServiceDatabase


def update_counted(course: Course, db: ServiceDatabase, student: str,
                   now: datetime) -> int | None:
    """Make the attempt the policy picks the counted one; its id (None: none graded)."""
    raise NotImplementedError
