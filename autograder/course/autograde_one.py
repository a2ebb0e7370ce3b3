"""Autograding one submission completely: nbgrader's run and the trusted grader.

``autograde_submission`` grades one submission of a course directly into its
gradebook; it is the unit that ``autograder.course.autograde`` distributes.
When notebooks are executed, their kernels run in the bubblewrap sandbox where
it is available (``autograder.isolation.kernel_sandbox``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.course.config import autograde_limits
from autograder.course.gradebook import (
    MissingNotebooks,
    grade_missing_notebooks_before,
    out_of_time_grades,
    store_missing_notebook_grades,
)
from autograder.course.layout import (
    ASSIGNMENT,
    Course,
    CourseError,
    NbgraderTimeout,
    run_nbgrader,
)
from autograder.course.submissions import (
    Inspection,
    StagedCourse,
    inspect_submission,
    stage_submission,
)
from autograder.grade_cells import course_notebook_paths
from autograder.grading import OUT_OF_TIME
from autograder.isolation.sandbox import sandbox_available


@dataclass
class AutogradeResult:
    """What autograding one submission did."""

    student: str
    ok: bool
    seconds: float
    message: str = ""  # why it failed, or (ok) what the instructor must know


def time_limit_note(seconds: int) -> str:
    """The note of a submission whose autograde was stopped at its time limit."""
    return (f"TIME LIMIT: the autograde of this submission took longer than {seconds} s "
            f"(c.AutogradeLimits.submission_seconds) and was stopped; its unfinished tasks "
            f"got 0")


def _explain_unreadable(missing: MissingNotebooks, unreadable: dict[str, str]) -> None:
    """Say in the feedback of each task why its notebook counts as not submitted."""
    for task_id, (stem, points, text) in list(missing.grades.items()):
        if stem not in unreadable:
            continue
        said = f"notebook {stem}.ipynb was not submitted; graded from your cs231n_core.\n"
        reason = (f"notebook {stem}.ipynb could not be read: {unreadable[stem]}; "
                  f"its tasks were graded from your cs231n_core and its other cells got 0.\n")
        text = reason + text[len(said):] if text.startswith(said) else reason + text
        missing.grades[task_id] = (stem, points, text)


def _staging_notes(found: Inspection) -> str:
    lines = [f"[autograde] notebook {stem}.ipynb could not be read and was graded as missing: "
             f"{why}" for stem, why in found.unreadable.items()]
    lines += [f"[autograde] left out '{name}': {why}" for name, why in found.left_out.items()]
    return "".join(f"{line}\n" for line in lines)


NO_ISOLATION_KERNEL = ("WARNING: notebooks are executed WITHOUT isolation (bubblewrap unavailable "
                       "or disabled): their kernels can read and write what the grader can")


# Several submissions are graded at once (--jobs, Dask workers): a multi-threaded BLAS
# in every notebook kernel and grading worker would oversubscribe the cores (measured:
# --jobs 2 --execute 4x slower per submission than one at a time). One thread is also
# what the stored notebook outputs were made with.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def execution_args() -> list[str]:
    """nbgrader options that run the notebook kernel in the sandbox (when it is available)."""
    if not sandbox_available():
        return []
    manager = "autograder.isolation.kernel_sandbox.SandboxedKernelManager"
    return [f"--Execute.kernel_manager_class={manager}"]


# Paths nbgrader joins into its regular expressions unescaped (CourseDirectory.format_path).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_./-]+")


def autograde_submission(course: Course, student: str, execute: bool = False) -> AutogradeResult:
    """Autograde one submission through nbgrader and the trusted grader, into the gradebook.

    One call grades one submission completely (this is the unit a parallel
    run distributes). Notebooks missing from the submission, or that cannot
    be read, still have their tasks graded from the submitted modules.
    """
    start = time.perf_counter()
    folder = course.submitted(student)
    if not folder.is_dir():
        return AutogradeResult(student, False, 0.0, f"no submission in {folder}")
    stage_root: Path | None = None
    stopped = ""
    try:
        limit = autograde_limits(course).submission_seconds
        deadline = time.time() + limit
        # The trusted grader inside nbgrader stops a little earlier, so that nbgrader
        # still stores what it graded before the hard stop.
        stop_at = deadline - min(30.0, 0.2 * limit)
        found = inspect_submission(folder)
        graded, extra_args = course, []
        kernel_args = execution_args() if execute else []
        if not found.clean:
            stage_root = Path(tempfile.mkdtemp(prefix="cs231n_staged_"))
            staged = stage_root / "submitted"
            if not _PLAIN_PATH.fullmatch(str(staged)):
                raise CourseError(f"the temporary folder {staged} has characters nbgrader cannot "
                                  f"use in a path; set TMPDIR to a plain path")
            stage_submission(folder, staged / student / ASSIGNMENT, found)
            graded = StagedCourse(course.root, staged)
            extra_args = [f"--CourseDirectory.submitted_directory={staged}"]
        # Before any notebook runs: grade the tasks of notebooks the student did not hand in.
        missing = grade_missing_notebooks_before(graded, student, stop_at)
        _explain_unreadable(missing, found.unreadable)
        log_name = f"autograde-{student}"
        if not course_notebook_paths(graded.submitted(student)):
            # Nothing for nbgrader to run; drop what an earlier autograde left.
            shutil.rmtree(course.autograded(student), ignore_errors=True)
        else:
            try:
                run_nbgrader(
                    graded,
                    ["autograde", ASSIGNMENT, "--student", student, "--force", *extra_args,
                     *kernel_args, f"--TrustedGrades.stop_at={stop_at!r}"],
                    log_name,
                    {"CS231N_EXECUTE_NOTEBOOKS": "1" if execute else "0",
                     "NBGRADER_EXECUTION": "1", **ONE_BLAS_THREAD},
                    timeout=deadline - time.time(),
                )
            except NbgraderTimeout:
                # nbgrader and everything it started are gone; what it half-wrote goes too.
                stopped = time_limit_note(limit)
                shutil.rmtree(course.autograded(student), ignore_errors=True)
                missing = out_of_time_grades(graded, missing, f"not graded: {stopped}")
            else:
                said = (graded.logs / f"{log_name}.log").read_text(errors="replace")
                if OUT_OF_TIME in said:  # the trusted grader in nbgrader stopped at the limit
                    stopped = time_limit_note(limit)
        if any(OUT_OF_TIME in text for _, _, text in missing.grades.values()):
            stopped = time_limit_note(limit)
        store_missing_notebook_grades(graded, student, missing)
        notes = _staging_notes(found)
        if stopped:
            notes += f"[autograde] {stopped}\n"
        if execute and not kernel_args:
            notes += f"[autograde] {NO_ISOLATION_KERNEL}\n"
        if notes:
            course.logs.mkdir(exist_ok=True)
            with open(course.logs / f"{log_name}.log", "a") as log:
                log.write(notes)
    except CourseError as exc:
        return AutogradeResult(student, False, time.perf_counter() - start, str(exc))
    except Exception as exc:  # one broken submission must not stop the class
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return AutogradeResult(student, False, time.perf_counter() - start, message)
    finally:
        if stage_root is not None:
            shutil.rmtree(stage_root, ignore_errors=True)
    return AutogradeResult(student, True, time.perf_counter() - start, stopped)


