"""Changing a released course, submissions and all: a staged rebuild, swapped in whole.

nbgrader records a released assignment in the gradebook: its notebooks and their grade,
solution, task and source cells. Once anyone has handed in, ``nbgrader generate_assignment
--force`` refuses an added or removed cell ("Cannot add or remove cells ... because there
are submissions"), after ``--force`` has already removed ``release/``; the usual way
round it deletes the assignment from the gradebook, every grade with it. Here a change of
the notebooks, the stubs or the registry's points reaches a running course in three steps:

1. **Stage** (``stage``). In a folder of its own inside the course: the generated config,
   the new ``source/``, then ``nbgrader generate_assignment`` with a gradebook of its own
   (the release, and the records of its cells: points, checksums, locked sources), and the
   release check. The course is only read.
2. **Plan** (``plan``). The staged records against the course's. With submissions, a
   notebook, grade, solution or task cell that would go would take students' grades with
   it: the update stops there and names it (``check_kept`` says so from the notebooks
   before anything is staged). Added cells and notebooks, new points, new sources and
   checksums are fine.
3. **Swap** (``_swap_folders``, ``write_records``). ``source/`` and ``release/`` renamed
   into place and the generated config replaced, then the records written into the
   course's gradebook in one transaction (nbgrader's own model classes): new cells with an empty
   grade or comment for every submission, as ``Gradebook.add_submission`` makes them; new
   points, with every automatic score of the cell rescaled to them; new sources. When the
   transaction fails, the folders are put back; the staging folder goes in every case.

A task's automatic score is its parts' weighted share of its points, so the rescaled score
is the grader's at the new points. Manual scores are a grader's decision and stay; the
notes name each one on a cell whose points changed. A new cell has no score until
``cs231n-course regrade`` grades it (``autograder.course.regrade``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode
from nbgrader import utils as nbgrader_utils
from nbgrader.api import (
    Assignment,
    Comment,
    Grade,
    Gradebook,
    GradeCell,
    MissingEntry,
    Notebook,
    SolutionCell,
    SourceCell,
    SubmittedNotebook,
    TaskCell,
)
from sqlalchemy.orm import Session

from autograder.course.layout import (
    ASSIGNMENT,
    SKIP,
    Course,
    CourseError,
    Progress,
    open_gradebook,
    run_nbgrader,
)
from autograder.course.release import check_release

STAGING = ".staging"  # inside the course: renames into place stay on one file system

# Writes the new source/ of a staged course.
FillSource = Callable[[Course], None]


@dataclass
class NotebookRecord:
    """The gradebook's record of one released notebook: its cells by grade id, as plain data."""

    kernelspec: str | None = None
    grade: dict[str, dict] = field(default_factory=dict)  # max_score, cell_type
    solution: set[str] = field(default_factory=set)
    task: dict[str, dict] = field(default_factory=dict)  # max_score, cell_type
    source: dict[str, dict] = field(default_factory=dict)  # cell_type, locked, source, checksum

    def graded(self) -> set[str]:
        """Grade ids of the cells that students' grades or comments hang on."""
        return set(self.grade) | self.solution | set(self.task)


@dataclass
class Plan:
    """What an update changes in the gradebook's records."""

    submissions: int
    added: list[str] = field(default_factory=list)  # "notebook: grade id" (or a new notebook)
    points: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # graded cells or notebooks that would go

    def summary(self) -> str:
        parts = [f"{len(self.added)} cell(s) or notebook(s) added"] if self.added else []
        parts += [f"{g}: {old:g} -> {new:g} points"
                  for (_, g), (old, new) in sorted(self.points.items())]
        parts += [f"removed {r}" for r in self.removed]
        return "; ".join(parts) or "no change to graded cells"


def read_records(gb: Gradebook) -> dict[str, NotebookRecord]:
    """The records of the assignment's notebooks in a gradebook (empty when it has none)."""
    try:
        notebooks = gb.find_assignment(ASSIGNMENT).notebooks
    except MissingEntry:
        return {}
    records = {}
    for nb in notebooks:
        records[nb.name] = NotebookRecord(
            kernelspec=nb.kernelspec,
            grade={c.name: {"max_score": float(c.max_score), "cell_type": c.cell_type}
                   for c in nb.grade_cells},
            solution={c.name for c in nb.solution_cells},
            task={c.name: {"max_score": float(c.max_score), "cell_type": c.cell_type}
                  for c in nb.task_cells},
            source={c.name: {"cell_type": c.cell_type, "locked": bool(c.locked),
                             "source": c.source, "checksum": c.checksum}
                    for c in nb.source_cells})
    return records


def plan(old: dict[str, NotebookRecord], new: dict[str, NotebookRecord],
         submissions: int) -> Plan:
    """Compare the course's records with the staged ones; CourseError when grades would go."""
    result = Plan(submissions)
    for name, rec in new.items():
        before = old.get(name)
        if before is None:
            result.added.append(f"notebook {name}")
            continue
        result.added += [f"{name}: {g}" for g in sorted(rec.graded() - before.graded())]
        for kind in ("grade", "task"):
            for grade_id, cell in getattr(rec, kind).items():
                was = getattr(before, kind).get(grade_id)
                if was is not None and was["max_score"] != cell["max_score"]:
                    result.points[(name, grade_id)] = (was["max_score"], cell["max_score"])
    for name, rec in old.items():
        if name not in new:
            result.removed.append(f"notebook {name}.ipynb")
        else:
            result.removed += [f"{name}: {g}" for g in sorted(rec.graded() - new[name].graded())]
    if result.removed and submissions:
        raise CourseError(
            f"nothing changed: the new notebooks drop {', '.join(result.removed)}, which "
            f"{submissions} submission(s) hold grades of; put them back (a task can be "
            f"given 0 points instead)")
    return result


def check_kept(course: Course, notebooks: dict[str, NotebookNode]) -> None:
    """``plan``'s refusal, from the new source notebooks, before anything is staged."""
    new = {stem: NotebookRecord(solution={
        str(cell.metadata.nbgrader["grade_id"]) for cell in nb.cells
        if nbgrader_utils.is_grade(cell) or nbgrader_utils.is_solution(cell)
        or nbgrader_utils.is_task(cell)}) for stem, nb in notebooks.items()}
    with open_gradebook(course) as gb:
        old = read_records(gb)
        try:
            submissions = len(gb.find_assignment(ASSIGNMENT).submissions)
        except MissingEntry:
            submissions = 0
    plan(old, new, submissions)


def _set(obj: object, values: dict) -> None:
    for key, value in values.items():
        setattr(obj, key, value)


def write_records(gb: Gradebook, records: dict[str, NotebookRecord]) -> list[str]:
    """Make the assignment's records in ``gb`` those of ``records``, in one transaction.

    Every submission gets a grade and a comment row for each new cell (scores empty);
    the automatic scores of a cell whose points changed are rescaled to them. Records
    absent from ``records`` are deleted (``plan`` allows that only for cells no grade
    hangs on, or without submissions). Returns notes for the instructor.
    """
    db = gb.db
    notes: list[str] = []
    try:
        assignment = gb.find_assignment(ASSIGNMENT)
        existing = {nb.name: nb for nb in assignment.notebooks}
        for name, nb in existing.items():
            if name not in records:
                for sub in list(nb.submissions):
                    for row in [*sub.grades, *sub.comments]:
                        db.delete(row)
                    db.delete(sub)
                for cell in [*nb.grade_cells, *nb.solution_cells, *nb.task_cells,
                             *nb.source_cells]:
                    db.delete(cell)
                db.delete(nb)
        for name, rec in records.items():
            nb = existing.get(name)
            if nb is None:
                nb = Notebook(name=name, assignment=assignment)
                db.add(nb)
            nb.kernelspec = rec.kernelspec
            notes += _write_graded(db, nb, GradeCell, nb.grade_cells, rec.grade)
            notes += _write_graded(db, nb, TaskCell, nb.task_cells, rec.task)
            _write_cells(db, nb, SolutionCell, nb.solution_cells,
                         {g: {} for g in rec.solution})
            _write_cells(db, nb, SourceCell, nb.source_cells, rec.source)
        db.flush()
        _mirror_submissions(db, assignment)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return notes


def _write_cells(db: Session, nb: Notebook, model: type, cells: list, wanted: dict) -> dict:
    """Records of one kind made ``wanted`` (grade id -> attributes); returns them by id."""
    by_name = {c.name: c for c in cells}
    for grade_id, cell in by_name.items():
        if grade_id not in wanted:
            db.delete(cell)
    for grade_id, values in wanted.items():
        cell = by_name.get(grade_id)
        if cell is None:
            by_name[grade_id] = cell = model(name=grade_id, notebook=nb)
            db.add(cell)
        _set(cell, values)
    return by_name


def _write_graded(db: Session, nb: Notebook, model: type, cells: list,
                  wanted: dict[str, dict]) -> list[str]:
    """Grade or task cells; a cell with new points gets its automatic scores rescaled."""
    notes = []
    before = {c.name: float(c.max_score) for c in cells}
    by_name = _write_cells(db, nb, model, cells, wanted)
    for grade_id, old in before.items():
        new = wanted.get(grade_id, {}).get("max_score", old)
        if new == old:
            continue
        for grade in by_name[grade_id].grades:
            if grade.auto_score is not None:
                grade.auto_score = grade.auto_score * new / old if old else 0.0
            if grade.manual_score is not None:
                notes.append(f"{grade.notebook.student.id}: the manual score "
                             f"{grade.manual_score:g} of {grade_id} stays (now out of {new:g})")
    return notes


def _mirror_submissions(db: Session, assignment: Assignment) -> None:
    """Every submission gets the rows of every cell, as ``Gradebook.add_submission`` makes them."""
    for sub in assignment.submissions:
        have = {nb.notebook: nb for nb in sub.notebooks}
        for notebook in assignment.notebooks:
            snb = have.get(notebook)
            if snb is None:
                snb = SubmittedNotebook(notebook=notebook, assignment=sub)
                db.add(snb)
            graded = {g.cell for g in snb.grades}
            commented = {c.cell for c in snb.comments}
            db.add_all([Grade(cell=cell, notebook=snb)
                        for cell in [*notebook.grade_cells, *notebook.task_cells]
                        if cell not in graded])
            db.add_all([Comment(cell=cell, notebook=snb)
                        for cell in [*notebook.solution_cells, *notebook.task_cells]
                        if cell not in commented])


# --------------------------------------------------------------------------- stage and swap


def stage(course: Course, fill_source: FillSource, generated: str) -> Course:
    """A staged copy of the course's config, source and release; the course is only read.

    ``fill_source(staged_course)`` writes the new ``source/``. nbgrader runs with the
    staged folder as its root and gradebook, whatever the course's config says.
    """
    root = course.root / STAGING
    if root.exists():
        shutil.rmtree(root)  # left by an update that was killed
    root.mkdir()
    staged = Course(root)
    staged.generated_config.write_text(generated)
    shutil.copy2(course.config, staged.config)
    fill_source(staged)
    try:
        run_nbgrader(staged, ["generate_assignment", ASSIGNMENT, "--force",
                              f"--CourseDirectory.root={root}",
                              f"--CourseDirectory.db_url={staged.db_url}"], "generate_assignment")
    except CourseError as exc:  # its log is copied out of the staging folder (``update_course``)
        said = str(exc).split(" (log: ")[0]
        raise CourseError(f"{said} (log: {course.logs / 'update-generate_assignment.log'}); "
                          f"the course was not changed") from None
    problems = check_release(root / "release")
    if problems:
        raise CourseError(f"solution text reached release/: {problems[0]} "
                          f"({len(problems)} problem(s) in all); the course was not changed")
    return staged


def _swap_folders(course: Course, staged: Course,
                  undo: list[tuple[Path, Path | None]]) -> None:
    """Rename the staged folders and config into the course, noting in ``undo`` how to undo it."""
    old = staged.root / "old"
    old.mkdir()
    for new, target in ((staged.source, course.source), (staged.release, course.release)):
        kept = old / target.parent.name if target.exists() else None
        if kept is not None:
            os.rename(target, kept)
        undo.append((target, kept))
        target.parent.mkdir(exist_ok=True)
        os.rename(new, target)
    kept = old / course.generated_config.name if course.generated_config.exists() else None
    if kept is not None:
        shutil.copy2(course.generated_config, kept)
    undo.append((course.generated_config, kept))
    os.replace(staged.generated_config, course.generated_config)


def _undo(undo: list[tuple[Path, Path | None]]) -> None:
    for target, kept in reversed(undo):
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if kept is not None:
            os.rename(kept, target)


def update_course(course: Course, fill_source: FillSource, generated: str,
                  progress: Progress) -> Plan:
    """Stage, plan and swap (see the module's docstring); the course is unchanged on error.

    ``generated``: the text of the new ``cs231n_grader_config.py``.
    """
    staging = Course(course.root / STAGING)
    try:
        stage(course, fill_source, generated)
        with open_gradebook(staging) as gb:
            new = read_records(gb)
        with open_gradebook(course) as gb:
            old = read_records(gb)
            try:
                submissions = len(gb.find_assignment(ASSIGNMENT).submissions)
            except MissingEntry:
                gb.update_or_create_assignment(ASSIGNMENT)
                submissions = 0
        changes = plan(old, new, submissions)
        undo: list[tuple[Path, Path | None]] = []
        try:
            _swap_folders(course, staging, undo)
            with open_gradebook(course) as gb:
                notes = write_records(gb, new)
        except BaseException:
            _undo(undo)
            raise
        for note in notes:
            progress(f"note: {note}")
        progress(f"[update] {changes.summary()} ({submissions} submission(s) kept)")
        return changes
    finally:
        course.logs.mkdir(exist_ok=True)
        for log in staging.logs.glob("*.log"):  # nbgrader's log of the staged release
            shutil.copy2(log, course.logs / f"update-{log.name}")
        shutil.rmtree(staging.root, ignore_errors=True)


def copy_source(course: Course) -> FillSource:
    """A ``fill_source`` that keeps the course's own ``source/`` as it is (``release``)."""
    def fill(staged: Course) -> None:
        shutil.copytree(course.source, staged.source, ignore=SKIP)
    return fill
