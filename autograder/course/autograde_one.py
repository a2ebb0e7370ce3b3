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
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.grade_beside import GradeBeside
from autograder.course.gradebook import (
    MissingNotebooks,
    assignment_task_ids,
    missing_notebook_grades,
    out_of_time_grades,
    store_missing_notebook_grades,
)
from autograder.course.layout import (
    ASSIGNMENT,
    Course,
    CourseError,
    NbgraderTimeout,
)
from autograder.course.limits import course_limits
from autograder.course.renamed import write_student_notes
from autograder.course.repair import NOTE_MARK
from autograder.course.submissions import (
    Inspection,
    StagedCourse,
    inspect_submission,
    stage_submission,
)
from autograder.course.warm_nbgrader import run_nbgrader_warm
from autograder.grade_cells import course_notebook_paths
from autograder.grading import OUT_OF_TIME
from autograder.isolation.sandbox import ONE_BLAS_THREAD, sandbox_available

MAX_NOTES = 20  # lines per kind of note; a hostile submission could make thousands
NOTE_PREFIX = "[autograde] "  # of the notes appended to the student's autograde log


@dataclass
class AutogradeResult:
    """What autograding one submission did."""

    student: str
    ok: bool
    seconds: float
    message: str = ""
    notes: list[str] = field(default_factory=list)  # damage the instructor should hear of


def time_limit_note(seconds: int) -> str:
    """The note of a submission whose autograde was stopped at its time limit."""
    return (f"TIME LIMIT: the autograde of this submission took longer than {seconds} s "
            f"(c.SubmissionLimits.max_seconds) and was stopped; its unfinished tasks got 0")


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


def staging_notes(found: Inspection) -> list[str]:
    """One line per notebook graded as missing and per file left out of the staged copy."""
    lines = [f"notebook {stem}.ipynb could not be read and was graded as missing: {why}"
             for stem, why in found.unreadable.items()]
    lines += found.notebooks.notes[:MAX_NOTES]
    names = list(found.left_out.items())
    lines += [f"left out '{name}': {why}" for name, why in names[:MAX_NOTES]]
    if len(names) > MAX_NOTES:
        lines.append(f"left out {len(names) - MAX_NOTES} more file(s)")
    return lines


def logged_notes(course: Course, student: str) -> list[str]:
    """The notes the last autograde of ``student`` wrote into its log (for the class report)."""
    path = course.logs / f"autograde-{student}.log"
    if not path.is_file():
        return []
    return [line[len(NOTE_PREFIX):] for line in path.read_text(errors="replace").splitlines()
            if line.startswith(NOTE_PREFIX) and line[len(NOTE_PREFIX):] != NO_ISOLATION_KERNEL]


def damage_notes(log: str) -> list[str]:
    """The cell repairs nbgrader's sanitize step logged (``autograder.course.repair``)."""
    return [line.split(NOTE_MARK, 1)[1].strip() for line in log.splitlines()
            if NOTE_MARK in line][:MAX_NOTES]


NO_ISOLATION_KERNEL = ("WARNING: notebooks are executed WITHOUT isolation (bubblewrap unavailable "
                       "or disabled): their kernels can read and write what the grader can")



def execution_args() -> list[str]:
    """nbgrader options that run the notebook kernel in the sandbox (when it is available)."""
    if not sandbox_available():
        return []
    manager = "autograder.isolation.kernel_sandbox.SandboxedKernelManager"
    return [f"--Execute.kernel_manager_class={manager}"]


# Paths nbgrader joins into its regular expressions unescaped (CourseDirectory.format_path).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_./-]+")


def autograde_submission(course: Course, student: str, execute: bool = False,
                         staged: Inspection | None = None) -> AutogradeResult:
    """Autograde one submission through nbgrader and the trusted grader, into the gradebook.

    One call grades one submission completely (this is the unit a parallel
    run distributes). Notebooks missing from the submission, or that cannot
    be read, still have their tasks graded from the submitted modules.
    ``staged``: the submission in ``course`` is already a staged copy, made
    from the inspection ``staged`` (its notes are reported).
    """
    start = time.perf_counter()
    folder = course.submitted(student)
    if not folder.is_dir():
        return AutogradeResult(student, False, 0.0, f"no submission in {folder}")
    stage_root: Path | None = None
    stopped = ""
    try:
        limits = course_limits(course.config)
        deadline = time.time() + limits.max_seconds
        # The trusted grader inside nbgrader stops a little earlier, so that nbgrader
        # still stores what it graded before the hard stop.
        stop_at = deadline - min(30.0, 0.2 * limits.max_seconds)
        found = staged if staged is not None else inspect_submission(folder, limits,
                                                                     course.source)
        graded, extra_args = course, []
        kernel_args = execution_args() if execute else []
        # How many of its notebooks execute at once (concurrent_execute, in the warm server).
        at_once = [f"--ConcurrentExecuteAutograde.execute_kernels={limits.execute_kernels}"]
        if staged is None and not found.clean:
            stage_root = Path(tempfile.mkdtemp(prefix="cs231n_staged_"))
            staged_dir = stage_root / "submitted"
            if not _PLAIN_PATH.fullmatch(str(staged_dir)):
                raise CourseError(f"the temporary folder {staged_dir} has characters nbgrader "
                                  f"cannot use in a path; set TMPDIR to a plain path")
            stage_submission(folder, staged_dir / student / ASSIGNMENT, found, limits)
            graded = StagedCourse(course.root, staged_dir)
            extra_args = [f"--CourseDirectory.submitted_directory={staged_dir}"]
        # Before any notebook runs, the trusted grader starts on a copy of the modules,
        # beside nbgrader (``grade_beside``): nbgrader's TrustedGrades reads its report.
        beside = GradeBeside(graded.submitted(student), assignment_task_ids(graded), stop_at)
        log_name = f"autograde-{student}"
        timed_out = False
        converts = bool(course_notebook_paths(graded.submitted(student)))
        try:
            if not converts:
                # Nothing for nbgrader to run; drop what an earlier autograde left.
                shutil.rmtree(course.autograded(student), ignore_errors=True)
            else:
                try:
                    # Forked from this process's warm nbgrader (no start-up per submission).
                    run_nbgrader_warm(
                        graded,
                        ["autograde", ASSIGNMENT, "--student", student, "--force", *extra_args,
                         *kernel_args, *(at_once if execute else []),
                         f"--TrustedGrades.stop_at={stop_at!r}",
                         f"--TrustedGrades.report_file={beside.report_file}"],
                        log_name,
                        {"CS231N_EXECUTE_NOTEBOOKS": "1" if execute else "0",
                         "NBGRADER_EXECUTION": "1", **ONE_BLAS_THREAD},
                        timeout=deadline - time.time(),
                    )
                except NbgraderTimeout:
                    timed_out = True
            # The tasks of notebooks the student did not hand in are graded from the same report.
            missing = missing_notebook_grades(graded, student, beside.report())
        finally:
            beside.close()
        _explain_unreadable(missing, found.unreadable)
        if timed_out:
            # nbgrader and everything it started are gone; what it half-wrote goes too.
            stopped = time_limit_note(limits.max_seconds)
            shutil.rmtree(course.autograded(student), ignore_errors=True)
            missing = out_of_time_grades(graded, missing, f"not graded: {stopped}")
        elif converts:
            ran = (graded.logs / f"{log_name}.log").read_text(errors="replace")
            if OUT_OF_TIME in ran:  # the trusted grader in nbgrader stopped at the limit
                stopped = time_limit_note(limits.max_seconds)
        if any(OUT_OF_TIME in text for _, _, text in missing.grades.values()):
            stopped = time_limit_note(limits.max_seconds)
        store_missing_notebook_grades(graded, student, missing)
        write_student_notes(course.autograded(student), found.notebooks)
        log_path = course.logs / f"{log_name}.log"
        said = log_path.read_text(errors="replace") if log_path.is_file() else ""
        notes = [*([stopped] if stopped else []), *staging_notes(found), *damage_notes(said)]
        lines = [*notes, *([NO_ISOLATION_KERNEL] if execute and not kernel_args else [])]
        if lines:
            course.logs.mkdir(exist_ok=True)
            with open(log_path, "a") as log:
                log.write("".join(f"{NOTE_PREFIX}{line}\n" for line in lines))
    except CourseError as exc:
        return AutogradeResult(student, False, time.perf_counter() - start, str(exc))
    except Exception as exc:  # one broken submission must not stop the class
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return AutogradeResult(student, False, time.perf_counter() - start, message)
    finally:
        if stage_root is not None:
            shutil.rmtree(stage_root, ignore_errors=True)
    return AutogradeResult(student, True, time.perf_counter() - start, notes=notes)


