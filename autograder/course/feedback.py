"""Feedback pages: one HTML page per student, next to nbgrader's annotated notebooks."""

from __future__ import annotations

from pathlib import Path

from autograder.checks.diagnoses import PREFIX
from autograder.course.gradebook import (
    CellScore,
    StudentScores,
    gradebook_scores,
)
from autograder.course.layout import ASSIGNMENT, Course, CourseError, Progress, run_nbgrader
from autograder.course.sanitize import add_csp
from autograder.course.templates import render
from autograder.registry import NOTEBOOKS

# --------------------------------------------------------------------------- feedback


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


def feedback_page(row: StudentScores, notebook_pages: set[str]) -> str:
    """The ``index.html`` of one student; ``notebook_pages`` are the annotated notebooks' stems."""
    notebooks = [
        {
            "title": NOTEBOOKS.get(nb, nb),
            "score": score,
            "max_score": max_score,
            "page": f"{nb}.html" if nb in notebook_pages else None,
            "cells": [
                {"label": cell.label, "row_class": _row_class(cell), "score": cell.score,
                 "max_score": cell.max_score,
                 "text": _split_hint(cell.feedback)[0] or _cell_kind(cell),
                 "hint": _split_hint(cell.feedback)[1]}
                for cell in row.cells if cell.notebook == nb
            ],
        }
        for nb, (score, max_score) in sorted(row.notebooks.items())
    ]
    return render("feedback.html.j2", title=f"Feedback for {row.student}: {ASSIGNMENT}",
                  total=row.total, max_total=row.max_total, manual=row.needs_manual_grade,
                  notebooks=notebooks, late_penalty=row.late_penalty,
                  hours_late=row.seconds_late / 3600)


def write_feedback(course: Course, progress: Progress) -> list[Path]:
    """nbgrader's annotated notebooks plus one ``index.html`` per student with a per-task table.

    Every page forbids script (``sanitize.CSP``); the notebooks are sanitised by nbgrader's
    exporter as configured in the course's ``nbgrader_config.py``.
    """
    rows = gradebook_scores(course, with_feedback=True)
    if not rows:
        raise CourseError("nothing autograded yet (run `cs231n-course autograde` first)")
    progress(f"[feedback] nbgrader generate_feedback for {len(rows)} student(s)")
    run_nbgrader(course, ["generate_feedback", ASSIGNMENT, "--force"], "generate_feedback")
    pages = []
    for row in rows:
        folder = course.feedback(row.student)
        folder.mkdir(parents=True, exist_ok=True)
        notebook_pages = set()
        for annotated in folder.glob("*.html"):
            if annotated.name != "index.html":
                add_csp(annotated)  # nbgrader's page: its notebook is sanitised, and no script runs
                notebook_pages.add(annotated.stem)
        page = folder / "index.html"
        page.write_text(feedback_page(row, notebook_pages))
        pages.append(page)
        progress(f"[feedback] {page}")
    return pages
