"""``cs231n-course demo``: a whole course run on a small class, offline, in one command.

The class: the perfect submission (the reference), the untouched release
(every task still a stub), and students with realistic bugs, each made by a
small text edit of the reference. All of them go through nbgrader autograde
with the trusted grader, get feedback pages, and end up in the gradebook table.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.course.autograde import autograde
from autograder.course.feedback import write_feedback
from autograder.course.gradebook import format_table, gradebook_scores
from autograder.course.layout import Course, CourseError, Progress, stderr_progress
from autograder.course.setup import init_course, write_solutions_folder
from autograder.course.submissions import submit


@dataclass(frozen=True)
class Bug:
    """One edit of a solved module: ``find`` must occur exactly once."""

    module: str
    find: str
    replace: str


@dataclass(frozen=True)
class BuggyStudent:
    student: str
    description: str
    bugs: tuple[Bug, ...]


BUGGY_STUDENTS: tuple[BuggyStudent, ...] = (
    BuggyStudent(
        "bug_affine_bias_adam",
        "affine forward without the bias; Adam without bias correction",
        (
            Bug("layers", "out = x.reshape(x.shape[0], -1) @ w + b",
                "out = x.reshape(x.shape[0], -1) @ w"),
            Bug("optim", "\n    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n",
                "\n    m_hat = m\n    v_hat = v\n"),
        ),
    ),
    BuggyStudent(
        "bug_batchnorm_variance",
        "batchnorm backward (graph) without the path through the variance",
        (Bug("normalization", "    dxc += (2.0 / N) * dvar * xc\n", ""),),
    ),
    BuggyStudent(
        "bug_dropout_scaling",
        "dropout without the 1/p scaling; softmax loss summed instead of averaged",
        (
            Bug("layers", "        mask /= p\n", ""),
            Bug("layers", "loss = -log_probs[rows, y].sum() / N",
                "loss = -log_probs[rows, y].sum()"),
        ),
    ),
)


def apply_bugs(folder: Path, bugs: tuple[Bug, ...]) -> None:
    """Edit the solved modules of a student-shaped folder in place."""
    for bug in bugs:
        path = folder / "cs231n_core" / f"{bug.module}.py"
        text = path.read_text()
        if text.count(bug.find) != 1:
            raise CourseError(
                f"demo bug {bug.find.strip()!r} no longer matches cs231n_core/{bug.module}.py "
                "exactly once; update autograder/course_demo.py"
            )
        path.write_text(text.replace(bug.find, bug.replace))


def build_class(course: Course, work: Path, progress: Progress) -> list[str]:
    """Write the demo class's folders under ``work`` and submit them; return the student ids."""
    perfect = write_solutions_folder(work / "perfect", course.source, progress=lambda _: None)
    students = {"perfect": perfect}
    stubs = work / "untouched_stubs"
    shutil.copytree(course.release, stubs)
    students["untouched_stubs"] = stubs
    for buggy in BUGGY_STUDENTS:
        folder = work / buggy.student
        shutil.copytree(perfect, folder)
        apply_bugs(folder, buggy.bugs)
        students[buggy.student] = folder
    for student, folder in students.items():
        submit(course, student, folder)
    progress(f"[demo] class of {len(students)}: perfect, untouched_stubs, "
             + ", ".join(f"{b.student} ({b.description})" for b in BUGGY_STUDENTS))
    return list(students)


def run_demo(
    directory: str | os.PathLike | None = None,
    assignment_dir: str | os.PathLike | None = None,
    jobs: int = 1,
    progress: Progress = stderr_progress,
) -> tuple[Path, str]:
    """Build, release, submit, autograde and give feedback; return (course dir, gradebook table)."""
    start = time.perf_counter()
    if directory is None:
        root = Path(tempfile.mkdtemp(prefix="cs231n-demo-"))
    else:
        root = Path(directory).resolve()
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise CourseError(f"{directory} is not empty; give a new folder for the demo")
        root.mkdir(parents=True, exist_ok=True)
    progress(f"[demo] working in {root}")
    course = init_course(root / "course", assignment_dir, progress=progress)
    students = build_class(course, root / "students", progress)
    results = autograde(course, students, jobs=jobs, progress=progress)
    failed = [r for r in results if not r.ok]
    if failed:
        raise CourseError(f"autograde failed for {failed[0].student}: {failed[0].message}")
    write_feedback(course, progress=lambda _: None)
    pages = course.root / "feedback" / "<student>" / "training_nn" / "index.html"
    progress(f"[demo] feedback pages: {pages}")
    table = format_table(gradebook_scores(course))
    progress(f"[demo] done in {time.perf_counter() - start:.0f} s")
    return course.root, table
