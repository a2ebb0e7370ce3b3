"""Submissions and autograde: one submission is graded completely by one function call.

``autograde_submission`` grades one submission of a course directly into its
gradebook; ``autograde`` (the command) runs it for each submission in a
private scratch course and merges the results: see ``autograder.course_parallel``.

Before nbgrader sees a submission it is inspected (``inspect_submission``).
When something in it would stop nbgrader or leak through it, nbgrader and the
trusted grader work on a staged copy instead (the submitted files are never
changed): a course notebook that cannot be read (not UTF-8, not JSON, not a
notebook, a symbolic link) is left out and graded like a missing one, with the
reason in the feedback of its tasks; symbolic links (nbgrader's copy would
follow them, putting e.g. the gradebook into the student's feedback), special
files and names that are not valid UTF-8 are left out, with a note in the
student's autograde log. When notebooks are executed, their kernels run in the
bubblewrap sandbox where it is available (``autograder.kernel_sandbox``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
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
    MissingNotebooks,
    grade_missing_notebooks_before,
    store_missing_notebook_grades,
)
from autograder.course_notebooks import course_notebook_paths, has_plain_test_cells
from autograder.registry import NOTEBOOKS

SKIP_NAMES = frozenset({"__pycache__", ".ipynb_checkpoints"})


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


# --------------------------------------------------------------------------- staging


@dataclass
class Inspection:
    """What in a submission nbgrader must not see."""

    unreadable: dict[str, str] = field(default_factory=dict)  # notebook stem -> why, one line
    left_out: dict[str, str] = field(default_factory=dict)  # relative path (printable) -> why

    @property
    def clean(self) -> bool:
        return not self.unreadable and not self.left_out


def printable(name: str) -> str:
    """A file name as text, with bytes that are not UTF-8 shown as escapes."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _utf8_name(name: str) -> bool:
    try:
        os.fsencode(name).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def notebook_problem(path: Path) -> str | None:
    """Why nbgrader could not read the notebook at ``path`` (one line), or None."""
    import nbformat

    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link, not the notebook file itself"
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file"
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (f"it is not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start}; save it again from Jupyter)")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return (f"it is not valid JSON ({exc.msg}: line {exc.lineno} column {exc.colno}; "
                f"the file is damaged or cut off)")
    try:
        # Not validated: nbgrader copes with small schema slips (it only logs them).
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        return f"it is not a valid Jupyter notebook ({first})"
    return None


def inspect_submission(folder: Path) -> Inspection:
    """Find what in ``folder`` nbgrader cannot read or must not follow (reads, never writes)."""
    found = Inspection()

    def walk(directory: Path, rel: str) -> None:
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            name = f"{rel}{printable(entry.name)}"
            if entry.name in SKIP_NAMES:
                continue
            if not _utf8_name(entry.name):
                found.left_out[name] = "its name is not valid UTF-8"
            elif entry.is_symlink():
                found.left_out[name] = "it is a symbolic link (only regular files are graded)"
            elif entry.is_dir(follow_symlinks=False):
                walk(Path(entry.path), f"{name}/")
            elif not entry.is_file(follow_symlinks=False):
                found.left_out[name] = "it is not a regular file"

    walk(folder, "")
    for stem in NOTEBOOKS:
        path = folder / f"{stem}.ipynb"
        if path.is_symlink() or path.exists():
            problem = notebook_problem(path)
            if problem:
                found.unreadable[stem] = problem
                found.left_out.pop(path.name, None)  # said once, in the task feedback
    return found


def stage_submission(folder: Path, dest: Path, found: Inspection) -> None:
    """Copy ``folder`` to ``dest`` without what ``found`` leaves out (regular files only)."""
    dest.mkdir(parents=True)
    skipped = {f"{stem}.ipynb" for stem in found.unreadable}
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        rel = base.relative_to(folder)
        dirs[:] = [d for d in dirs if d not in SKIP_NAMES and _utf8_name(d)
                   and not (base / d).is_symlink() and not (rel == Path(".") and d in skipped)]
        for d in dirs:
            (dest / rel / d).mkdir()
        for name in files:
            path = base / name
            if (not _utf8_name(name) or (rel == Path(".") and name in skipped)
                    or not stat.S_ISREG(path.lstat().st_mode)):
                continue
            shutil.copy2(path, dest / rel / name, follow_symlinks=False)


@dataclass(frozen=True)
class StagedCourse(Course):
    """The course, with submissions read from a staged copy instead of ``submitted/``."""

    staged: Path = Path()

    def submitted(self, student: str) -> Path:
        return self.staged / student / ASSIGNMENT


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
    from autograder.sandbox import sandbox_available

    if not sandbox_available():
        return []
    return ["--Execute.kernel_manager_class=autograder.kernel_sandbox.SandboxedKernelManager"]


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
    try:
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
        missing = grade_missing_notebooks_before(graded, student)
        _explain_unreadable(missing, found.unreadable)
        log_name = f"autograde-{student}"
        if not course_notebook_paths(graded.submitted(student)):
            # Nothing for nbgrader to run; drop what an earlier autograde left.
            shutil.rmtree(course.autograded(student), ignore_errors=True)
        else:
            run_nbgrader(
                graded,
                ["autograde", ASSIGNMENT, "--student", student, "--force", *extra_args,
                 *kernel_args],
                log_name,
                {"CS231N_EXECUTE_NOTEBOOKS": "1" if execute else "0", "NBGRADER_EXECUTION": "1",
                 **ONE_BLAS_THREAD},
            )
        store_missing_notebook_grades(graded, student, missing)
        notes = _staging_notes(found)
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
    if execute:
        from autograder.sandbox import sandbox_available

        progress("[autograde] notebook kernels run in the bubblewrap sandbox" if sandbox_available()
                 else f"[autograde] {NO_ISOLATION_KERNEL}")
    graded = autograde_class(course, names, execute, jobs=jobs, dask_scheduler=dask_scheduler,
                             progress=progress)
    return [AutogradeResult(g.student, g.ok, g.seconds, g.message) for g in graded]
