"""The worker pool on a real class: a worker killed mid-task, a restart, every attempt once.

Two students of the class of tests/course/test_parallel_autograde.py (built and
autograded once per process) hand in through the service. Two spawned workers grade;
one is SIGKILLed (with all it started) while it grades; the pool is stopped and a new
one started, as after a crash of the service. Every attempt then has exactly one result
and the gradebook holds the rows of the uninterrupted class autograde.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from autograder.course.autograde import SCRATCH_PREFIX
from autograder.isolation.processes import kill_tree
from autograder.service.database import ServiceDatabase, open_database
from autograder.service.intake import receive_zip
from autograder.service.models import Attempt, Result
from autograder.service.runner import WorkerPool
from tests.course.test_parallel_autograde import (
    copy_course,
    gradebook_state,
    graded_class,
)
from tests.service.test_counting import T1, zip_folder

pytestmark = pytest.mark.slow
LEASE = 8.0
CLASS = ["no_bias", "perfect"]  # two workers: each grades one when the kill comes


def states(db: ServiceDatabase) -> dict[str, str]:
    with db.session() as s:
        return dict(s.execute(select(Attempt.student, Attempt.state)).all())


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_worker_killed_mid_task_then_restart_grades_each_attempt_once(tmp_path: Path) -> None:
    graded = graded_class()
    course = copy_course(graded.template, tmp_path / "course")
    submitted = graded.template.root / "submitted"
    shutil.rmtree(course.root / "submitted")  # the service puts the counted attempts there
    db = open_database(course)
    for student in CLASS:
        receive_zip(course, db, student, zip_folder(submitted / student / "training_nn"), T1)

    pool = WorkerPool(course, db.url, workers=2, lease_seconds=LEASE, poll_seconds=0.2)
    pool.start()
    try:
        scratch = Path(tempfile.gettempdir())

        def busy() -> list[tuple[int, str]]:
            """(pid, student) of the workers grading now: each has a scratch course."""
            return [(p.pid, path.name[len(f"{SCRATCH_PREFIX}{p.pid}-"):].rsplit("-", 1)[0])
                    for p in pool.processes if p.pid
                    for path in scratch.glob(f"{SCRATCH_PREFIX}{p.pid}-*")]

        wait_for(lambda: bool(busy()), 180, "a worker grading")
        killed_pid, student = busy()[0]
        kill_tree(killed_pid)
        with db.session() as s:
            victim = s.execute(select(Attempt).where(Attempt.student == student)).scalar_one()
    finally:
        pool.stop(wait=120)
    # The service restarts: a new pool finds the dead worker's lease and grades it again.
    restarted = WorkerPool(course, db.url, workers=2, lease_seconds=LEASE, poll_seconds=0.2)
    restarted.start()
    try:
        wait_for(lambda: set(states(db).values()) == {"graded"}, 300, "every attempt graded")
    finally:
        restarted.stop(wait=60)

    with db.session() as s:
        per_attempt = dict(s.execute(select(Result.attempt_id, func.count(Result.id))
                                     .group_by(Result.attempt_id)).all())
        attempts = s.execute(select(Attempt)).scalars().all()
    assert sorted(per_attempt.values()) == [1] * len(CLASS)
    assert {a.id for a in attempts} == set(per_attempt)
    assert next(a for a in attempts if a.id == victim.id).infra_retries >= 1
    assert all(a.counted for a in attempts)
    state = gradebook_state(course)
    reference = gradebook_state(graded.serial)
    assert sorted(state) == CLASS
    for student in CLASS:
        assert state[student]["cells"] == reference[student]["cells"], student
        assert state[student]["score"] == reference[student]["score"], student
    assert not list(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{killed_pid}-*"))


def test_dask_workers_grade_the_queue(tmp_path: Path) -> None:
    """The same loop with grading on a Dask cluster: the gradebook rows of a class autograde."""
    distributed = pytest.importorskip("distributed")
    graded = graded_class()
    course = copy_course(graded.template, tmp_path / "course")
    shutil.rmtree(course.root / "submitted")
    db = open_database(course)
    folder = graded.template.root / "submitted" / "no_bias" / "training_nn"
    receive_zip(course, db, "no_bias", zip_folder(folder), T1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        pool = WorkerPool(course, db.url, workers=1, dask_scheduler=cluster.scheduler_address,
                          poll_seconds=0.2)
        pool.start()
        try:
            wait_for(lambda: states(db) == {"no_bias": "graded"}, 120, "the attempt graded")
        finally:
            pool.stop()
    assert gradebook_state(course)["no_bias"]["cells"] == \
        gradebook_state(graded.serial)["no_bias"]["cells"]
