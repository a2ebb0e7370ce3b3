"""The counted attempt: the one the policy picks lands in ``submitted/`` and nbgrader's gradebook.

Once the counted attempt of a student changes, its folder becomes
``submitted/<student>/training_nn`` (with its hand-in time in ``timestamp.txt``) and
its stored result is installed by ``autograde.store_result``, the very code a class
autograde uses: the autograded notebooks, then the student's gradebook rows in one
transaction. Export, report and feedback then work unchanged. Nothing is graded
again: the result is the one the worker stored.

Only one process changes a course's counted attempts at a time (a lock file in
``<course>/service``), since workers finish in parallel. The attempt's ``counted``
flag is set last: a process killed before that leaves it unset, and the next update
installs the same result again, which writes the same values.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from base64 import b64decode
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import select, update

from autograder.course.autograde import GradedSubmission, store_result
from autograder.course.late import read_timestamp
from autograder.course.layout import ASSIGNMENT, Course
from autograder.service.database import ServiceDatabase, service_dir
from autograder.service.models import GRADED, Attempt, Result
from autograder.service.policy import deadline, service_policy

LOCK_FILE = "counting.lock"


@contextmanager
def course_lock(course: Course) -> Iterator[None]:
    """Hold the course's counting lock (released when the holder dies, too)."""
    with open(service_dir(course) / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def handed_in(course: Course, attempt: Attempt) -> datetime:
    """When an attempt was handed in (its ``timestamp.txt``; else when it was received)."""
    when = read_timestamp(service_dir(course) / attempt.folder) if attempt.folder else None
    return when.replace(tzinfo=timezone.utc) if when is not None else attempt.received_at


def pick(course: Course, graded: list[Attempt], counts: str, student: str) -> Attempt | None:
    """The attempt that counts among a student's graded ones, newest first, by ``counts``."""
    if not graded:
        return None
    if counts == "best":  # the best score; of equal ones the newest
        return max(reversed(graded), key=lambda a: a.score if a.score is not None else -1.0)
    if counts == "last_before_deadline":
        due = deadline(course, student)
        if due is not None:
            on_time = [a for a in graded if handed_in(course, a) <= due]
            if on_time:
                return on_time[0]
    return graded[0]


def graded_submission(student: str, result: Result) -> GradedSubmission:
    """The stored result as the coordinator of a class autograde receives it."""
    files_data = json.loads(result.files_json)
    files = None if files_data is None else {
        rel: (int(mode), b64decode(data)) for rel, (mode, data) in files_data.items()}
    return GradedSubmission(student, True, result.seconds, record=json.loads(result.record_json),
                            files=files, notes=json.loads(result.notes_json))


def _install_submitted(course: Course, student: str, folder: str) -> None:
    """Replace ``submitted/<student>/training_nn`` by a copy of the attempt's folder."""
    target = course.submitted(student)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".counted-{ASSIGNMENT}-", dir=target.parent)
    try:
        new = os.path.join(work, ASSIGNMENT)
        shutil.copytree(service_dir(course) / folder, new, symlinks=True)
        if target.exists():
            old = os.path.join(work, "old")
            os.rename(target, old)
        os.rename(new, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def update_counted(course: Course, db: ServiceDatabase, student: str,
                   now: datetime) -> int | None:
    """Make the attempt the policy picks the counted one; its id (None: nothing graded yet).

    Idempotent: when the pick is already counted nothing is written.
    """
    policy = service_policy(course)
    with course_lock(course):
        with db.session() as session:
            graded = list(session.execute(
                select(Attempt).where(Attempt.student == student, Attempt.state == GRADED)
                .order_by(Attempt.received_at.desc(), Attempt.id.desc())).scalars())
        chosen = pick(course, graded, policy.counts, student)
        if chosen is None:
            return None
        if chosen.counted and not any(a.counted for a in graded if a.id != chosen.id):
            return chosen.id
        with db.session() as session:
            result = session.execute(select(Result).where(Result.attempt_id == chosen.id)) \
                .scalar_one()
        _install_submitted(course, student, chosen.folder)
        store_result(course, graded_submission(student, result))
        with db.session() as session:
            session.execute(update(Attempt).where(Attempt.student == student)
                            .values(counted=Attempt.id == chosen.id))
        return chosen.id
