"""The trusted grade of a submission, made beside nbgrader instead of inside it.

An autograde task has two parts that do not depend on each other until the end:
the trusted grader (sandboxed workers, one per module, most of the task's CPU time)
and nbgrader's conversion of the notebooks (reading, repairing and writing them,
the gradebook's rows). ``GradeBeside`` starts the first in a thread of the grading
process before nbgrader runs, and nbgrader's ``TrustedGrades`` preprocessor reads
its report from a file (``--TrustedGrades.report_file``) when it reaches the first
grade cell. The task then takes about as long as the longer part, not their sum.

What is graded is a copy of the submission's ``cs231n_core`` taken before nbgrader
starts, so code a notebook kernel runs (``--execute``) cannot change it. The report
lies in a private folder of the grading process's ``/tmp``; a sandboxed kernel has a
/tmp of its own and never sees it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from autograder.grading import GradeReport, TaskResult, grade_submission

PACKAGE = "cs231n_core"
REPORT_NAME = "trusted_report.json"
POLL_SECONDS = 0.02


class BesideFailed(RuntimeError):
    """The trusted grade made beside nbgrader failed, or did not arrive in time."""


def write_report(path: Path, report: GradeReport | None, error: str = "") -> None:
    """Write ``report`` (or the grading's ``error``) to ``path`` in one step."""
    data = {"error": error} if report is None else asdict(report)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(data))
    os.replace(part, path)


def read_report(path: Path, wait_until: float) -> GradeReport:
    """The report at ``path``, waiting for it until ``wait_until`` (``time.time()``)."""
    while not path.is_file():
        if time.time() > wait_until:
            raise BesideFailed(f"the trusted grade did not arrive in {path}")
        time.sleep(POLL_SECONDS)
    data = json.loads(path.read_text())
    if "error" in data:
        raise BesideFailed(f"the trusted grading failed: {data['error']}")
    tasks = [TaskResult(**task) for task in data.pop("tasks")]
    return GradeReport(tasks=tasks, **data)


def _copy_package(folder: Path, into: Path) -> None:
    """``folder/cs231n_core`` as it is now; a link stays a link, a missing one stays missing."""
    source, target = folder / PACKAGE, into / PACKAGE
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif source.is_dir():
        shutil.copytree(source, target, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))


class GradeBeside:
    """Grade the tasks ``task_ids`` of the submission in ``folder`` in a thread, now.

    ``report_file`` is where nbgrader's ``TrustedGrades`` finds the report;
    ``report()`` waits for the thread and returns it (BesideFailed if it failed).
    ``close()`` removes the copy and the file.
    """

    def __init__(self, folder: Path, task_ids: list[str], stop_at: float | None) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="cs231n-beside-"))  # 0700
        self._copy = self._root / "submission"
        self._copy.mkdir()
        _copy_package(folder, self._copy)
        self.report_file = self._root / REPORT_NAME
        self._task_ids, self._stop_at = task_ids, stop_at
        self._report: GradeReport | None = None
        self._error = ""
        self._thread = threading.Thread(target=self._grade, daemon=True)
        self._thread.start()

    def _grade(self) -> None:
        try:
            self._report = grade_submission(self._copy, task_ids=self._task_ids,
                                            stop_at=self._stop_at)
        except Exception as exc:  # said to nbgrader and to the caller
            self._error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        write_report(self.report_file, self._report, self._error)

    def report(self) -> GradeReport:
        self._thread.join()
        if self._report is None:
            raise BesideFailed(f"the trusted grading failed: {self._error}")
        return self._report

    def close(self) -> None:
        self._thread.join()
        shutil.rmtree(self._root, ignore_errors=True)
