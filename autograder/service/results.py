"""A student's feedback on one attempt: the course's feedback page, as a sanitised fragment.

The page is the one ``cs231n-course feedback`` writes (``feedback.feedback_page``): per-task
points, the trusted grader's feedback with its likely-mistake line, the late penalty. It is
filled from the attempt's own stored result (its gradebook fields and autograded notebooks),
not from the gradebook, which holds only the counted attempt. When the policy hides scores
before the due date (``policy.scores_hidden``), only whether each task passed is shown.
"""

from __future__ import annotations

import json
import re
import tempfile
from base64 import b64decode
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.course.feedback import feedback_page
from autograder.course.gradebook import CellScore, StudentScores, add_feedback, cell_order
from autograder.course.layout import ASSIGNMENT, Course, CourseError, open_gradebook
from autograder.course.renamed import read_student_notes
from autograder.course.sanitize import clean_html
from autograder.course.templates import render
from autograder.service.counting import handed_in
from autograder.service.database import ServiceDatabase
from autograder.service.models import GRADED, Attempt
from autograder.service.policy import ServicePolicy, deadline, scores_hidden
from autograder.service.queue import result_of

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class _AttemptView(Course):
    """The course, with a student's autograded notebooks read from one attempt's result."""

    folder: Path = Path()

    def autograded(self, student: str) -> Path:
        return self.folder


def attempt_scores(course: Course, attempt: Attempt, record: dict,
                   seconds_late: float) -> StudentScores:
    """The attempt's scores in the form the feedback page reads, from its stored record."""
    with open_gradebook(course) as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        row = StudentScores(attempt.student, 0.0, float(assignment.max_score), False,
                            seconds_late=seconds_late)
        for nb in sorted(assignment.notebooks, key=lambda n: n.name):
            rec = record.get("notebooks", {}).get(nb.name, {})
            penalty = float(rec.get("late_submission_penalty") or 0.0)
            grades = rec.get("grades", {})
            cells = []
            for cell in sorted(nb.grade_cells, key=lambda c: cell_order(c.name)):
                auto, needs = grades.get(cell.name, (None, True))
                cells.append(CellScore(cell.name, nb.name, auto, float(cell.max_score),
                                       bool(needs), written=cell.cell_type == "markdown"))
            row.cells += cells
            row.late_penalty += penalty
            row.needs_manual_grade |= any(c.needs_manual_grade for c in cells)
            row.notebooks[nb.name] = (sum(c.score or 0.0 for c in cells) - penalty,
                                      float(sum(c.max_score for c in cells)))
    row.total = row.totals.score
    return row


def _write_files(folder: Path, files_json: str) -> None:
    for rel, (mode, data) in (json.loads(files_json) or {}).items():
        path = folder / rel
        if folder.resolve() not in path.resolve().parents:
            continue  # written by our own grader; never outside the folder all the same
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b64decode(data))
        path.chmod(int(mode) & 0o644 | 0o600)


def attempt_feedback(course: Course, db: ServiceDatabase, attempt: Attempt,
                     policy: ServicePolicy, now: datetime) -> str:
    """The feedback of ``attempt`` as a sanitised HTML fragment (CourseError: not graded)."""
    result = result_of(db, attempt.id)
    if attempt.state != GRADED or result is None:
        raise CourseError(f"attempt {attempt.id} has no feedback: it is {attempt.state}")
    record = json.loads(result.record_json) or {}
    due = deadline(course, attempt.student)
    late = max((handed_in(course, attempt) - due).total_seconds(), 0.0) if due else 0.0
    row = attempt_scores(course, attempt, record, late)
    if scores_hidden(course, policy, now, attempt.student):
        tasks = [{"label": cell.label, "passed": cell.score is not None
                  and cell.score >= cell.max_score}
                 for cell in row.cells if cell.task_id]
        return clean_html(render("attempt_checks.html.j2", tasks=tasks))
    with tempfile.TemporaryDirectory(prefix="attempt-feedback-") as tmp:
        folder = Path(tmp)
        _write_files(folder, result.files_json)
        add_feedback(_AttemptView(course.root, folder), row)
        readable = {path.stem for path in folder.glob("*.ipynb")}  # those nbgrader graded
        page = feedback_page(row, readable, read_student_notes(folder), linked=False)
    body = _BODY.search(page)
    return clean_html(body.group(1) if body else page)
