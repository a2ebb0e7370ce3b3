"""The trusted grade made beside nbgrader (``autograder.course.grade_beside``).

What autograde relies on: the report holds the modules as they were when grading
started, whatever happens to the submission afterwards; the file nbgrader reads
carries the report unchanged; a failure or a report that never comes is said.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autograder.course.grade_beside import BesideFailed, GradeBeside, read_report, write_report
from autograder.grading import GradeReport, TaskResult
from autograder.solutions import write_solution_package

TASK = "layers.affine_forward"  # 2 points in the registry


def test_the_report_file_carries_the_report_unchanged(tmp_path: Path) -> None:
    report = GradeReport([TaskResult(TASK, 1.5, 2.0, "feedback\nwith <b>lines</b>")],
                         sandboxed=False, seed=7, notices=["a notice"])
    path = tmp_path / "report.json"
    write_report(path, report)
    assert read_report(path, time.time()) == report
    assert not list(tmp_path.glob("*.part"))


def test_a_failed_grading_and_a_missing_report_are_said(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    with pytest.raises(BesideFailed, match="did not arrive"):
        read_report(path, time.time() + 0.1)
    write_report(path, None, "OSError: no space left")
    with pytest.raises(BesideFailed, match="no space left"):
        read_report(path, time.time())


def test_the_grade_reads_the_modules_as_they_were_when_it_started(tmp_path: Path) -> None:
    package = write_solution_package(tmp_path)
    beside = GradeBeside(tmp_path, [TASK], stop_at=None)
    try:
        # What a notebook kernel run during autograde could do to the submission.
        (package / "layers.py").write_text("def affine_forward(x, w, b):\n    return None, None\n")
        report = beside.report()
        assert [(t.id, t.points, t.max_points) for t in report.tasks] == [(TASK, 2.0, 2.0)]
        assert read_report(beside.report_file, time.time()) == report
    finally:
        beside.close()
    assert not beside.report_file.exists()


def test_a_submission_without_its_package_gets_nothing(tmp_path: Path) -> None:
    beside = GradeBeside(tmp_path, [TASK], stop_at=None)
    try:
        (task,) = beside.report().tasks
    finally:
        beside.close()
    assert task.points == 0.0 and "cs231n_core/ is missing" in task.feedback
