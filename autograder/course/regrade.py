"""Grading chosen tasks again, for chosen students, and nothing else.

After a hidden check is fixed, or a task is added or given new points mid-term
(``autograder.course.update``), ``regrade`` grades only those tasks. Each submission is
inspected and staged as autograde stages it (its size limits, no link followed), and the
trusted grader grades the staged copy's modules (``grading.grade_submission``, in the
sandbox, within the submission's time limit), as autograde grades the tasks of a notebook
that was not handed in. No notebook runs and nbgrader does not: the results are written
through the gradebook in one transaction per student, into the ``auto_score`` of each
task's grade cell, out of the points the course released. Manual scores, overrides,
comments, the "graded" status and every other cell stay as they are; the late penalty is
worked out again whenever the scores are read.

The task's feedback goes where the feedback pages read it: the outputs of its grade cell
in the student's autograded notebook, or, for a notebook not handed in or a task added
after the hand-in, ``trusted_grades.json`` next to them.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from autograder.course.gradebook import (
    MISSING_FEEDBACK,
    missing_notebook_feedback,
    open_gradebook,
    student_totals,
)
from autograder.course.layout import ASSIGNMENT, Course, CourseError, Progress, stderr_progress
from autograder.course.limits import course_limits
from autograder.course.nbgrader_plugin import grade_outputs
from autograder.course.submissions import (
    chosen_submissions,
    inspect_submission,
    stage_submission,
)
from autograder.grade_cells import cell_task_id, grade_id_of
from autograder.grading import GradeReport, course_points, grade_submission
from autograder.isolation.sandbox import SandboxUnavailable, require_isolation
from autograder.registry import TASKS_BY_ID, Task


@dataclass
class Regraded:
    """What regrading one student did: each task's new points, or why it failed."""

    student: str
    ok: bool
    points: dict[str, float] = field(default_factory=dict)
    message: str = ""


def course_tasks(course: Course, task_ids: list[str]) -> dict[str, tuple[str, Task]]:
    """The tasks to regrade: task id -> (notebook, task with the course's points).

    CourseError for an id the registry does not know or a task the course has no grade
    cell for (add it to its notebook and run ``init --force`` first).
    """
    if not task_ids:
        raise CourseError("give at least one --task")
    unknown = [t for t in task_ids if t not in TASKS_BY_ID]
    if unknown:
        raise CourseError(f"unknown task id(s) {', '.join(unknown)}; see autograder/registry.py")
    with open_gradebook(course) as gb:
        try:
            cells = {c.name: (nb.name, float(c.max_score))
                     for nb in gb.find_assignment(ASSIGNMENT).notebooks for c in nb.grade_cells}
        except MissingEntry:
            cells = {}
    absent = [t for t in task_ids if grade_id_of(t) not in cells]
    if absent:
        raise CourseError(f"the course has no grade cell for {', '.join(absent)}: add it to its "
                          f"notebook and run `cs231n-course init {course.root} --force` first")
    chosen = {}
    for task_id in dict.fromkeys(task_ids):
        stem, points = cells[grade_id_of(task_id)]
        chosen[task_id] = (stem, replace(TASKS_BY_ID[task_id], points=points))
    return chosen


def grade_student(course: Course, student: str,
                  tasks: dict[str, tuple[str, Task]]) -> GradeReport:
    """The trusted grader's report on ``tasks`` of a staged copy of the submission."""
    limits = course_limits(course.config)
    folder = course.submitted(student)
    found = inspect_submission(folder, limits)
    with tempfile.TemporaryDirectory(prefix="cs231n-regrade-") as tmp:
        staged = Path(tmp) / ASSIGNMENT
        stage_submission(folder, staged, found, limits)
        return grade_submission(staged, task_ids=list(tasks),
                                stop_at=time.time() + limits.max_seconds)


def _write_notebook(path: Path, nb: nbformat.NotebookNode) -> None:
    """Replace an autograded notebook, keeping its mode (nbgrader writes them read-only)."""
    mode = path.stat().st_mode & 0o777
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    nbformat.write(nb, str(tmp))
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def store_feedback(course: Course, student: str, tasks: dict[str, tuple[str, Task]],
                   results: dict[str, tuple[float, str]], sandboxed: bool) -> None:
    """Each task's feedback into its grade cell's outputs, else into ``trusted_grades.json``."""
    folder = course.autograded(student)
    placed: set[str] = set()
    for stem in sorted({stem for stem, _ in tasks.values()}):
        path = folder / f"{stem}.ipynb"
        if not path.is_file():
            continue
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            task_id = cell_task_id(cell)
            if cell.cell_type == "code" and task_id in tasks and task_id not in placed:
                earned, text = results[task_id]
                cell.outputs = grade_outputs(tasks[task_id][1], earned, text, sandboxed)
                placed.add(task_id)
        _write_notebook(path, nb)
    rest = {t: results[t][1] for t in tasks if t not in placed}
    if not rest:
        return
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / MISSING_FEEDBACK
    texts = json.loads(target.read_text()) if target.is_file() else {}
    note = "" if sandboxed else "\n(graded WITHOUT sandbox isolation)"
    texts.update({t: text + note for t, text in rest.items()})
    if target.exists():
        os.chmod(target, 0o644)
    target.write_text(json.dumps(texts, indent=1))


def store_scores(course: Course, student: str, tasks: dict[str, tuple[str, Task]],
                 results: dict[str, tuple[float, str]]) -> None:
    """The tasks' automatic scores, in one transaction; nothing else of the student changes."""
    with open_gradebook(course) as gb:
        try:
            for task_id, (stem, _) in tasks.items():
                grade = gb.find_grade(grade_id_of(task_id), stem, ASSIGNMENT, student)
                grade.auto_score = results[task_id][0]
                if grade.manual_score is None:  # a task added mid-term was queued till now
                    grade.needs_manual_grade = False
            gb.db.commit()
        except MissingEntry:
            gb.db.rollback()
            raise CourseError(f"{student} has not been autograded yet: run `cs231n-course "
                              f"autograde {course.root} --student {student}`") from None
        except BaseException:
            gb.db.rollback()
            raise


def regrade_student(course: Course, student: str,
                    tasks: dict[str, tuple[str, Task]]) -> Regraded:
    """Grade ``tasks`` of one submission again and write them; a failure is reported, not raised."""
    try:
        report = grade_student(course, student, tasks)
        folder = course.submitted(student)
        results = {}
        for r in report.tasks:
            stem, task = tasks[r.id]
            earned = min(max(course_points(r, task.points), 0.0), task.points)
            text = r.feedback
            if not (folder / f"{stem}.ipynb").is_file():
                text = missing_notebook_feedback(stem, text)
            results[r.id] = (earned, text)
        store_scores(course, student, tasks, results)
        store_feedback(course, student, tasks, results, report.sandboxed)
    except CourseError as exc:
        return Regraded(student, False, message=str(exc))
    except Exception as exc:  # one broken submission must not stop the class
        return Regraded(student, False, message=f"{type(exc).__name__}: {exc}".splitlines()[0])
    return Regraded(student, True, {t: p for t, (p, _) in results.items()})


def regrade(course: Course, task_ids: list[str], students: list[str] | None = None,
            progress: Progress = stderr_progress) -> list[Regraded]:
    """Regrade ``task_ids`` for ``students`` (default: every submission); see the docstring."""
    tasks = course_tasks(course, task_ids)
    names = chosen_submissions(course, students)
    try:
        require_isolation()
    except SandboxUnavailable as exc:
        raise CourseError(str(exc)) from None
    progress(f"[regrade] {', '.join(tasks)} for {len(names)} submission(s)")
    done = []
    for i, student in enumerate(names, 1):
        start = time.perf_counter()
        result = regrade_student(course, student, tasks)
        tag = f"[regrade {i}/{len(names)}] {student}"
        if result.ok:
            scores = ", ".join(f"{t} {p:g}/{tasks[t][1].points:g}"
                               for t, p in result.points.items())
            progress(f"{tag}: {scores}; total {student_totals(course, student).text()} "
                     f"({time.perf_counter() - start:.1f} s)")
        else:
            progress(f"{tag}: FAILED: {result.message}")
        done.append(result)
    return done
