"""The course gradebook: scores per task, the class table, CSV export and feedback pages."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nbgrader.api import MissingEntry, SubmittedAssignment

from autograder.course.late import apply_penalties, seconds_late
from autograder.course.layout import ASSIGNMENT, Course, CourseError
from autograder.course.layout import open_gradebook as open_gradebook  # imported from here too
from autograder.grade_cells import cell_task_id, read_notebook, task_id_of
from autograder.grading import grade_submission
from autograder.registry import NOTEBOOKS, TASKS_BY_ID

# Feedback (per task id) of tasks whose notebook was not submitted.
MISSING_FEEDBACK = "trusted_grades.json"


@dataclass
class CellScore:
    """The score of one grade cell (a registry task, or a manually graded answer)."""

    grade_id: str
    notebook: str
    score: float | None
    max_score: float
    needs_manual_grade: bool
    feedback: str = ""
    written: bool = False  # a markdown answer cell (graded by hand), not a code test cell

    @property
    def task_id(self) -> str | None:
        return task_id_of(self.grade_id)

    @property
    def label(self) -> str:
        """The task id for a registry task, else nbgrader's grade_id."""
        return self.task_id or self.grade_id


@dataclass
class StudentScores:
    """One student's submission; ``total`` and the notebook scores are after the late penalty."""

    student: str
    total: float
    max_total: float
    needs_manual_grade: bool
    notebooks: dict[str, tuple[float, float]] = field(default_factory=dict)
    cells: list[CellScore] = field(default_factory=list)  # points before the late penalty
    late_penalty: float = 0.0  # points taken for lateness (nbgrader's, per notebook, summed)
    seconds_late: float = 0.0  # past the due date and the student's extension
    timestamp: datetime | None = None  # when it was handed in (UTC)


def student_total(course: Course, student: str) -> tuple[float, float]:
    with open_gradebook(course) as gb:
        sub = gb.find_submission(ASSIGNMENT, student)
        return float(sub.score), float(sub.max_score)


def gradebook_scores(course: Course, with_feedback: bool = False) -> list[StudentScores]:
    """Scores of every autograded submission, students sorted by id.

    The late policy is applied first, so every view of the scores shows the same penalty.
    """
    apply_penalties(course)
    rows = []
    with open_gradebook(course) as gb:
        try:
            submissions = gb.assignment_submissions(ASSIGNMENT)
        except MissingEntry:
            raise CourseError("the gradebook has no assignment training_nn (run init)") from None
        for sub in sorted(submissions, key=lambda s: s.student.id):
            if not _graded(sub):
                continue  # a row made for an extension, before the student handed in
            penalty = float(sub.late_submission_penalty or 0.0)
            row = StudentScores(sub.student.id, float(sub.score) - penalty, float(sub.max_score),
                                bool(sub.needs_manual_grade), late_penalty=penalty,
                                seconds_late=seconds_late(sub),
                                timestamp=sub.timestamp)
            for nb in sorted(sub.notebooks, key=lambda n: n.name):
                row.notebooks[nb.name] = (float(nb.score) - float(nb.late_submission_penalty or 0),
                                          float(nb.max_score))
                for grade in sorted(nb.grades, key=lambda g: _cell_order(g.name)):
                    score = grade.score if grade.auto_score is not None or \
                        grade.manual_score is not None else None
                    row.cells.append(CellScore(grade.name, nb.name, score,
                                               float(grade.max_score),
                                               bool(grade.needs_manual_grade),
                                               written=grade.cell.cell_type == "markdown"))
            rows.append(row)
    if with_feedback:
        for row in rows:
            texts = task_feedback(course, row.student)
            for cell in row.cells:
                cell.feedback = texts.get(cell.task_id or "", "")
    return rows


def _graded(sub: SubmittedAssignment) -> bool:
    """Whether autograde (or a grader) has scored anything of this submission."""
    return any(g.auto_score is not None or g.manual_score is not None
               for nb in sub.notebooks for g in nb.grades)


def _cell_order(grade_id: str) -> tuple[int, str]:
    ids = list(TASKS_BY_ID)
    task_id = task_id_of(grade_id)
    return (ids.index(task_id), "") if task_id else (len(ids), grade_id)


def task_feedback(course: Course, student: str) -> dict[str, str]:
    """Trusted-grader feedback per task id, read from the autograded notebooks."""
    folder = course.autograded(student)
    texts: dict[str, str] = {}
    extra = folder / MISSING_FEEDBACK
    if extra.is_file():
        # Keyed by task id; files of earlier autograde runs are keyed by grade_id.
        texts.update({task_id_of(k) or k: v for k, v in json.loads(extra.read_text()).items()})
    for stem in NOTEBOOKS:
        path = folder / f"{stem}.ipynb"
        if not path.is_file():
            continue
        for cell in read_notebook(path).cells:
            task_id = cell_task_id(cell)
            if task_id and cell.cell_type == "code":
                streams = [o.get("text", "") for o in cell.get("outputs", [])
                           if o.get("output_type") == "stream" and o.get("name") == "stdout"]
                text = "".join(streams)
                texts[task_id] = text.split("\n", 1)[1].strip() if "\n" in text else text
    return texts


# --------------------------------------------------------------------------- missing notebooks


@dataclass
class MissingNotebooks:
    """Notebooks absent from a submission, and trusted grades of their tasks."""

    notebooks: list[str]
    grades: dict[str, tuple[str, float, str]]  # task id -> (notebook, points, feedback)


def grade_missing_notebooks_before(course: Course, student: str,
                                   stop_at: float | None = None) -> MissingNotebooks:
    """Trusted grades of the tasks of notebooks missing from a submission.

    Run before nbgrader executes anything, so notebook code cannot change the
    modules being graded. Tasks not graded by ``stop_at`` (``time.time()``) get 0.
    """
    with open_gradebook(course) as gb:
        missing = [nb for nb in gb.find_assignment(ASSIGNMENT).notebooks
                   if not (course.submitted(student) / f"{nb.name}.ipynb").is_file()]
        wanted = {task_id: nb.name for nb in missing for cell in nb.grade_cells
                  if (task_id := task_id_of(cell.name))}
        names = [nb.name for nb in missing]
    if not wanted:
        return MissingNotebooks(names, {})

    report = grade_submission(course.submitted(student), task_ids=list(wanted), stop_at=stop_at)
    note = "" if report.sandboxed else "\n(graded WITHOUT sandbox isolation)"
    grades = {
        r.id: (wanted[r.id], min(max(float(r.points), 0.0), float(r.max_points)),
               f"notebook {wanted[r.id]}.ipynb was not submitted; graded from your "
               f"cs231n_core.\n{r.feedback}{note}")
        for r in report.tasks
        if r.id in wanted
    }
    return MissingNotebooks(names, grades)


def out_of_time_grades(course: Course, missing: MissingNotebooks, note: str) -> MissingNotebooks:
    """The grades of a submission whose autograde was stopped at its time limit.

    Every notebook of the assignment counts as graded here: tasks of missing
    notebooks keep the trusted grades they got before nbgrader ran, every other
    task gets 0 with ``note`` as its feedback (nbgrader's partial work is dropped).
    """
    with open_gradebook(course) as gb:
        notebooks = gb.find_assignment(ASSIGNMENT).notebooks
        names = [nb.name for nb in notebooks]
        tasks = {task_id: nb.name for nb in notebooks for cell in nb.grade_cells
                 if (task_id := task_id_of(cell.name))}
    grades = {task_id: (stem, 0.0, note) for task_id, stem in tasks.items()}
    grades.update(missing.grades)
    return MissingNotebooks(names, grades)


def store_missing_notebook_grades(course: Course, student: str, missing: MissingNotebooks) -> None:
    """Write the grades of missing notebooks into the gradebook.

    Registry tasks get their trusted grade; every other grade cell of a missing
    notebook gets 0, as nbgrader gives it.
    """
    if not missing.notebooks:
        return
    with open_gradebook(course) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(ASSIGNMENT, student)
        for name in missing.notebooks:
            for grade in gb.find_submission_notebook(name, ASSIGNMENT, student).grades:
                task_id = task_id_of(grade.name)
                if task_id in missing.grades:
                    grade.auto_score = missing.grades[task_id][1]
                    grade.needs_manual_grade = grade.manual_score is not None
                else:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
        gb.db.commit()
    if missing.grades:
        folder = course.autograded(student)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / MISSING_FEEDBACK
        if target.exists():
            os.chmod(target, 0o644)
        texts = {task_id: grade[2] for task_id, grade in missing.grades.items()}
        target.write_text(json.dumps(texts, indent=1))


# --------------------------------------------------------------------------- table and CSV


def _short(notebook: str) -> str:
    return notebook.split("_", 1)[0]


def _lost(row: StudentScores, limit: int = 3) -> str:
    """The autograded tasks that lost points, e.g. ``optim.adam 1/3``."""
    lost = [c for c in row.cells if c.task_id and c.score is not None and c.score < c.max_score]
    if len(lost) > limit:
        return f"{len(lost)} tasks"
    return ", ".join(f"{c.task_id} {c.score:g}/{c.max_score:g}" for c in lost)


def format_table(rows: list[StudentScores]) -> str:
    """The gradebook as a fixed-width text table (one row per student)."""
    notebooks = sorted({nb for row in rows for nb in row.notebooks})
    late = any(row.late_penalty for row in rows)  # the column only when it says something
    header = ["student", *(_short(nb) for nb in notebooks), *["late"] * late, "total", "max",
              "%", "manual", "tasks that lost points"]
    body = []
    for row in rows:
        pct = 100.0 * row.total / row.max_total if row.max_total else 0.0
        body.append([
            row.student,
            *(f"{row.notebooks[nb][0]:g}" if nb in row.notebooks else "-" for nb in notebooks),
            *[f"-{row.late_penalty:g}" if row.late_penalty else ""] * late,
            f"{row.total:g}", f"{row.max_total:g}", f"{pct:.0f}",
            "pending" if row.needs_manual_grade else "", _lost(row),
        ])
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    left = {0, len(header) - 1}
    lines = ["  ".join(str(v).ljust(w) if i in left else str(v).rjust(w)
                       for i, (v, w) in enumerate(zip(r, widths))).rstrip()
             for r in [header, *body]]
    lines.insert(1, "-" * max(len(ln) for ln in lines))
    legend = ", ".join(f"{_short(nb)} = {nb}" for nb in notebooks)
    if late:
        legend += ("; " if legend else "") + "late = points taken for lateness; notebook " \
            "scores and total are after it"
    return "\n".join(lines) + (f"\n({legend})" if legend else "")


def export_csv(course: Course, path: str | os.PathLike) -> int:
    """One row per student: total (after the late penalty), maximum, the penalty, then every
    grade cell's score (before it). Returns the row count."""
    rows = gradebook_scores(course)
    cells = list(dict.fromkeys(c.label for row in rows for c in row.cells))
    target = Path(path)
    if not target.parent.is_dir():
        raise CourseError(f"folder {target.parent} does not exist")
    with open(target, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "assignment", "score", "max_score",
                         "needs_manual_grade", "late_penalty", "hours_late", "submitted_utc",
                         *cells])
        for row in rows:
            by_id = {c.label: c.score for c in row.cells}
            writer.writerow([row.student, ASSIGNMENT, f"{row.total:g}", f"{row.max_total:g}",
                             int(row.needs_manual_grade), f"{row.late_penalty:g}",
                             f"{row.seconds_late / 3600:.2f}",
                             row.timestamp.isoformat(sep=" ") if row.timestamp else "",
                             *("" if by_id.get(c) is None else f"{by_id[c]:g}" for c in cells)])
    return len(rows)


