"""Class-scale autograde: submissions graded in parallel, the gradebook written by one process.

Design
------
Plain ``nbgrader autograde`` writes into the course gradebook while it grades
(one commit per cell), so two submissions graded at once contend for the
SQLite file, and a run killed half-way leaves half-written scores. Here the
grading and the writing are split:

* **Task** (``grade_in_scratch``, one per submission; runs in the coordinating
  process for ``--jobs 1``, in a local process pool for ``--jobs N`` and on a
  Dask worker for ``--dask-scheduler``): builds a private scratch course in a
  temporary folder (the course's ``nbgrader_config.py`` and ``source/``, the
  student's ``submitted/<student>/`` and a consistent snapshot of the
  gradebook taken with SQLite's backup API), runs the unchanged one-submission
  autograde there (``autograde_one.autograde_submission``: nbgrader plus the
  trusted grader), and returns plain data: the autograde-owned fields of the
  student's gradebook rows (submission timestamp, per-notebook late penalty,
  per-cell ``auto_score`` / ``needs_manual_grade`` and ``auto_comment``), the
  files of ``autograded/<student>/`` (bytes and modes), and the nbgrader log.
  The task never writes into the course directory; it only reads it. Dask
  workers therefore need the course directory at the same path (a shared
  file system), read-only.
* **Coordinator** (``store_result``, only ever in the process that started
  the run, one submission at a time): installs ``autograded/<student>/`` by
  writing a new folder next to it and renaming it into place, then writes the
  student's rows into the real gradebook in ONE SQLite transaction (rows are
  created with nbgrader's own model classes exactly as
  ``Gradebook.add_submission`` does, but committed once). A reader sees either
  the old scores of a student or the new ones, never a mix.

Consequences: killing ``autograde`` at any point (SIGKILL) loses at most the
submissions not yet written, and the next run grades them again (a re-run
always grades every selected submission, so it ends with exactly the gradebook
of an uninterrupted run); re-running on a graded class rewrites the same
values; a resubmission touches only its own student's rows; manual scores and
comments are never touched. Results do not depend on the backend, since every
backend runs the same task and the same coordinator code. Scratch folders of
a killed run are removed by the next run on the same machine (those left on
other Dask machines stay in their temporary directory).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

from autograder.course.autograde_one import (
    NO_ISOLATION_KERNEL,
    AutogradeResult,
    autograde_submission,
)
from autograder.course.gradebook import open_gradebook, student_totals
from autograder.course.layout import (
    ASSIGNMENT,
    GENERATED_CONFIG,
    SKIP,
    Course,
    CourseError,
    Progress,
    stderr_progress,
)
from autograder.course.limits import course_limits
from autograder.course.manual_grades import keep_manual_grades
from autograder.course.submissions import (
    Inspection,
    chosen_submissions,
    inspect_submission,
    stage_submission,
)
from autograder.grade_cells import has_plain_test_cells
from autograder.isolation.processes import die_with_parent, kill_tree
from autograder.isolation.sandbox import (
    NO_ISOLATION_NOTICE,
    SandboxUnavailable,
    require_isolation,
    sandbox_available,
)

SCRATCH_PREFIX = "cs231n-autograde-"  # + <pid of the grading process>-<student>-<random>
OLD_PREFIX = ".old-"
NEW_PREFIX = ".new-"


@dataclass
class GradedSubmission:
    """What one task returns: plain, picklable data about one autograded submission."""

    student: str
    ok: bool
    seconds: float
    message: str = ""
    # Autograde-owned gradebook fields of the student's submission (None when not ok).
    record: dict | None = None
    # Files of autograded/<student>/training_nn: relative path -> (mode, bytes); None: no folder.
    files: dict[str, tuple[int, bytes]] | None = None
    logs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # damage to the submission, one line each
    # The submission's points and the assignment's maximum, as graded (None when not ok).
    score: float | None = None
    max_score: float | None = None


class _Pending(Protocol):
    """A future of one grading task: concurrent.futures' or Dask's."""

    def result(self) -> GradedSubmission: ...


# --------------------------------------------------------------------------- the task


def snapshot_gradebook(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite gradebook, read-only on the source (backup API)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=120)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def make_scratch_course(course_root: Path, student: str, scratch: Path,
                        folder: Path | None = None) -> tuple[Course, Inspection]:
    """A private course in ``scratch`` holding what autograding ``student`` reads.

    The submission is inspected where it lies (``submitted/<student>/training_nn``,
    or ``folder``) and only what passes (regular files within the course's size
    limits) is staged into the scratch course: nothing of it is copied before it
    is checked.
    """
    for name in ("nbgrader_config.py", GENERATED_CONFIG):
        if (course_root / name).is_file():
            shutil.copy2(course_root / name, scratch / name)
    shutil.copytree(course_root / "source", scratch / "source", ignore=SKIP)
    course = Course(scratch)
    limits = course_limits(course.config)
    folder = folder or Course(course_root).submitted(student)
    found = inspect_submission(folder, limits, course.source)
    stage_submission(folder, course.submitted(student), found, limits)
    snapshot_gradebook(course_root / "gradebook.db", scratch / "gradebook.db")
    return course, found


def read_record(course: Course, student: str) -> dict:
    """The autograde-owned fields of ``student``'s gradebook rows, as plain data."""

    with open_gradebook(course) as gb:
        sub = gb.find_submission(ASSIGNMENT, student)
        notebooks = {}
        for nb in sub.notebooks:
            notebooks[nb.name] = {
                "late_submission_penalty": nb.late_submission_penalty,
                "grades": {g.name: (g.auto_score, bool(g.needs_manual_grade)) for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
        return {"timestamp": sub.timestamp, "notebooks": notebooks}


def read_files(folder: Path) -> dict[str, tuple[int, bytes]] | None:
    if not folder.is_dir():
        return None
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(folder).as_posix()] = (path.stat().st_mode & 0o777,
                                                          path.read_bytes())
    return files


def grade_in_scratch(course_root: str, student: str, execute: bool = False,
                     folder: str | None = None) -> GradedSubmission:
    """Autograde one submission in a private scratch course; return plain data.

    The submission is ``submitted/<student>/training_nn``, or ``folder`` (one that
    holds the same files, e.g. a stored attempt). Reads the course directory, never
    writes to it. Runs in any process (a pool worker, a Dask worker, or the
    coordinator itself).
    """

    start = time.perf_counter()
    root = Path(course_root)
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-{student}-"))
    try:
        course, found = make_scratch_course(root, student, scratch,
                                            Path(folder) if folder else None)
        result = autograde_submission(course, student, execute=execute, staged=found)
        logs = {p.name: p.read_text(errors="replace") for p in sorted(course.logs.glob("*.log"))}
        if not result.ok:
            return GradedSubmission(student, False, time.perf_counter() - start, result.message,
                                    logs=logs)
        totals = student_totals(course, student)
        return GradedSubmission(student, True, time.perf_counter() - start, notes=result.notes,
                                record=read_record(course, student),
                                files=read_files(course.autograded(student)), logs=logs,
                                score=totals.score, max_score=totals.max)
    except Exception as exc:  # one broken submission must not stop the class
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return GradedSubmission(student, False, time.perf_counter() - start, message,
                                logs={"traceback.log": traceback.format_exc()})
    finally:
        _rmtree(scratch)


def drop_stale_scratch() -> None:
    """Remove this machine's scratch courses whose grading process is gone (a killed run)."""
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = path.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            _rmtree(path)
        except OSError:
            pass  # alive, another user's process


def _rmtree(path: Path) -> None:
    def writable(func: Callable[[str], object], name: str, exc: object) -> None:
        error = exc[1] if isinstance(exc, tuple) else exc  # onerror gives exc_info, onexc the error
        try:
            if isinstance(error, FileNotFoundError):
                return  # gone meanwhile: two runs clearing the same stale folder of a killed run
            os.chmod(os.path.dirname(name), 0o755)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, 0o755)
            func(name)
        except FileNotFoundError:
            pass

    if path.exists():
        try:
            shutil.rmtree(path, onexc=writable)  # type: ignore[call-arg]  # Python >= 3.12
        except TypeError:
            shutil.rmtree(path, onerror=writable)


# --------------------------------------------------------------------------- the coordinator


def install_autograded(course: Course, student: str,
                       files: dict[str, tuple[int, bytes]] | None) -> None:
    """Replace ``autograded/<student>/training_nn`` by ``files`` (new folder renamed in)."""
    target = course.autograded(student)
    parent = target.parent
    if parent.is_dir():  # leftovers of a killed run
        for stale in parent.glob(f"{OLD_PREFIX}*"):
            _rmtree(stale)
        for stale in parent.glob(f"{NEW_PREFIX}*"):
            _rmtree(stale)
    if files is None:
        _rmtree(target)
        return
    parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f"{NEW_PREFIX}{ASSIGNMENT}-", dir=parent))
    for rel, (mode, data) in files.items():
        path = new / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, mode)
    os.chmod(new, 0o755)
    if target.exists():
        old = parent / f"{OLD_PREFIX}{ASSIGNMENT}-{os.getpid()}"
        os.rename(target, old)
        os.rename(new, target)
        _rmtree(old)
    else:
        os.rename(new, target)


def write_record(course: Course, student: str, record: dict) -> None:
    """Write one student's autograde fields into the gradebook in a single transaction."""
    from nbgrader.api import (
        Comment,
        Grade,
        MissingEntry,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )


    with open_gradebook(course) as gb:
        db = gb.db
        try:
            try:
                person = gb.find_student(student)
            except MissingEntry:
                person = Student(id=student)
                db.add(person)
            try:
                sub = gb.find_submission(ASSIGNMENT, student)
            except MissingEntry:
                # As Gradebook.add_submission builds it, without its commit.
                sub = SubmittedAssignment(assignment=gb.find_assignment(ASSIGNMENT),
                                          student=person)
                for notebook in sub.assignment.notebooks:
                    nb = SubmittedNotebook(notebook=notebook, assignment=sub)
                    for cell in notebook.grade_cells:
                        Grade(cell=cell, notebook=nb)
                    for cell in notebook.solution_cells:
                        Comment(cell=cell, notebook=nb)
                    for cell in notebook.task_cells:
                        Comment(cell=cell, notebook=nb)
                        Grade(cell=cell, notebook=nb)
                db.add(sub)
            timestamp = record.get("timestamp")
            sub.timestamp = timestamp if isinstance(timestamp, datetime) or timestamp is None \
                else datetime.fromisoformat(str(timestamp))
            for nb in sub.notebooks:
                rec = record["notebooks"].get(nb.notebook.name)
                if rec is None:
                    continue
                nb.late_submission_penalty = rec["late_submission_penalty"]
                for grade in nb.grades:
                    if grade.cell.name in rec["grades"]:
                        grade.auto_score, grade.needs_manual_grade = rec["grades"][grade.cell.name]
                for comment in nb.comments:
                    if comment.cell.name in rec["comments"]:
                        comment.auto_comment = rec["comments"][comment.cell.name]
            db.commit()
        except BaseException:
            db.rollback()
            raise


def recover_gradebook(course: Course) -> None:
    """Roll back what a killed writer left (a hot journal) before tasks read snapshots.

    A read-write connection rolls a hot journal back on its first read; the
    tasks' read-only connections could not.
    """
    con = sqlite3.connect(course.gradebook, timeout=120)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        con.close()


def write_logs(course: Course, logs: dict[str, str]) -> None:
    course.logs.mkdir(exist_ok=True)
    for name, text in logs.items():
        target = course.logs / name
        tmp = target.with_name(f".{name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, target)


def store_result(course: Course, result: GradedSubmission) -> None:
    """Coordinator only: install a graded submission (autograded folder, then gradebook rows)."""
    write_logs(course, result.logs)
    if not result.ok or result.record is None:
        return
    # Before the new autograded folder replaces the one the grader saw.
    keep_manual_grades(course, result.student, result.record, result.files)
    install_autograded(course, result.student, result.files)
    write_record(course, result.student, result.record)


# --------------------------------------------------------------------------- backends


Task = Callable[[str, str, bool], GradedSubmission]


def run_serial(root: str, students: list[str], execute: bool) -> Iterator[GradedSubmission]:
    for student in students:
        yield grade_in_scratch(root, student, execute)


def _start_pool_worker(coordinator: int, temporary: str) -> None:
    """In each pool worker: die with the coordinator, make temporary files in its folder."""
    die_with_parent(coordinator)
    tempfile.tempdir = temporary


def run_pool(root: str, students: list[str], execute: bool,
             jobs: int) -> Iterator[GradedSubmission]:
    """A local process pool (spawned workers: nothing of the coordinator's state is inherited).

    The workers die with the coordinator (parent-death signal); when the run is
    interrupted they are killed at once with all they started, rather than waited for.
    A killed worker runs no exit hook, so everything the workers stage under the
    temporary directory (scratch courses, their warm nbgrader servers' folders) goes in
    one folder of the run, which the coordinator removes at the end, interrupted or not.
    """
    temporary = tempfile.mkdtemp(prefix="cs231n-workers-")
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                                 initializer=_start_pool_worker,
                                 initargs=(os.getpid(), temporary)) as pool:
            try:
                futures = {pool.submit(grade_in_scratch, root, s, execute): s for s in students}
                for future in as_completed(futures):
                    yield _result_of(future, futures[future])
            except BaseException:  # Ctrl-C, or the caller stopped early
                # concurrent.futures keeps its worker processes by pid in _processes.
                workers = list(getattr(pool, "_processes", None) or {})
                pool.shutdown(wait=False, cancel_futures=True)
                for pid in workers:
                    kill_tree(pid)
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def dask_client(address: str) -> Any:  # a distributed.Client (Dask is optional)
    """A client of the Dask scheduler at ``address``; CourseError without Dask or scheduler."""
    try:
        from distributed import Client
    except ModuleNotFoundError:
        raise CourseError("--dask-scheduler needs Dask: pip install 'cs231n-training-nn[dask]' "
                          "(or pip install 'dask[distributed]')") from None
    try:
        return Client(address, timeout="10s")
    except OSError as exc:
        raise CourseError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def run_dask(root: str, students: list[str], execute: bool,
             address: str) -> Iterator[GradedSubmission]:
    """The same tasks on a Dask distributed cluster (workers must see the course directory)."""
    client = dask_client(address)
    from distributed import as_completed as dask_completed

    try:
        futures = {client.submit(grade_in_scratch, root, s, execute, pure=False,
                                 key=f"autograde-{s}-{time.time_ns()}"): s for s in students}
        for future in dask_completed(list(futures)):
            yield _result_of(future, futures[future])
    finally:
        client.close()


def _result_of(future: _Pending, student: str) -> GradedSubmission:
    try:
        return future.result()
    except Exception as exc:  # a worker died: this submission failed, the class goes on
        return GradedSubmission(student, False, 0.0, f"worker failed: {type(exc).__name__}: {exc}")


def autograde_class(
    course: Course,
    students: list[str],
    execute: bool,
    jobs: int = 1,
    dask_scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[GradedSubmission]:
    """Grade ``students`` on the chosen backend; store each result as it arrives.

    Returns the results in the order of ``students``.
    """
    root = str(course.root)
    recover_gradebook(course)
    drop_stale_scratch()
    if dask_scheduler:
        stream = run_dask(root, students, execute, dask_scheduler)
        where = f"on the Dask cluster at {dask_scheduler}"
    elif jobs > 1 and len(students) > 1:
        stream = run_pool(root, students, execute, jobs)
        where = f"with {jobs} local worker processes"
    else:
        stream = run_serial(root, students, execute)
        where = "one at a time"
    say = progress or (lambda _msg: None)
    say(f"[autograde] {len(students)} submission(s) {where}")

    done: dict[str, GradedSubmission] = {}
    start = time.perf_counter()
    for result in stream:
        store_result(course, result)
        done[result.student] = result
        tag = f"[autograde {len(done)}/{len(students)}] {result.student}"
        if result.ok:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                totals = student_totals(course, result.student)
            say(f"{tag}: {totals.text()} ({result.seconds:.1f} s)")
            for note in result.notes:
                say(f"{tag}: note: {note}")
        else:
            say(f"{tag}: FAILED ({result.seconds:.1f} s): {result.message}")
    say(f"[autograde] {len(done)} submission(s) in {time.perf_counter() - start:.1f} s")
    return [done[s] for s in students if s in done]


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
    transaction per submission: see ``autograder.course.autograde``.
    """

    if jobs < 1:
        raise CourseError("--jobs must be at least 1")
    names = chosen_submissions(course, students)
    try:  # before anything runs: no student code without isolation unless opted out
        isolated = require_isolation()
    except SandboxUnavailable as exc:
        raise CourseError(str(exc)) from None
    if not isolated:
        progress(f"[autograde] {NO_ISOLATION_NOTICE}")
    if not execute and has_plain_test_cells(course.source):
        progress("[autograde] the notebooks have plain nbgrader test cells: executing them")
        execute = True
    if execute:

        progress("[autograde] notebook kernels run in the bubblewrap sandbox" if sandbox_available()
                 else f"[autograde] {NO_ISOLATION_KERNEL}")
    graded = autograde_class(course, names, execute, jobs=jobs, dask_scheduler=dask_scheduler,
                             progress=progress)
    return [AutogradeResult(g.student, g.ok, g.seconds, g.message, g.notes) for g in graded]
