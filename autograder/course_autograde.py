"""Submissions and autograde: one submission is graded completely by one function call.

``autograde_submission`` grades one submission of a course directly into its
gradebook; ``autograde`` (the command) runs it for each submission in a
private scratch course and merges the results: see ``autograder.course_parallel``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.course import (
    ASSIGNMENT,
    SKIP,
    Course,
    CourseError,
    Progress,
    run_nbgrader,
    stderr_progress,
)
from autograder.course_gradebook import (
    grade_missing_notebooks_before,
    store_missing_notebook_grades,
)
from autograder.course_notebooks import course_notebook_paths, has_plain_test_cells


def submit(course: Course, student: str, folder: str | os.PathLike) -> Path:
    """Copy a student-shaped folder into ``submitted/<student>/training_nn`` (replacing it)."""
    check_student_id(student)
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseError(f"submission folder {folder} does not exist")
    dest = course.submitted(student)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(folder, dest, symlinks=True, ignore=SKIP)
    return dest


def check_student_id(student: str) -> None:
    if not student or student.startswith(".") or any(c in student for c in "/\\*?[] \t\n"):
        raise CourseError(f"invalid student id {student!r} (use letters, digits, '-', '_')")


@dataclass
class AutogradeResult:
    """What autograding one submission did."""

    student: str
    ok: bool
    seconds: float
    message: str = ""


def autograde_submission(course: Course, student: str, execute: bool = False) -> AutogradeResult:
    """Autograde one submission through nbgrader and the trusted grader, into the gradebook.

    One call grades one submission completely (this is the unit a parallel
    run distributes). Notebooks missing from the submission still have their
    tasks graded from the submitted modules.
    """
    start = time.perf_counter()
    folder = course.submitted(student)
    if not folder.is_dir():
        return AutogradeResult(student, False, 0.0, f"no submission in {folder}")
    try:
        # Before any notebook runs: grade the tasks of notebooks the student did not hand in.
        missing = grade_missing_notebooks_before(course, student)
        if not course_notebook_paths(folder):
            # Nothing for nbgrader to run; drop what an earlier autograde left.
            shutil.rmtree(course.autograded(student), ignore_errors=True)
        else:
            run_nbgrader(
                course,
                ["autograde", ASSIGNMENT, "--student", student, "--force"],
                f"autograde-{student}",
                {"CS231N_EXECUTE_NOTEBOOKS": "1" if execute else "0", "NBGRADER_EXECUTION": "1"},
            )
        store_missing_notebook_grades(course, student, missing)
    except CourseError as exc:
        return AutogradeResult(student, False, time.perf_counter() - start, str(exc))
    except Exception as exc:  # one broken submission must not stop the class
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return AutogradeResult(student, False, time.perf_counter() - start, message)
    return AutogradeResult(student, True, time.perf_counter() - start)


def autograde(
    course: Course,
    students: Iterable[str] | None = None,
    jobs: int = 1,
    progress: Progress = stderr_progress,
    execute: bool = False,
    dask_scheduler: str | None = None,
) -> list[AutogradeResult]:
    """Autograde the given students (default: every submission) into the gradebook.

    Each submission is graded in a private scratch course (one at a time, in
    ``jobs`` local worker processes, or on the Dask cluster at
    ``dask_scheduler``) and only this process writes the gradebook, one
    transaction per submission: see ``autograder.course_parallel``.
    """
    from autograder.course_parallel import autograde_class

    if jobs < 1:
        raise CourseError("--jobs must be at least 1")
    names = list(dict.fromkeys(students)) if students is not None else course.students()
    for name in names:
        check_student_id(name)
        if not course.submitted(name).is_dir():
            raise CourseError(f"no submission for {name!r} in {course.root / 'submitted'}")
    if not names:
        raise CourseError(f"no submissions in {course.root / 'submitted'}")
    if not execute and has_plain_test_cells(course.source):
        progress("[autograde] the notebooks have plain nbgrader test cells: executing them")
        execute = True
    graded = autograde_class(course, names, execute, jobs=jobs, dask_scheduler=dask_scheduler,
                             progress=progress)
    return [AutogradeResult(g.student, g.ok, g.seconds, g.message) for g in graded]
