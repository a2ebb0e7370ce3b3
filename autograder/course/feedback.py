"""Feedback pages: one HTML page per student, next to nbgrader's annotated notebooks.

The annotated notebooks (``annotate``) are rendered in this process or in ``jobs`` worker
processes. A student's pages are rewritten only when what they show
changed (scores, comments, answers, the autograded notebooks, the templates, the config),
recorded in ``feedback/.generated.json``; ``force`` rewrites them all.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path

from autograder.checks.diagnoses import PREFIX
from autograder.course.annotate import render_notebooks
from autograder.course.gradebook import (
    CellScore,
    StudentScores,
    add_feedback,
    gradebook_scores,
    points,
)
from autograder.course.layout import ASSIGNMENT, Course, CourseError, Progress
from autograder.course.renamed import read_student_notes
from autograder.course.templates import FOLDER as TEMPLATES
from autograder.course.templates import render
from autograder.registry import NOTEBOOKS

STATE = ".generated.json"  # in COURSE_DIR/feedback: student -> fingerprint of its pages


# --------------------------------------------------------------------------- index page


def _row_class(cell: CellScore) -> str:
    if cell.score is None:
        return "pending"
    return "full" if cell.score >= cell.max_score else ("zero" if cell.score <= 0 else "part")


def _cell_kind(cell: CellScore) -> str:
    """How a grade cell without trusted-grader feedback is described to the student."""
    if cell.task_id:
        return ""
    return "written answer" if cell.written else "test cell in the notebook"


def _split_hint(text: str) -> tuple[str, str]:
    """The grader's feedback without its likely-mistake line, and that line's words."""
    lines = text.splitlines()
    hints = [line[len(PREFIX):] for line in lines if line.startswith(PREFIX)]
    rest = "\n".join(line for line in lines if not line.startswith(PREFIX))
    return rest, hints[0] if hints else ""


def feedback_page(row: StudentScores, notebook_pages: set[str],
                  handed_in: tuple[dict[str, str], list[str]] = ({}, []),
                  linked: bool = True) -> str:
    """The ``index.html`` of one student; ``notebook_pages`` are the annotated notebooks' stems.

    ``handed_in``: notebooks graded under their own name (stem -> the file's name) and the
    lines about renamed, copied or missing notebooks (``renamed.read_student_notes``).
    ``linked``: each readable notebook links to its annotated page (none when False, for a
    page shown where those pages are not).
    """
    renamed, notes = handed_in
    notebooks = [
        {
            "title": NOTEBOOKS.get(nb, nb),
            "handed_in_as": renamed.get(nb),
            "score": score,
            "max_score": max_score,
            "page": f"{nb}.html" if linked and nb in notebook_pages else None,
            "readable": nb in notebook_pages,
            "cells": [
                {"label": cell.label, "row_class": _row_class(cell), "score": cell.score,
                 "max_score": cell.max_score,
                 "text": _split_hint(cell.feedback)[0] or _cell_kind(cell),
                 "hint": _split_hint(cell.feedback)[1],
                 "answer": cell.answer, "comment": cell.comment, "manual": cell.manual,
                 "review": cell.needs_manual_grade and cell.score is not None}
                for cell in row.cells if cell.notebook == nb
            ],
        }
        for nb, (score, max_score) in sorted(row.notebooks.items())
    ]
    who = f"{row.name} ({row.student})" if row.name else row.student
    return render("feedback.html.j2", title=f"Feedback for {who}: {ASSIGNMENT}",
                  totals=row.totals, pending=points(row.totals.pending),
                  manual=row.needs_manual_grade, notebooks=notebooks, notes=notes,
                  hours_late=row.seconds_late / 3600)


# --------------------------------------------------------------------------- annotated notebooks


def _render_all(course: Course, students: list[str], jobs: int) -> Iterator[tuple[str, list[str]]]:
    """(student, annotated notebook stems) as each student's notebooks are written."""
    if jobs <= 1 or len(students) <= 1:
        for student in students:
            yield student, render_notebooks(str(course.root), student)
        return
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        yield from zip(students, pool.map(render_notebooks, [str(course.root)] * len(students),
                                          students))


# --------------------------------------------------------------------------- what changed


def _pages_version(course: Course) -> bytes:
    """What every student's pages depend on besides their own grades."""
    parts = [course.config.read_bytes()]
    parts += [(TEMPLATES / name).read_bytes() for name in ("feedback.html.j2", "page.html.j2")]
    return b"\0".join(parts)


def fingerprint(course: Course, row: StudentScores, version: bytes) -> str:
    """A digest of everything a student's feedback pages show.

    The gradebook row (scores, comments, names) and the autograded folder's files by
    name, size and modification time (autograde installs a new folder each time; the
    task feedback and written answers shown are read from it).
    """
    digest = hashlib.sha256(version)
    digest.update(json.dumps(asdict(row), sort_keys=True, default=str).encode())
    folder = course.autograded(row.student)
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        info = path.lstat()
        digest.update(f"{path.relative_to(folder)}\0{info.st_size}\0{info.st_mtime_ns}\n"
                      .encode(errors="surrogateescape"))
    return digest.hexdigest()


def _read_state(path: Path) -> dict[str, str]:
    """The fingerprints recorded by the last run (none when missing or unreadable)."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_feedback(course: Course, progress: Progress, students: list[str] | None = None,
                   jobs: int = 1, force: bool = False) -> list[Path]:
    """nbgrader's annotated notebooks plus one ``index.html`` per student with a per-task table.

    ``students``: only these (default: every autograded student). Pages whose content would
    not change are left as they are unless ``force``. Returns the index pages written. Every
    page forbids script (``sanitize.CSP``); the notebooks are sanitised by the exporter as
    configured in the course's ``nbgrader_config.py``.
    """
    rows = gradebook_scores(course, students=students)
    if students:
        unknown = sorted(set(students) - {row.student for row in rows})
        if unknown:
            raise CourseError(f"no autograded submission of {', '.join(unknown)} "
                              "(run `cs231n-course autograde` first)")
    if not rows:
        raise CourseError("nothing autograded yet (run `cs231n-course autograde` first)")
    state_path = course.root / "feedback" / STATE
    state = _read_state(state_path)
    version = _pages_version(course)
    prints = {row.student: fingerprint(course, row, version) for row in rows}
    todo = [row for row in rows
            if force or state.get(row.student) != prints[row.student]
            or not (course.feedback(row.student) / "index.html").is_file()]
    progress(f"[feedback] {len(todo)} of {len(rows)} student(s) to write"
             + ("" if force else " (the others are unchanged)"))
    by_id = {row.student: row for row in todo}
    pages = []
    for row in todo:
        add_feedback(course, row)  # read from the autograded notebooks: only where needed
    for student, stems in _render_all(course, list(by_id), jobs):
        page = course.feedback(student) / "index.html"
        page.write_text(feedback_page(by_id[student], set(stems),
                                      read_student_notes(course.autograded(student))))
        state[student] = prints[student]
        pages.append(page)
        progress(f"[feedback] {page}")
    state_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_path.with_name(f"{STATE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(tmp, state_path)
    return pages
