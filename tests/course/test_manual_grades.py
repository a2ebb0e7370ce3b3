"""Manual grading over a term: roster names, formgrader grades that survive re-autograde, totals.

One fixture course (one notebook: layers.affine_forward 2 points, a plain test cell
1 point, a written answer 1 point) with three students is autograded once. A grader's
formgrader work is written through nbgrader's Gradebook API, as the formgrader does
(``nbgrader.server_extensions.formgrader.apihandlers``: a manual score clears
``needs_manual_grade``). The class is then re-autograded after one student changed the
written answer; the tests read the gradebook, the table, the CSV and the feedback.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.course import cli
from autograder.course.autograde import autograde
from autograder.course.feedback import write_feedback
from autograder.course.gradebook import format_table, gradebook_scores, open_gradebook
from autograder.course.layout import ASSIGNMENT, Course, CourseError
from autograder.course.roster import import_roster, read_roster
from autograder.course.submissions import submit
from autograder.grade_cells import grade_id_of, notebook_cell_points
from tests.course.errors import one_error_line
from tests.fixtures.course_notebook import NOTEBOOK, new_fixture_course, write_fixture_assignment

pytestmark = pytest.mark.slow

ANSWER = "fixture_question"  # the written answer (1 point)
TEST_CELL = "fixture_hidden_test"  # the plain nbgrader test cell (1 point)
TASK_CELL = grade_id_of("layers.affine_forward")  # 2 points
ROSTER = ("id,first_name,last_name,email,lms_user_id\n"
          "ann,Ann,Lee,ann@example.edu,1001\n"
          "bob,Bob,Ng,bob@example.edu,1002\n")
CHANGED = "Each example is flattened into one row of length D, so one matrix product does all."


def _change_answer(folder: Path) -> None:
    path = folder / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER)
    cell.source = CHANGED
    nbformat.write(nb, path)


def _grade_by_hand(course: Course, student: str, grade_id: str, score: float,
                   comment: str = "", extra_credit: float | None = None) -> None:
    """What the formgrader stores when a grader scores and comments one cell."""
    with open_gradebook(course) as gb:
        grade = gb.find_grade(grade_id, NOTEBOOK, ASSIGNMENT, student)
        grade.manual_score = score
        grade.extra_credit = extra_credit
        grade.needs_manual_grade = False
        if comment:
            gb.find_comment(grade_id, NOTEBOOK, ASSIGNMENT, student).manual_comment = comment
        gb.db.commit()


def _state(course: Course) -> dict[tuple[str, str], tuple]:
    """(student, grade id) -> (manual score, extra credit, needs manual grade, comment)."""
    state = {}
    with open_gradebook(course) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                comments = {c.name: c.manual_comment for c in nb.comments}
                for g in nb.grades:
                    state[(sub.student.id, g.name)] = (g.manual_score, g.extra_credit,
                                                       bool(g.needs_manual_grade),
                                                       comments.get(g.name))
    return state


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    """Three perfect students (ann, bob, cy) autograded; ann and bob graded by hand; then
    bob changes his written answer and the class is autograded again."""
    base = tmp_path_factory.mktemp("manual")
    course, perfect = new_fixture_course(base, release=True)
    roster = base / "roster.csv"
    roster.write_text(ROSTER)
    assert cli.main(["roster", "import", str(course.root), str(roster)]) == 0
    for student in ("ann", "bob", "cy"):
        submit(course, student, perfect)
    autograde(course, jobs=2, progress=lambda _: None)
    _grade_by_hand(course, "ann", ANSWER, 1.0, "Clear and correct.")
    _grade_by_hand(course, "ann", TEST_CELL, 0.5, extra_credit=0.25)  # an override
    _grade_by_hand(course, "bob", ANSWER, 0.5, "Say why the rows matter.")
    changed = base / "bob_changed"
    shutil.copytree(perfect, changed)
    _change_answer(changed)
    submit(course, "bob", changed)
    return course


@pytest.fixture(scope="module")
def regraded(course: Course) -> tuple[dict, dict]:
    """The gradebook state before and after the re-autograde of the whole class."""
    before = _state(course)
    autograde(course, jobs=2, progress=lambda _: None)
    return before, _state(course)


def test_reautograde_keeps_every_manual_grade_and_comment(regraded) -> None:
    _, after = regraded
    assert after[("ann", ANSWER)] == (1.0, None, False, "Clear and correct.")
    assert after[("ann", TEST_CELL)] == (0.5, 0.25, False, None)


def test_only_the_changed_answer_is_queued_again(regraded) -> None:
    before, after = regraded
    assert before[("bob", ANSWER)] == (0.5, None, False, "Say why the rows matter.")
    assert after[("bob", ANSWER)] == (0.5, None, True, "Say why the rows matter.")
    assert after[("cy", ANSWER)] == (None, None, True, None)  # never graded: still queued
    queued = sorted(key for key, value in after.items() if value[2])
    assert queued == [("bob", ANSWER), ("cy", ANSWER)]


def test_totals_split_auto_manual_and_pending(regraded, course: Course) -> None:
    totals = {row.student: row.totals for row in gradebook_scores(course)}
    ann, bob, cy = totals["ann"], totals["bob"], totals["cy"]
    # ann: task 2 auto; test cell overridden 0.5 + 0.25 extra credit; answer 1 by hand.
    assert (ann.auto, ann.manual, ann.pending, ann.max, ann.score) == (2.0, 1.75, 0.0, 4.0, 3.75)
    # bob: his old manual score stands while the changed answer waits for review.
    assert (bob.auto, bob.manual, bob.pending, bob.score) == (3.0, 0.5, 0.0, 3.5)
    assert (cy.auto, cy.manual, cy.pending, cy.score) == (3.0, 0.0, 1.0, 3.0)
    assert cy.percent == 75.0 and cy.graded_percent == 100.0
    assert cy.text() == "3 / 4 (1 point awaiting manual grading)"


def test_table_and_csv_show_names_and_the_same_totals(regraded, course: Course,
                                                      tmp_path: Path) -> None:
    table = format_table(gradebook_scores(course)).splitlines()
    assert table[0].split()[:9] == ["student", "name", "01", "auto", "manual", "pending",
                                    "total", "max", "%"]
    assert table[2].split()[:11] == ["ann", "Ann", "Lee", "3.75", "2", "1.75", "0", "3.75",
                                     "4", "94", "94"]
    assert table[4].split()[:9] == ["cy", "3", "3", "0", "1", "3", "4", "75", "100"]
    target = tmp_path / "grades.csv"
    assert cli.main(["export", str(course.root), "--csv", str(target)]) == 0
    with open(target, newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert (rows["ann"]["name"], rows["ann"]["email"], rows["ann"]["lms_user_id"]) == \
        ("Ann Lee", "ann@example.edu", "1001")
    assert rows["cy"]["name"] == ""
    assert [rows["cy"][k] for k in ("score", "max_score", "auto_score", "manual_score",
                                    "pending_score", "percent", "percent_graded")] == \
        ["3", "4", "3", "0", "1", "75.00", "100.00"]


def test_feedback_shows_written_answers_with_the_graders_comments(regraded,
                                                                  course: Course) -> None:
    write_feedback(course, lambda _: None, students=["ann", "bob"])
    ann = (course.feedback("ann") / "index.html").read_text()
    assert "Feedback for Ann Lee (ann)" in ann
    assert "The weight matrix acts on vectors" in ann  # the answer as handed in
    assert "<strong>Grader:</strong> Clear and correct." in ann
    bob = (course.feedback("bob") / "index.html").read_text()
    assert CHANGED in bob and "Say why the rows matter." in bob
    assert not course.feedback("cy").exists()  # only the students asked for


def test_feedback_is_rewritten_only_where_something_changed(regraded, course: Course,
                                                             tmp_path: Path) -> None:
    pages = write_feedback(course, lambda _: None, jobs=2, force=True)
    assert sorted(p.parent.parent.name for p in pages) == ["ann", "bob", "cy"]
    assert (course.feedback("cy") / f"{NOTEBOOK}.html").is_file()
    assert write_feedback(course, lambda _: None) == []  # nothing changed
    roster = tmp_path / "cy.csv"
    roster.write_text("id,first_name,last_name\ncy,Cy,Park\n")
    import_roster(course, roster)
    assert write_feedback(course, lambda _: None) == [course.feedback("cy") / "index.html"]
    assert "Feedback for Cy Park (cy)" in (course.feedback("cy") / "index.html").read_text()


def test_roster_import_updates_names_and_keeps_what_a_row_leaves_empty(
        regraded, course: Course, tmp_path: Path) -> None:
    update = tmp_path / "update.csv"
    update.write_text("Student ID,Email\nann,ann.lee@example.edu\ndee,\n")
    assert [e.id for e in import_roster(course, update)] == ["ann", "dee"]
    with open_gradebook(course) as gb:
        ann = gb.find_student("ann")
        assert (ann.first_name, ann.last_name, ann.email, ann.lms_user_id) == \
            ("Ann", "Lee", "ann.lee@example.edu", "1001")
        assert gb.find_student("dee").email is None


@pytest.mark.parametrize(("text", "message"), [
    ("name,email\nann,a@x\n", "has no 'id' column"),
    ("id,email\nann,a@x\nann,b@x\n", "line 3: student 'ann' is listed twice"),
    ("id,email\nann,a@x\nbad id,b@x\n", "line 3: invalid student id 'bad id'"),
    ("", "is empty"),
    ("id,email\n", "lists no student"),
])
def test_roster_errors_name_the_line_and_change_nothing(
        text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(CourseError, match=message):
        read_roster(path)
    assert cli.main(["roster", "import", str(tmp_path / "no_course"), str(path)]) == 1
    assert "is not a course directory" in one_error_line(capsys, "roster")


def test_grade_counts_the_notebook_cells_it_does_not_grade(tmp_path: Path) -> None:
    # The fixture notebook: the task (2 points, graded by `grade`), a plain test cell
    # (1 point) and a written answer (1 point), which only a course grades.
    assert notebook_cell_points(write_fixture_assignment(tmp_path)) == 2.0
