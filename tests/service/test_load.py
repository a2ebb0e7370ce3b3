"""The service under a rush and a crash, through the real server (``benchmarks/service.py``).

The rush of the load benchmark at a tiny size, for correctness only: every submission
sent is in the database, graded with one result or superseded with none. Then the
crash: the server process is SIGKILLed (a grading worker first) while the queue is
full, ``serve`` is started again, and every attempt is graded exactly once with the
gradebook rows of the perfect submission.
"""

from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from autograder.isolation.processes import descendants, kill_tree
from autograder.service.database import ServiceDatabase, open_database
from autograder.service.models import GRADED, QUEUED, RUNNING, SUPERSEDED, Attempt, Result
from benchmarks.service import (
    ServiceCourse,
    Student,
    check_rush,
    prepare,
    rush,
    serving,
    wait_drained,
)
from tests.course.test_parallel_autograde import EXPECTED, TASK_CELL, gradebook_state
from tests.course.test_term import zip_folder
from tests.fixtures.course_notebook import NOTEBOOK, new_fixture_course
from tests.service.serving import _write
from tests.service.test_runner import wait_for

STUDENTS = ["s0", "s1", "s2", "s3"]
# The crash test's lease (serve --lease): a killed worker's attempt is graded again this long
# after its last heartbeat, instead of the default minute.
LEASE = 10


def fixture_service(base: Path) -> ServiceCourse:
    course, perfect = new_fixture_course(base)
    return prepare(course, STUDENTS, [_write(base / "perfect.zip", zip_folder(perfect))])


def test_check_rush_finds_a_lost_or_unfinished_submission(tmp_path: Path) -> None:
    """The rush's check itself, on a database written by hand: it can fail."""
    db = ServiceDatabase(f"sqlite:///{tmp_path}/service.db")
    sent_at = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)
    with db.session() as s:
        graded = Attempt(student="s0", received_at=sent_at, sha256="0" * 64, size=1,
                         state=GRADED, finished_at=sent_at + timedelta(seconds=4))
        s.add_all([graded, Attempt(student="s1", received_at=sent_at, sha256="1" * 64, size=1,
                                   state=QUEUED)])
        s.flush()
        s.add(Result(attempt_id=graded.id, created_at=sent_at))
    try:
        res = check_rush(db, {"s0": [sent_at]})
        assert (res.sent, res.feedback, res.states) == (1, [4.0], {GRADED: 1})
        with pytest.raises(AssertionError, match="sent 2 submission"):
            check_rush(db, {"s0": [sent_at, sent_at]})
        with pytest.raises(AssertionError, match="left queued"):
            check_rush(db, {"s1": [sent_at]})
    finally:
        db.close()


def test_rush_grades_every_submission_once(tmp_path: Path) -> None:
    service = fixture_service(tmp_path)
    db = open_database(service.course)
    try:
        with serving(service.course, tmp_path / "serve.log", workers=2) as (url, _):
            res = rush(url, service, db, submissions=12, gap=0.5)
        with db.session() as s:
            states = dict(s.execute(select(Attempt.state, func.count(Attempt.id))
                                    .group_by(Attempt.state)).all())
            newest = [s.scalars(select(Attempt).where(Attempt.student == student)
                                .order_by(Attempt.id.desc())).first() for student in STUDENTS]
    finally:
        db.close()
    assert res.sent == 12
    assert sum(states.values()) == 12 and set(states) <= {GRADED, SUPERSEDED}, states
    # A newer submission supersedes only queued older ones: each student's last is graded.
    assert all(a is not None and a.state == GRADED for a in newest), newest
    assert res.finished == states[GRADED]


def grading_workers(server: int) -> list[int]:
    """The server's child processes that have children: workers grading (nbgrader, sandbox)."""
    below = descendants(server)
    grandchildren = {p for child in below for p in descendants(child)}
    return [p for p in below if p not in grandchildren and descendants(p)]


@pytest.mark.slow
def test_server_and_worker_killed_mid_queue_then_restart(tmp_path: Path) -> None:
    service = fixture_service(tmp_path)
    db = open_database(service.course)
    try:
        with serving(service.course, tmp_path / "serve.log", workers=2,
                     lease=LEASE) as (url, server):
            for student in STUDENTS:
                person = Student(url, student, service.tokens[student])
                person.submit(service.zips[0])
                person.close()

            busy: list[int] = []

            def grading() -> bool:  # an attempt is being graded, by the database's word
                busy[:] = grading_workers(server.pid)
                with db.session() as s:
                    return bool(busy) and bool(s.scalar(select(func.count(Attempt.id))
                                                        .where(Attempt.state == RUNNING)))

            wait_for(grading, 120, "an attempt being graded")
            kill_tree(busy[0])
            os.kill(server.pid, signal.SIGKILL)  # its other worker dies with it
            server.wait()
        with db.session() as s:
            killed = set(s.scalars(select(Attempt.id).where(Attempt.state == RUNNING)))
            assert s.scalar(select(func.count(Attempt.id)).where(Attempt.state == GRADED)) \
                < len(STUDENTS), "the queue was empty when the server was killed"
        assert killed, "no attempt was being graded when the server was killed"
        # Restarted, the service finds the dead workers' leases and grades their attempts.
        # Their leases run out (LEASE s after the last heartbeat): nothing edits the rows.
        with serving(service.course, tmp_path / "serve-again.log", workers=2, lease=LEASE):
            wait_drained(db, 300)
        with db.session() as s:
            attempts = s.scalars(select(Attempt)).all()
            per_attempt = dict(s.execute(select(Result.attempt_id, func.count(Result.id))
                                         .group_by(Result.attempt_id)).all())
    finally:
        db.close()
    assert sorted(a.state for a in attempts) == [GRADED] * len(STUDENTS)
    assert per_attempt == {a.id: 1 for a in attempts}
    # The gradings the kill stopped were given back, at the service's cost, not the student's.
    assert all(a.infra_retries >= 1 for a in attempts if a.id in killed), attempts
    state = gradebook_state(service.course)
    assert sorted(state) == STUDENTS
    for student in STUDENTS:
        assert state[student]["cells"][(NOTEBOOK, TASK_CELL, "grade")][0] == \
            EXPECTED["perfect"][0], student
