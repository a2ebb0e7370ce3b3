"""``cs231n-course demo``: a whole course run on a small class, offline, in one command.

The class: the perfect submission (the reference), the untouched release
(every task still a stub), and students with realistic bugs, each the reference with
the student's own version of a function or two. All of them go through nbgrader autograde
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
from autograder.mutation import Override, OverrideError, apply_override, drop, patch, replace


@dataclass(frozen=True)
class BuggyStudent:
    student: str
    description: str
    bugs: tuple[Override, ...]


# Each bug is a small edit of the student's version of one function (autograder.mutation).
BUGGY_STUDENTS: tuple[BuggyStudent, ...] = (
    BuggyStudent(
        "bug_affine_bias_adam",
        "affine forward without the bias; Adam without bias correction",
        (
            Override("layers", patch(
                "affine_forward", replace("x.reshape(x.shape[0], -1) @ w + b",
                                          "x.reshape(x.shape[0], -1) @ w"),
            )),
            Override("optim", patch(
                "adam",
                replace("m / (1 - beta1 ** t)", "m"),
                replace("v / (1 - beta2 ** t)", "v"),
            )),
        ),
    ),
    BuggyStudent(
        "bug_batchnorm_variance",
        "batchnorm backward (graph) without the path through the variance",
        (
            Override("normalization", patch(
                "batchnorm_backward", drop("dxc += 2.0 / N * dvar * xc"),
            )),
        ),
    ),
    BuggyStudent(
        "bug_dropout_scaling",
        "dropout without the 1/p scaling; softmax loss summed instead of averaged",
        (
            Override("layers", patch("dropout_forward", drop("mask /= p"))),
            Override("layers", patch(
                "softmax_loss",
                replace("-log_probs[rows, y].sum() / N", "-log_probs[rows, y].sum()"),
            )),
        ),
    ),
)


def apply_bugs(folder: Path, bugs: tuple[Override, ...]) -> None:
    """Apply each bug to its module of a student-shaped folder, in place."""
    for bug in bugs:
        path = folder / "cs231n_core" / f"{bug.module}.py"
        try:
            path.write_text(apply_override(path.read_text(), bug.change))
        except OverrideError as exc:
            raise CourseError(
                f"demo bug no longer fits cs231n_core/{bug.module}.py ({exc}); "
                "update autograder/course/demo.py"
            ) from exc


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


DEMO_STAGES = ("course and release", "class", "autograde", "feedback")


def run_demo(
    directory: str | os.PathLike | None = None,
    assignment_dir: str | os.PathLike | None = None,
    jobs: int = 1,
    progress: Progress = stderr_progress,
) -> tuple[Path, str]:
    """Build, release, submit, autograde and give feedback; return (course dir, gradebook table).

    ``jobs`` grading workers autograde the class (one, in this process, by default:
    for five students, starting workers costs more than it saves). Each stage is
    announced as ``[demo k/4]`` and timed.
    """
    start = time.perf_counter()
    if directory is None:
        root = Path(tempfile.mkdtemp(prefix="cs231n-demo-"))
    else:
        root = Path(directory).resolve()
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise CourseError(f"{directory} is not empty; give a new folder for the demo")
        root.mkdir(parents=True, exist_ok=True)
    progress(f"[demo] working in {root} ({jobs} grading worker(s))")
    stage_start = start

    def stage(number: int) -> None:
        """Close the previous stage (its time) and announce stage ``number`` (1-based)."""
        nonlocal stage_start
        now = time.perf_counter()
        if number > 1:
            progress(f"[demo {number - 1}/{len(DEMO_STAGES)}] {DEMO_STAGES[number - 2]}: "
                     f"done in {now - stage_start:.1f} s")
        stage_start = now
        if number <= len(DEMO_STAGES):
            progress(f"[demo {number}/{len(DEMO_STAGES)}] {DEMO_STAGES[number - 1]} ...")

    stage(1)
    course = init_course(root / "course", assignment_dir, progress=progress)
    stage(2)
    students = build_class(course, root / "students", progress)
    stage(3)
    results = autograde(course, students, jobs=jobs, progress=progress)
    failed = [r for r in results if not r.ok]
    if failed:
        raise CourseError(f"autograde failed for {failed[0].student}: {failed[0].message}")
    stage(4)
    # In this process: five students render faster with one process's caches of
    # highlighted and rendered cells than in workers that each import nbconvert first.
    write_feedback(course, progress=lambda _: None)
    pages = course.root / "feedback" / "<student>" / "training_nn" / "index.html"
    progress(f"[demo] feedback pages: {pages}")
    stage(len(DEMO_STAGES) + 1)
    table = format_table(gradebook_scores(course))
    progress(f"[demo] done in {time.perf_counter() - start:.0f} s")
    return course.root, table
