"""The course gradebook: scores per task, the class table, CSV export and feedback pages."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.api import Grade, Gradebook, MissingEntry, SubmittedAssignment
from sqlalchemy.orm import joinedload, undefer

from autograder.course.late import apply_penalties, seconds_late
from autograder.course.layout import ASSIGNMENT, Course, CourseError
from autograder.course.layout import open_gradebook as open_gradebook  # imported from here too
from autograder.grade_cells import cell_task_id, read_notebook, task_id_of
from autograder.grading import GradeReport, course_points
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
    manual: bool = False  # the score was given by a grader (a manual score or extra credit)
    comment: str = ""  # the grader's comment (formgrader)
    answer: str = ""  # a written answer's text as submitted (read with ``with_feedback``)

    @property
    def task_id(self) -> str | None:
        return task_id_of(self.grade_id)

    @property
    def label(self) -> str:
        """The task id for a registry task, else nbgrader's grade_id."""
        return self.task_id or self.grade_id


@dataclass(frozen=True)
class Totals:
    """A student's points, split the way every table, page and export shows them.

    ``auto``: points of cells the autograder scored; ``manual``: points of cells a grader
    scored (manual scores, overrides and extra credit); ``pending``: the maximum points of
    cells that still await a manual grade (no score yet); ``penalty``: nbgrader's late
    penalty, taken off the score.
    """

    auto: float
    manual: float
    pending: float
    max: float
    penalty: float = 0.0

    @property
    def score(self) -> float:
        """The points earned so far (pending cells count 0), less the late penalty."""
        return self.auto + self.manual - self.penalty

    @property
    def graded_max(self) -> float:
        """The maximum of the cells graded so far."""
        return self.max - self.pending

    @property
    def percent(self) -> float:
        """The score in percent of the whole maximum (pending cells count 0)."""
        return 100.0 * self.score / self.max if self.max else 0.0

    @property
    def graded_percent(self) -> float | None:
        """The score in percent of the graded cells' maximum (None when nothing is graded)."""
        return 100.0 * self.score / self.graded_max if self.graded_max > 0 else None

    def text(self) -> str:
        """One line, the same everywhere: ``99 / 136 (37 points awaiting manual grading)``."""
        notes = [f"{points(self.pending)} awaiting manual grading"] if self.pending else []
        if self.penalty:
            notes.append(f"late penalty {self.penalty:g}")
        return f"{self.score:g} / {self.max:g}" + (f" ({'; '.join(notes)})" if notes else "")


def points(value: float) -> str:
    """``1 point``, ``2.5 points``."""
    return f"{value:g} point" + ("" if value == 1 else "s")


def cell_totals(cells: list[CellScore], penalty: float = 0.0) -> Totals:
    """The totals of a student's grade cells: the one place auto, manual and pending are summed."""
    auto = manual = pending = maximum = 0.0
    for cell in cells:
        maximum += cell.max_score
        if cell.score is None:
            pending += cell.max_score
        elif cell.manual:
            manual += cell.score
        else:
            auto += cell.score
    return Totals(auto, manual, pending, maximum, penalty)


def display_name(student: str, first_name: str | None, last_name: str | None) -> str:
    """How a student is named on pages and tables: "First Last" from the roster, else the id."""
    return " ".join(part for part in (first_name, last_name) if part) or student


@dataclass
class StudentScores:
    """One student's submission; ``total`` and the notebook scores are after the late penalty."""

    student: str
    total: float  # after the late penalty: the same as ``totals.score``, which views show
    max_total: float
    needs_manual_grade: bool
    notebooks: dict[str, tuple[float, float]] = field(default_factory=dict)
    cells: list[CellScore] = field(default_factory=list)  # points before the late penalty
    name: str = ""  # from the roster ("First Last"); empty when unknown
    email: str = ""
    lms_user_id: str = ""
    late_penalty: float = 0.0  # points taken for lateness (nbgrader's, per notebook, summed)
    seconds_late: float = 0.0  # past the due date and the student's extension
    timestamp: datetime | None = None  # when it was handed in (UTC)

    @property
    def totals(self) -> Totals:
        return cell_totals(self.cells, self.late_penalty)

    @property
    def display_name(self) -> str:
        return self.name or self.student


def student_totals(course: Course, student: str) -> Totals:
    """The totals of one student's submission, read from the gradebook."""
    rows = gradebook_scores(course, students=[student])
    if not rows:
        raise CourseError(f"the gradebook has no submission of {student}")
    return rows[0].totals


def gradebook_scores(course: Course, with_feedback: bool = False,
                     students: list[str] | None = None) -> list[StudentScores]:
    """Scores of every autograded submission (or of ``students``), students sorted by id.

    ``with_feedback``: also the trusted grader's feedback per task and the text of each
    written answer, read from the autograded notebooks. The late policy is applied first, so
    every view of the scores shows the same penalty.
    """
    apply_penalties(course, students)  # only these students: autograde asks one at a time
    rows = []
    with open_gradebook(course) as gb:
        try:
            gb.find_assignment(ASSIGNMENT)
        except MissingEntry:
            raise CourseError("the gradebook has no assignment training_nn (run init)") from None
        if students is None:
            submissions = gb.assignment_submissions(ASSIGNMENT)
        else:
            submissions = [sub for student in dict.fromkeys(students)
                           if (sub := _find_submission(gb, student)) is not None]
        for sub in sorted(submissions, key=lambda s: s.student.id):
            person = sub.student
            penalty = float(sub.late_submission_penalty or 0.0)
            row = StudentScores(person.id, 0.0, float(sub.max_score),
                                bool(sub.needs_manual_grade),
                                name=display_name("", person.first_name, person.last_name),
                                email=person.email or "", lms_user_id=person.lms_user_id or "",
                                late_penalty=penalty, seconds_late=seconds_late(sub),
                                timestamp=sub.timestamp)
            for nb in sorted(sub.notebooks, key=lambda n: n.name):
                row.notebooks[nb.name] = (float(nb.score) - float(nb.late_submission_penalty or 0),
                                          float(nb.max_score))
                comments = {c.name: c.manual_comment or "" for c in nb.comments}
                # Each grade's cell and (deferred) maximum in one query, not one per grade.
                grades = gb.db.query(Grade).filter(Grade.notebook_id == nb.id).options(
                    joinedload(Grade.cell), undefer(Grade.max_score)).all()
                for grade in sorted(grades, key=lambda g: cell_order(g.name)):
                    score = grade.score if grade.auto_score is not None or \
                        grade.manual_score is not None else None
                    row.cells.append(CellScore(
                        grade.name, nb.name, score, float(grade.max_score),
                        bool(grade.needs_manual_grade),
                        written=grade.cell.cell_type == "markdown",
                        manual=grade.manual_score is not None or bool(grade.extra_credit),
                        comment=comments.get(grade.name, "")))
            row.total = row.totals.score  # summed in one place, ``cell_totals``
            if any(c.score is not None for c in row.cells):  # else a row made for an extension,
                rows.append(row)  # before the student handed in
    if with_feedback:
        for row in rows:
            add_feedback(course, row)
    return rows


def _find_submission(gb: Gradebook, student: str) -> SubmittedAssignment | None:
    try:
        return gb.find_submission(ASSIGNMENT, student)
    except MissingEntry:
        return None


def add_feedback(course: Course, row: StudentScores) -> None:
    """Fill in the trusted grader's feedback per task and the text of each written answer."""
    notebooks = autograded_notebooks(course, row.student)
    texts = task_feedback(course, row.student, notebooks)
    answers = written_answers(notebooks)
    for cell in row.cells:
        cell.feedback = texts.get(cell.task_id or "", "")
        if cell.written:
            cell.answer = answers.get((cell.notebook, cell.grade_id), "")


def written_answers(notebooks: dict[str, NotebookNode]) -> dict[tuple[str, str], str]:
    """The source of every markdown grade cell of these notebooks, by (notebook, grade id)."""
    answers: dict[tuple[str, str], str] = {}
    for stem, nb in notebooks.items():
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type == "markdown" and meta.get("grade") and meta.get("grade_id"):
                answers[(stem, str(meta["grade_id"]))] = cell.source
    return answers


def cell_order(grade_id: str) -> tuple[int, str]:
    """Grade cells in registry order (the order of the tasks), other cells after by id."""
    ids = list(TASKS_BY_ID)
    task_id = task_id_of(grade_id)
    return (ids.index(task_id), "") if task_id else (len(ids), grade_id)


def autograded_notebooks(course: Course, student: str) -> dict[str, NotebookNode]:
    """The autograded notebooks of ``student`` by stem, read once."""
    folder = course.autograded(student)
    return {stem: read_notebook(folder / f"{stem}.ipynb") for stem in NOTEBOOKS
            if (folder / f"{stem}.ipynb").is_file()}


def task_feedback(course: Course, student: str,
                  notebooks: dict[str, NotebookNode] | None = None) -> dict[str, str]:
    """Trusted-grader feedback per task id, read from the autograded notebooks."""
    folder = course.autograded(student)
    texts: dict[str, str] = {}
    extra = folder / MISSING_FEEDBACK
    if extra.is_file():
        # Keyed by task id; files of earlier autograde runs are keyed by grade_id.
        texts.update({task_id_of(k) or k: v for k, v in json.loads(extra.read_text()).items()})
    if notebooks is None:
        notebooks = autograded_notebooks(course, student)
    for nb in notebooks.values():
        for cell in nb.cells:
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


def missing_notebook_feedback(stem: str, feedback: str) -> str:
    """The feedback of a task whose notebook was not handed in: it says so first."""
    return f"notebook {stem}.ipynb was not submitted; graded from your cs231n_core.\n{feedback}"


def assignment_task_ids(course: Course) -> list[str]:
    """The registry tasks with a grade cell in the assignment, as the course released it."""
    with open_gradebook(course) as gb:
        return [task_id for nb in gb.find_assignment(ASSIGNMENT).notebooks
                for cell in nb.grade_cells if (task_id := task_id_of(cell.name))]


def missing_notebook_grades(course: Course, student: str, report: GradeReport) -> MissingNotebooks:
    """Trusted grades of the tasks of notebooks missing from a submission, from ``report``.

    ``report`` is the trusted grader's on the submission's modules as handed in (made
    before any notebook ran, ``grade_beside``); it holds every task of the assignment.
    """
    with open_gradebook(course) as gb:
        missing = [nb for nb in gb.find_assignment(ASSIGNMENT).notebooks
                   if not (course.submitted(student) / f"{nb.name}.ipynb").is_file()]
        wanted = {task_id: nb.name for nb in missing for cell in nb.grade_cells
                  if (task_id := task_id_of(cell.name))}
        worth = {task_id_of(cell.name): float(cell.max_score) for nb in missing
                 for cell in nb.grade_cells}  # the course's points, as released
        names = [nb.name for nb in missing]
    note = "" if report.sandboxed else "\n(graded WITHOUT sandbox isolation)"
    grades = {
        r.id: (wanted[r.id], min(max(course_points(r, worth[r.id]), 0.0), worth[r.id]),
               missing_notebook_feedback(wanted[r.id], r.feedback) + note)
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
    """The gradebook as a fixed-width text table (one row per student).

    ``total`` counts what is graded (pending cells as 0, less any late penalty); ``%`` is
    the total in percent of the whole maximum, ``%graded`` of the graded cells' maximum.
    """
    notebooks = sorted({nb for row in rows for nb in row.notebooks})
    named = any(row.name for row in rows)
    late = any(row.late_penalty for row in rows)
    header = ["student", *(["name"] if named else []), *(_short(nb) for nb in notebooks),
              "auto", "manual", "pending", *(["late"] if late else []), "total", "max", "%",
              "%graded", "review", "tasks that lost points"]
    body = []
    for row in rows:
        t = row.totals
        graded = t.graded_percent
        body.append([
            row.student, *([row.name] if named else []),
            *(f"{row.notebooks[nb][0]:g}" if nb in row.notebooks else "-" for nb in notebooks),
            f"{t.auto:g}", f"{t.manual:g}", f"{t.pending:g}",
            *([f"-{t.penalty:g}" if t.penalty else ""] if late else []),
            f"{t.score:g}", f"{t.max:g}", f"{t.percent:.0f}",
            "-" if graded is None else f"{graded:.0f}",
            "pending" if row.needs_manual_grade else "", _lost(row),
        ])
    left = {0, len(header) - 1, *([1] if named else [])}
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) if i in left else str(v).rjust(w)
                       for i, (v, w) in enumerate(zip(r, widths))).rstrip()
             for r in [header, *body]]
    lines.insert(1, "-" * max(len(ln) for ln in lines))
    legend = ", ".join(f"{_short(nb)} = {nb}" for nb in notebooks)
    if late:
        legend += ("; " if legend else "") + "late = points taken for lateness; notebook " \
            "scores and total are after it"
    return "\n".join(lines) + (f"\n({legend})" if legend else "") + (
        "\n(total: points graded so far, pending counted as 0; %: of max; "
        "%graded: of the graded cells' points; review: cells awaiting manual grading)")


CSV_TOTALS = ["student_id", "name", "email", "lms_user_id", "assignment", "score", "max_score",
              "auto_score", "manual_score", "pending_score", "late_penalty", "hours_late",
              "submitted_utc", "percent",
              "percent_graded", "needs_manual_grade"]


def export_csv(course: Course, path: str | os.PathLike) -> int:
    """One row per student: totals (as ``Totals``), then every grade cell's score.

    Returns the row count. ``score`` is the points graded so far less the late penalty;
    ``pending_score`` the points of cells that await a manual grade (empty cells).
    """
    rows = gradebook_scores(course)
    cells = list(dict.fromkeys(c.label for row in rows for c in row.cells))
    target = Path(path)
    if not target.parent.is_dir():
        raise CourseError(f"folder {target.parent} does not exist")
    with open(target, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*CSV_TOTALS, *cells])
        for row in rows:
            t = row.totals
            graded = t.graded_percent
            by_id = {c.label: c.score for c in row.cells}
            writer.writerow([row.student, row.name, row.email, row.lms_user_id, ASSIGNMENT,
                             f"{t.score:g}", f"{t.max:g}", f"{t.auto:g}", f"{t.manual:g}",
                             f"{t.pending:g}", f"{t.penalty:g}", f"{row.seconds_late / 3600:.2f}",
                             row.timestamp.isoformat(sep=" ") if row.timestamp else "",
                             f"{t.percent:.2f}",
                             "" if graded is None else f"{graded:.2f}",
                             int(row.needs_manual_grade),
                             *("" if by_id.get(c) is None else f"{by_id[c]:g}" for c in cells)])
    return len(rows)
