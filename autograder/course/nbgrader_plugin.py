"""nbgrader plugin: the score of every registry grade cell comes from the trusted grader.

Plain nbgrader scores a grade cell by what the student's kernel printed into
it. Here the kernel's output of those cells is thrown away: ``TrustedGrades``
(an autograde preprocessor placed after ``Execute`` and before
``SaveAutoGrades``) grades the notebook's tasks with ``autograder.grading`` in
the instructor's process and writes, into each grade cell, a stdout stream
with the feedback and an ``execute_result`` holding the earned points, which
nbgrader's ``determine_grade`` reads as partial credit.

The grader reads a copy of the submission taken before any of the student's
notebooks ran (``snapshot_submission``, nbgrader's pre-convert hook), so code
run by the kernel during autograde cannot rewrite what gets graded.

Configured by the ``nbgrader_config.py`` that ``cs231n-course init`` writes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from nbformat import NotebookNode
from nbgrader import utils as nbgrader_utils
from nbgrader.api import Gradebook, MissingEntry, Notebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Integer, Unicode

from autograder.course.grade_beside import read_report
from autograder.course.repair import NBGRADER_KEYS, NOTE_MARK, ReleaseCell, repair_cells
from autograder.course.sanitize import TRUSTED_OUTPUT_KEY
from autograder.grade_cells import (
    cell_task_id,
    grade_id_of,
    new_grade_cell,
    notebook_tasks,
    restore_grade_cell,
    task_id_of,
)
from autograder.grading import GradeReport, TaskResult, course_points, grade_submission
from autograder.registry import TASKS_BY_ID, Task

# (student, assignment, notebook) -> grade ids of the test cells put back by the sanitize step;
# the autograde step of the same notebook, in the same process, scores them 0.
_RESTORED: dict[tuple[str, str, str], set[str]] = {}

# Submitted assignment folder (real path) -> snapshot taken before any kernel ran.
_SNAPSHOTS: dict[str, Path] = {}

# How long past its stop the report of the grading beside nbgrader may take to arrive.
REPORT_GRACE_SECONDS = 120.0

# (graded folder, seed, stop_at) -> the trusted grader's report on every task of the
# submission's notebooks. Made at its first notebook, read at the others: one sandboxed
# run per submission instead of one per notebook (each run starts a sandbox per module).
_REPORTS: dict[tuple[str, int | None, float | None], GradeReport] = {}


def _submission_key(folder: str | os.PathLike) -> str:
    return os.path.realpath(folder)


def snapshot_submission(assignment: str, student: str, notebooks: list[str]) -> None:
    """nbgrader pre-convert hook: copy the submission before its notebooks execute.

    Symlinks are copied as links (never followed); checkpoints and caches are skipped.
    """
    if not notebooks:
        return
    source = Path(notebooks[0]).parent
    key = _submission_key(source)
    drop_snapshot(assignment, student, notebooks)
    root = Path(tempfile.mkdtemp(prefix="cs231n-submission-"))
    target = root / source.name
    shutil.copytree(
        source,
        target,
        symlinks=True,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    _SNAPSHOTS[key] = target


def drop_snapshot(assignment: str, student: str, notebooks: list[str]) -> None:
    """nbgrader post-convert hook: delete the snapshot of this submission."""
    if not notebooks:
        return
    submitted = _submission_key(Path(notebooks[0]).parent)
    snapshot = _SNAPSHOTS.pop(submitted, None)
    graded = {submitted} | ({_submission_key(snapshot)} if snapshot is not None else set())
    for key in [k for k in _REPORTS if k[0] in graded]:
        del _REPORTS[key]
    if snapshot is not None:
        shutil.rmtree(snapshot.parent, ignore_errors=True)


@atexit.register
def _drop_all_snapshots() -> None:
    for snapshot in _SNAPSHOTS.values():
        shutil.rmtree(snapshot.parent, ignore_errors=True)
    _SNAPSHOTS.clear()
    _REPORTS.clear()


def grade_outputs(task: Task, points: float, feedback: str, sandboxed: bool) -> list[NotebookNode]:
    """The outputs of a graded grade cell: feedback on stdout, then the points as a float.

    ``points`` is clipped to [0, max] because nbgrader rejects partial credit
    above the maximum and turns a negative one into full marks.
    """
    max_points = float(task.points)
    earned = min(max(float(points), 0.0), max_points)
    text = f"{task.id}: {earned:g} / {max_points:g} points\n"
    if feedback:
        text += feedback.rstrip("\n") + "\n"
    if not sandboxed:
        text += "(graded WITHOUT sandbox isolation)\n"
    return [
        NotebookNode(output_type="stream", name="stdout", text=text),
        NotebookNode(
            output_type="execute_result",
            execution_count=None,
            metadata={TRUSTED_OUTPUT_KEY: {"task": task.id, "sandboxed": bool(sandboxed)}},
            data={"text/plain": repr(earned)},
        ),
    ]


class RestoreGradeCells(NbGraderPreprocessor):
    """Sanitize step before nbgrader's OverwriteCells: undo edits nbgrader cannot survive.

    Every nbgrader cell is repaired against the released notebook held in the
    gradebook (``autograder.course.repair``): edited flags, points, types and
    locked sources are restored, duplicated grade ids kept by one cell, unknown
    ones dropped, deleted grade cells put back (they score 0). Registry grade
    cells then get their source and metadata from the task registry. Keys
    nbgrader's metadata schema does not know are dropped from every cell.
    Without this, nbgrader fails the whole notebook on any of these edits.
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                release = release_cells(gb.find_notebook(info["notebook"], info["assignment"]))
            except MissingEntry:
                return nb, resources
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader")
            if isinstance(meta, dict):
                unknown = sorted(str(k) for k in meta if k not in NBGRADER_KEYS)
                if unknown:
                    self.log.warning("Cell %r: unknown nbgrader metadata %s removed",
                                     meta.get("grade_id"), ", ".join(unknown))
                    for key in unknown:
                        del meta[key]
        released = {c.grade_id: c.points for c in release if c.grade}
        for cell in nb.cells:
            # A task's grade cell is the course's: points changed since this hand-in
            # (``init --force``) are no damage.
            meta = cell.get("metadata", {}).get("nbgrader")
            if cell_task_id(cell) is not None and meta.get("grade_id") in released:
                meta["points"] = released[meta["grade_id"]]
        tasks = frozenset(g for g in released if task_id_of(g) is not None)
        repair = repair_cells(nb, release, tasks)
        for note in repair.notes:
            self.log.warning("%s %s.ipynb: %s", NOTE_MARK, info["notebook"], note)
        _RESTORED[_notebook_key(info)] = repair.restored
        for cell in nb.cells:
            task_id = cell_task_id(cell)
            if task_id is None:
                continue
            task = TASKS_BY_ID[task_id]
            task = replace(task, points=released.get(grade_id_of(task_id), task.points))
            if restore_grade_cell(cell, task):
                self.log.warning("Grade cell %s was edited; restored from the task registry",
                                 task_id)
        return nb, resources


def release_cells(notebook: Notebook) -> list[ReleaseCell]:
    """The nbgrader cells of a released notebook, from its gradebook entry, in release order."""
    grades = {c.name: c for c in notebook.grade_cells}
    solutions = {c.name for c in notebook.solution_cells}
    tasks = {c.name: c for c in notebook.task_cells}
    cells = []
    for cell in notebook.source_cells:
        graded = grades.get(cell.name) or tasks.get(cell.name)
        cells.append(ReleaseCell(
            grade_id=cell.name, cell_type=cell.cell_type, source=cell.source,
            checksum=cell.checksum, locked=bool(cell.locked), grade=cell.name in grades,
            solution=cell.name in solutions, task=cell.name in tasks,
            points=float(graded.max_score) if graded is not None else 0.0))
    return cells


def _notebook_key(info: dict) -> tuple[str, str, str]:
    return str(info["student"]), str(info["assignment"]), str(info["notebook"])


def deleted_cell_outputs() -> list[NotebookNode]:
    """The outputs of a test cell the student deleted: an error, so nbgrader scores it 0."""
    return [NotebookNode(output_type="error", ename="DeletedCell",
                         evalue="this cell was deleted from the submission; it scores 0",
                         traceback=[])]


class TrustedGrades(NbGraderPreprocessor):
    """Replace the outputs of registry grade cells with the trusted grader's result.

    For the notebook being autograded: every grade cell whose grade_id is a
    task of this notebook gets its source, type and points reset from the
    registry and its outputs replaced; a grade cell the student deleted is
    appended again (nbgrader alone would leave its score empty); duplicates of
    a grade cell lose their nbgrader metadata. Other cells are left alone.
    """

    seed = Integer(
        None,
        allow_none=True,
        help="Seed of the trusted grader's inputs (None: a fresh seed per grading run).",
    ).tag(config=True)
    stop_at = Float(
        None,
        allow_none=True,
        help="Wall-clock time (seconds since the epoch) by which the trusted grader stops: "
        "tasks not graded by then get 0 with a note. Set by autograde from the submission's "
        "time limit.",
    ).tag(config=True)
    report_file = Unicode(
        None,
        allow_none=True,
        help="The file where autograde puts the trusted grader's report on the submission, "
        "graded beside nbgrader (``grade_beside``). None: the submission is graded here, once, "
        "at its first notebook.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        notebook, assignment = info["notebook"], info["assignment"]
        self._zero_restored(nb, _RESTORED.pop(_notebook_key(info), set()))
        graded = self._gradebook_tasks(info["db_url"], notebook, assignment)
        if not graded:
            return nb, resources
        folder = self._submission_folder(resources)
        report = self._report(folder, info, [t.id for t in graded])
        self.log.info("Trusted grades of %d task(s) of %s", len(graded), notebook)
        for notice in getattr(report, "notices", []):
            self.log.warning("Trusted grader: %s", notice)
        results = {r.id: r for r in report.tasks}
        missing = [t.id for t in graded if t.id not in results]
        if missing:
            raise RuntimeError(f"the trusted grader returned no result for {', '.join(missing)}")

        done: set[str] = set()
        by_id = {t.id: t for t in graded}
        for cell in nb.cells:
            task_id = cell_task_id(cell)
            if task_id is None or task_id not in by_id:
                continue
            if task_id in done:
                cell.metadata.pop("nbgrader", None)
                continue
            self._fill(cell, by_id[task_id], results[task_id], report.sandboxed)
            done.add(task_id)
        for task in graded:
            if task.id not in done:
                self.log.warning("Grade cell %s was missing; added back at the end", task.id)
                cell = new_grade_cell(task)
                self._fill(cell, task, results[task.id], report.sandboxed)
                nb.cells.append(cell)
        return nb, resources

    def _report(self, folder: Path, info: dict, wanted: list[str]) -> GradeReport:
        """The trusted grader's report holding ``wanted``: the submission's, made once.

        The first notebook of a submission grades the tasks of all its notebooks that the
        gradebook knows; nbgrader then converts the others against the same report.
        Grading reads the snapshot taken before any kernel ran, so grading early changes
        nothing of what is graded.
        """
        if self.report_file:
            # Waits at most until the grader's stop plus a margin; nbgrader's own time
            # limit (autograde's) ends the run before that in any case.
            until = (self.stop_at or time.time()) + REPORT_GRACE_SECONDS
            return read_report(Path(self.report_file), until)
        key = (_submission_key(folder), self.seed, self.stop_at)
        report = _REPORTS.get(key)
        if report is None or not set(wanted) <= {r.id for r in report.tasks}:
            ids = set(wanted)
            for path in sorted(folder.glob("*.ipynb")):
                ids |= {t.id for t in self._gradebook_tasks(info["db_url"], path.stem,
                                                             info["assignment"])}
            self.log.info("Trusted grading of %d task(s) of the submission from %s",
                          len(ids), folder)
            report = grade_submission(folder, task_ids=sorted(ids), seed=self.seed,
                                      stop_at=self.stop_at)
            _REPORTS[key] = report
        return report

    @staticmethod
    def _zero_restored(nb: NotebookNode, restored: set[str]) -> None:
        """Test cells the student deleted were put back to be scored, and score 0."""
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if (meta.get("grade_id") in restored and cell.cell_type == "code"
                    and not meta.get("solution") and cell_task_id(cell) is None):
                cell.outputs = deleted_cell_outputs()

    def _fill(
        self, cell: NotebookNode, task: Task, result: TaskResult, sandboxed: bool
    ) -> None:
        if restore_grade_cell(cell, task):
            self.log.warning("Grade cell %s was edited; restored from the task registry", task.id)
        cell.metadata["nbgrader"]["checksum"] = nbgrader_utils.compute_checksum(cell)
        cell.outputs = grade_outputs(task, course_points(result, task.points), result.feedback,
                                     sandboxed)
        cell.execution_count = None

    @staticmethod
    def _gradebook_tasks(db_url: str, notebook: str, assignment: str) -> list[Task]:
        """This notebook's registry tasks that have a grade cell in the gradebook.

        Each with the points of its grade cell there: what the course released, which a
        change of the registry reaches only through ``init --force`` (``update``).
        """
        with Gradebook(db_url) as gb:
            try:
                points = {c.name: float(c.max_score)
                          for c in gb.find_notebook(notebook, assignment).grade_cells}
            except MissingEntry:
                return []
        return [replace(t, points=points[grade_id_of(t.id)]) for t in notebook_tasks(notebook)
                if grade_id_of(t.id) in points]

    def _submission_folder(self, resources: dict) -> Path:
        """The snapshot of the submission, else its submitted folder, else the notebook's folder."""
        coursedir = self._coursedir()
        if coursedir is not None:
            info = resources["nbgrader"]
            submitted = coursedir.format_path(
                coursedir.submitted_directory, info["student"], info["assignment"]
            )
            snapshot = _SNAPSHOTS.get(_submission_key(submitted))
            if snapshot is not None:
                return snapshot
            if os.path.isdir(submitted):
                self.log.warning("No snapshot of %s; grading it in place", submitted)
                return Path(submitted)
        return Path(resources.get("metadata", {}).get("path") or ".")

    def _coursedir(self) -> CourseDirectory | None:
        obj: object = self
        while obj is not None:
            coursedir = getattr(obj, "coursedir", None)
            if coursedir is not None:
                return coursedir
            obj = getattr(obj, "parent", None)
        return None


class HideHiddenTestOutputs(NbGraderPreprocessor):
    """Feedback step before ClearHiddenTests: errors of hidden-test cells lose their traceback.

    nbgrader's ClearHiddenTests removes hidden test code from a cell's source,
    but an error raised there keeps IPython's traceback, which quotes the
    hidden lines; only the error's name and message are kept.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict, index: int
    ) -> tuple[NotebookNode, dict]:
        if cell.cell_type == "code" and "BEGIN HIDDEN TESTS" in cell.source:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: "
                                           f"{output.get('evalue', '')}".rstrip(": ")]
        return cell, resources
