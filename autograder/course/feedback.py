"""Feedback pages: one HTML page per student, next to nbgrader's annotated notebooks."""

from __future__ import annotations

import html
from pathlib import Path

from autograder.course.gradebook import (
    CellScore,
    StudentScores,
    gradebook_scores,
)
from autograder.course.layout import ASSIGNMENT, Course, CourseError, Progress, run_nbgrader
from autograder.registry import NOTEBOOKS

# --------------------------------------------------------------------------- feedback


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; padding: 0 1em; max-width: 60em;
       color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
td.num {{ text-align: right; white-space: nowrap; }}
tr.full td.num {{ color: #1a7f37; }} tr.part td.num {{ color: #9a6700; }}
tr.zero td.num {{ color: #cf222e; }}
pre {{ margin: 0; white-space: pre-wrap; font-size: 0.9em; }}
</style></head><body>
<h1>{title}</h1>
<p>Total: <strong>{total:g} / {max_total:g}</strong>{manual}</p>
{sections}
</body></html>
"""


def _row_class(cell: CellScore) -> str:
    if cell.score is None:
        return "pending"
    return "full" if cell.score >= cell.max_score else ("zero" if cell.score <= 0 else "part")


def _cell_kind(cell: CellScore) -> str:
    """How a grade cell without trusted-grader feedback is described to the student."""
    if cell.task_id:
        return ""
    return "written answer" if cell.written else "test cell in the notebook"


def feedback_page(row: StudentScores, notebook_pages: set[str]) -> str:
    sections = []
    for nb in sorted(row.notebooks):
        score, max_score = row.notebooks[nb]
        link = (f' (<a href="{html.escape(nb)}.html">annotated notebook</a>)'
                if nb in notebook_pages else " (no readable notebook submitted)")
        lines = [f"<h2>{html.escape(NOTEBOOKS.get(nb, nb))}: {score:g} / {max_score:g}{link}</h2>",
                 "<table><tr><th>Task</th><th>Points</th><th>Feedback</th></tr>"]
        for cell in (c for c in row.cells if c.notebook == nb):
            points = ("awaiting manual grading" if cell.score is None
                      else f"{cell.score:g} / {cell.max_score:g}")
            text = cell.feedback or _cell_kind(cell)
            lines.append(f'<tr class="{_row_class(cell)}"><td>{html.escape(cell.label)}</td>'
                         f'<td class="num">{points}</td>'
                         f'<td><pre>{html.escape(text)}</pre></td></tr>')
        lines.append("</table>")
        sections.append("\n".join(lines))
    manual = " (some answers still await manual grading)" if row.needs_manual_grade else ""
    return PAGE.format(title=f"Feedback for {html.escape(row.student)}: {ASSIGNMENT}",
                       total=row.total, max_total=row.max_total, manual=manual,
                       sections="\n".join(sections))


def write_feedback(course: Course, progress: Progress) -> list[Path]:
    """nbgrader's annotated notebooks plus one ``index.html`` per student with a per-task table."""
    rows = gradebook_scores(course, with_feedback=True)
    if not rows:
        raise CourseError("nothing autograded yet (run `cs231n-course autograde` first)")
    progress(f"[feedback] nbgrader generate_feedback for {len(rows)} student(s)")
    run_nbgrader(course, ["generate_feedback", ASSIGNMENT, "--force"], "generate_feedback")
    pages = []
    for row in rows:
        folder = course.feedback(row.student)
        folder.mkdir(parents=True, exist_ok=True)
        notebook_pages = {p.stem for p in folder.glob("*.html")}
        page = folder / "index.html"
        page.write_text(feedback_page(row, notebook_pages))
        pages.append(page)
        progress(f"[feedback] {page}")
    return pages
