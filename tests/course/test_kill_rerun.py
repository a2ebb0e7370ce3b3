"""Nothing lost: autograde killed (SIGKILL) at random moments, then run to completion.

The class of tests/course/test_parallel_autograde.py is graded once without interruption.
A copy is then autograded by a `cs231n-course autograde` subprocess killed after a
random short delay, several times (serial and parallel). Only the coordinator is
killed: every process the run started (pool workers, nbgrader, grading workers,
notebook kernels), recorded through /proc while it ran, must be gone soon after.
After every kill the gradebook must be readable and every student already in it
must hold exactly the uninterrupted run's rows (no half-written score), and a
final run to completion must give exactly the uninterrupted gradebook.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from autograder.course.layout import Course
from tests.course.test_parallel_autograde import (
    check_expected,
    copy_course,
    gradebook_state,
    graded_class,
)
from tests.fixtures.processes import Watch, start_autograde

pytestmark = pytest.mark.slow


def _start(course: Course, jobs: int) -> subprocess.Popen:
    return start_autograde(course.root, "--jobs", str(jobs))


def _run_and_kill(proc: subprocess.Popen, seconds: float) -> dict[int, str]:
    """Record the run's processes for ``seconds``, SIGKILL the coordinator alone; survivors."""
    watch = Watch(proc.pid)
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        watch.record()
        time.sleep(0.05)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return watch.survivors()


def test_killed_autograde_then_rerun_gives_the_uninterrupted_gradebook(tmp_path: Path) -> None:
    graded = graded_class()  # the uninterrupted run, shared with test_parallel_autograde.py
    expected = gradebook_state(graded.serial)
    check_expected(expected)

    course = copy_course(graded.template, tmp_path / "killed")
    rng = random.Random(20261122)
    for jobs in (1, 2, 1, 2):
        left = _run_and_kill(_start(course, jobs), rng.uniform(0.2, graded.seconds))
        assert not left, f"left running after SIGKILL of the coordinator: {left}"
        state = gradebook_state(course)  # readable, and nothing half-written
        for student, rows in state.items():
            assert rows == expected[student], student
    proc = _start(course, 2)
    assert proc.wait(timeout=600) == 0
    assert gradebook_state(course) == expected
    parent = course.root / "autograded"
    assert not [p for p in parent.rglob(".*") if p.name.startswith((".new-", ".old-"))]
