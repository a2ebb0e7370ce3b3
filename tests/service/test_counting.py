"""The counted attempt in nbgrader's gradebook: the same rows as a class autograde, by policy.

The class of tests/course/test_parallel_autograde.py (built and autograded once per
process) is the reference: a submission graded by the service must leave the gradebook
rows the class autograde wrote for the same files.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from autograder.course.late import set_due_date
from autograder.course.layout import Course, open_gradebook
from autograder.service import queue
from autograder.service.counting import update_counted
from autograder.service.database import open_database
from autograder.service.intake import receive_zip
from autograder.service.policy import ServicePolicy, scores_hidden, service_policy
from autograder.service.results import attempt_feedback
from autograder.service.runner import work
from autograder.service.stats import service_stats
from tests.course.test_parallel_autograde import (
    TASK_CELL,
    copy_course,
    gradebook_state,
    graded_class,
)
from tests.fixtures.course_notebook import NOTEBOOK

pytestmark = pytest.mark.slow
T1 = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc)


def zip_folder(folder: Path) -> io.BytesIO:
    """A submission zip as ``cs231n_core.check.handin`` makes it: one top-level folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "timestamp.txt":
                zf.write(path, f"training_nn/{path.relative_to(folder).as_posix()}")
    buffer.seek(0)
    return buffer


def set_counts(course: Course, counts: str) -> None:
    text = course.config.read_text().split("\nc.ServicePolicy.counts")[0]
    course.config.write_text(text + f"\nc.ServicePolicy.counts = {counts!r}\n")


def task_score(course: Course, student: str) -> float:
    return gradebook_state(course)[student]["cells"][(NOTEBOOK, TASK_CELL, "grade")][0]


def test_counted_attempt_lands_in_the_gradebook_by_policy(tmp_path: Path) -> None:
    graded = graded_class()
    course = copy_course(graded.template, tmp_path / "course")
    shutil.rmtree(course.root / "submitted")  # the service puts the counted attempt there
    db = open_database(course)
    reference = gradebook_state(graded.serial)
    submitted = graded.template.root / "submitted"

    first = receive_zip(course, db, "perfect", zip_folder(submitted / "perfect" / "training_nn"),
                        T1)
    work(str(course.root), db.url, "w1", execute=True)  # one pass over the queue
    state = gradebook_state(course)["perfect"]
    assert state["cells"] == reference["perfect"]["cells"]
    assert state["score"] == reference["perfect"]["score"] == 3.0
    assert state["timestamp"] == datetime(2026, 12, 1, 10, 0)
    assert (course.submitted("perfect") / f"{NOTEBOOK}.ipynb").read_bytes() == \
        (submitted / "perfect" / "training_nn" / f"{NOTEBOOK}.ipynb").read_bytes()
    assert (course.autograded("perfect") / f"{NOTEBOOK}.ipynb").is_file()
    first = queue.attempts_of(db, "perfect")[0]
    page = attempt_feedback(course, db, first, service_policy(course), T1)
    assert "layers.affine_forward" in page and "2 / 2" in page
    assert "<body" not in page and "<script" not in page
    assert "no readable notebook" not in page and "annotated notebook" not in page
    hidden = ServicePolicy(show_scores_before_deadline=False)
    assert "passed" in attempt_feedback(course, db, first, hidden, T1)
    assert "2 / 2" not in attempt_feedback(course, db, first, hidden, T1)

    # A worse attempt: "last" counts it; its rows are the class autograde's for those files.
    second = receive_zip(course, db, "perfect", zip_folder(submitted / "no_bias" / "training_nn"),
                         T2)
    work(str(course.root), db.url, "w1", execute=True)
    assert gradebook_state(course)["perfect"]["cells"] == reference["no_bias"]["cells"]
    assert [(a.id, a.counted) for a in queue.attempts_of(db, "perfect")] == [
        (second.id, True), (first.id, False)]
    second = queue.attempts_of(db, "perfect")[0]
    assert "0 / 2" in attempt_feedback(course, db, second, service_policy(course), T2)
    assert "not passed" in attempt_feedback(course, db, second, hidden, T2)
    with open_gradebook(course) as gb:
        gb.update_or_create_student("zoe")  # on the roster, never submitted
    stats = service_stats(course, db, T2)
    assert (stats.queued, stats.running, stats.workers_alive) == (0, 0, 0)
    assert stats.pass_rates == {"layers.affine_forward": 0.0}  # the latest attempt: no_bias
    assert stats.not_submitted == ["zoe"] and stats.feedback_seconds_p95 is not None

    set_counts(course, "best")
    assert update_counted(course, db, "perfect", T2) == first.id
    assert task_score(course, "perfect") == 2.0
    installed = course.autograded("perfect").stat().st_ino
    assert update_counted(course, db, "perfect", T2) == first.id  # idempotent: nothing written
    assert course.autograded("perfect").stat().st_ino == installed

    set_counts(course, "last_before_deadline")
    set_due_date(course, datetime(2026, 12, 1, 10, 30))  # between the two (naive UTC)
    assert update_counted(course, db, "perfect", T2) == first.id
    assert scores_hidden(course, hidden, T1) and not scores_hidden(course, hidden, T2)
    assert "2 / 2" in attempt_feedback(course, db, first, hidden, T2)  # after the due date
    set_due_date(course, datetime(2026, 12, 1, 9, 0))  # before both: the last one counts
    assert update_counted(course, db, "perfect", T2) == second.id
    assert task_score(course, "perfect") == 0.0
