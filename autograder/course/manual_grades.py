"""Manual grades that stick: a re-autograde re-queues only the answers that changed.

nbgrader's ``SaveAutoGrades`` marks a cell "needs manual grade" on every autograde when
it has a manual score or no automatic one: every written answer, every time. Scores,
comments and extra credit survive (nbgrader never overwrites them), but the formgrader's
"graded" status does not, so re-autograding a class after manual grading would re-queue
every written answer of every student.

``keep_manual_grades`` runs in the coordinator, before a student's new autograde result
is installed: it compares each cell a grader has graded (a manual score, not flagged)
with the same cell of the new result. The notebook the grader saw is the autograded one
still installed, so the comparison is with what was graded: the cell's source and its
automatic score. Where both are unchanged, the record written into the gradebook keeps
the cell graded; where they changed (or the notebook is gone), nbgrader's flag stands and
the cell goes back to the formgrader's queue, its old manual score shown until re-graded.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.api import MissingEntry

from autograder.course.gradebook import open_gradebook
from autograder.course.layout import ASSIGNMENT, Course

# A cell as it was graded: (source, automatic score).
Graded = tuple[str, float | None]


def _grade_sources(nb: NotebookNode | None) -> dict[str, str]:
    """The source of every nbgrader grade cell of a notebook, by grade id."""
    if nb is None:
        return {}
    sources: dict[str, str] = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("grade") and meta.get("grade_id"):
            sources.setdefault(str(meta["grade_id"]), str(cell.source))
    return sources


def _read(data: bytes | None) -> NotebookNode | None:
    if data is None:
        return None
    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # an unreadable notebook matches nothing: its cells are re-queued
        return None


def graded_cells(course: Course, student: str) -> dict[tuple[str, str], Graded]:
    """The cells of ``student`` graded by hand, as the grader saw them, by (notebook, grade id).

    Graded: a manual score and not flagged as needing a manual grade (the formgrader's
    "graded"). Seen: the cell of the autograded notebook installed now.
    """
    with open_gradebook(course) as gb:
        try:
            sub = gb.find_submission(ASSIGNMENT, student)
        except MissingEntry:
            return {}
        marked = {(nb.name, g.name): g.auto_score for nb in sub.notebooks for g in nb.grades
                  if g.manual_score is not None and not g.needs_manual_grade}
    graded: dict[tuple[str, str], Graded] = {}
    for stem in sorted({stem for stem, _ in marked}):
        path = Path(course.autograded(student)) / f"{stem}.ipynb"
        sources = _grade_sources(_read(path.read_bytes() if path.is_file() else None))
        for (nb_name, grade_id), auto_score in marked.items():
            if nb_name == stem and grade_id in sources:
                graded[(stem, grade_id)] = (sources[grade_id], auto_score)
    return graded


def keep_manual_grades(course: Course, student: str, record: dict,
                       files: dict[str, tuple[int, bytes]] | None) -> list[tuple[str, str]]:
    """Keep graded cells graded in a new autograde ``record`` where their answer is unchanged.

    ``record`` and ``files`` are what ``autograde.grade_in_scratch`` returns (the gradebook
    fields, the new autograded folder); ``record`` is changed in place. Returns the
    (notebook, grade id) of the cells kept graded.
    """
    graded = graded_cells(course, student)
    kept = []
    for stem in sorted({stem for stem, _ in graded}):
        rec = record.get("notebooks", {}).get(stem)
        data = (files or {}).get(f"{stem}.ipynb")
        if rec is None or data is None:
            continue
        sources = _grade_sources(_read(data[1]))
        for (nb_name, grade_id), (source, auto_score) in graded.items():
            if nb_name != stem or grade_id not in rec["grades"]:
                continue
            new_auto, _flag = rec["grades"][grade_id]
            if sources.get(grade_id) == source and new_auto == auto_score:
                rec["grades"][grade_id] = (new_auto, False)
                kept.append((stem, grade_id))
    return kept
