"""Nothing lost: autograde killed (SIGKILL) at random moments, then run to completion.

The class of tests/course/test_parallel_autograde.py is graded once without interruption.
A copy is then autograded by a `cs231n-course autograde` subprocess killed after a
random short delay, several times (serial and parallel); after every kill the
gradebook must be readable and every student already in it must hold exactly the
uninterrupted run's rows (no half-written score), and a final run to completion
must give exactly the uninterrupted gradebook.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.course.autograde import autograde
from autograder.course.layout import Course
from tests.course.test_parallel_autograde import (
    build_class,
    check_expected,
    copy_course,
    gradebook_state,
)

pytestmark = pytest.mark.slow


def _start(course: Course, jobs: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "autograder.course.cli", "autograde", str(course.root),
         "--jobs", str(jobs)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the autograde process, then its leftover workers (its own process group)."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_killed_autograde_then_rerun_gives_the_uninterrupted_gradebook(tmp_path: Path) -> None:
    template, _ = build_class(tmp_path / "class")
    reference = copy_course(template, tmp_path / "reference")
    start = time.perf_counter()
    assert all(r.ok for r in autograde(reference, progress=lambda _m: None))
    uninterrupted = time.perf_counter() - start
    expected = gradebook_state(reference)
    check_expected(expected)

    course = copy_course(template, tmp_path / "killed")
    rng = random.Random(20261122)
    for jobs in (1, 2, 1, 2):
        proc = _start(course, jobs)
        time.sleep(rng.uniform(0.2, uninterrupted))
        _kill(proc)
        state = gradebook_state(course)  # readable, and nothing half-written
        for student, rows in state.items():
            assert rows == expected[student], student
    proc = _start(course, 2)
    assert proc.wait(timeout=600) == 0
    assert gradebook_state(course) == expected
    parent = course.root / "autograded"
    assert not [p for p in parent.rglob(".*") if p.name.startswith((".new-", ".old-"))]
