"""Receiving a submission: a zip upload or nbgrader's exchange, checked before it is stored."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from autograder.course.layout import Course
from autograder.service.database import ServiceDatabase
from autograder.service.models import Attempt


class Refused(Exception):
    """A submission that is not stored; the message is one line the student can act on."""


def receive_zip(course: Course, db: ServiceDatabase, student: str, data: BinaryIO,
                now: datetime) -> Attempt:
    """Check, store and enqueue one zipped submission of ``student``."""
    raise NotImplementedError


def receive_from_exchange(course: Course, db: ServiceDatabase, student: str,
                          now: datetime) -> Attempt:
    """Pick up ``student``'s latest submission from nbgrader's exchange and enqueue it."""
    raise NotImplementedError
