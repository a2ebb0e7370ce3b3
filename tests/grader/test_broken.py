"""Broken submissions get a clear message and a score for what still works.

Every case of ``tests/catalogue/broken.py`` is graded twice: through
``cs231n-course grade DIR --json`` (one JSON object on stdout, exit status 0 even
for a broken submission; run in this process: tests/fixtures/grade_json.py) and, as one
class with a perfect student among them, through an nbgrader ``autograde`` of the
course-pipeline fixture course, which must grade every student and keep going after each
broken one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from autograder.course import cli
from autograder.course.gradebook import gradebook_scores
from autograder.course.layout import Course
from autograder.course.submissions import submit
from autograder.registry import TASKS
from tests.catalogue.broken import AFFINE, BROKEN, NOTEBOOK, Broken
from tests.fixtures.course_notebook import new_fixture_course
from tests.fixtures.grade_json import grade_json

pytestmark = pytest.mark.slow

GRADE_SECONDS = 120
# The class leaves out cases whose only difference is the message of a hidden check.
SAME_PATH = {"inf in the result", "wrong shape", "wrong dtype (complex)"}
CLASS = {i: c for i, c in enumerate(BROKEN) if c.name not in SAME_PATH}


def student_id(index: int) -> str:
    return f"broken{index:02d}"


@pytest.fixture(scope="module")
def perfect(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("perfect") / "submission"
    assert cli.main(["release", "--with-solutions", str(folder)]) == 0
    return folder


def check_report(case: Broken, report: dict) -> None:
    assert [t["id"] for t in report["tasks"]] == [t.id for t in TASKS]
    lost = case.lost_tasks()
    for t in report["tasks"]:
        if t["id"] in lost:
            assert t["points"] == 0, f"{t['id']} earned {t['points']}:\n{t['feedback']}"
            assert case.message.lower() in t["feedback"].lower(), t["feedback"]
        else:
            assert t["points"] == t["max_points"], f"{t['id']} lost points:\n{t['feedback']}"
    assert report["total"] == sum(t.points for t in TASKS if t.id not in lost)


@pytest.mark.timeout(GRADE_SECONDS, func_only=True)  # a hang guard on the grading
@pytest.mark.parametrize("case", BROKEN, ids=[c.name for c in BROKEN])
def test_grade_json_scores_what_still_works(tmp_path: Path, perfect: Path, case: Broken,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "submission"
    shutil.copytree(perfect, folder)
    case.apply(folder)
    report = grade_json(folder, capfd)
    check_report(case, report)


# ------------------------------------------------------------------ one class through autograde


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    base = tmp_path_factory.mktemp("broken-class")
    course, perfect = new_fixture_course(base, release=True)
    course_dir = course.root
    for i, case in CLASS.items():
        folder = base / student_id(i)
        shutil.copytree(perfect, folder)
        case.apply(folder)
        submit(course, student_id(i), folder)
    submit(course, "zz_perfect", perfect)  # graded last: the run got past every broken one
    submitted = _tree(course.root / "submitted")
    assert cli.main(["autograde", str(course_dir)]) == 0  # every student graded
    assert _tree(course.root / "submitted") == submitted  # submissions are never changed
    return course


def _tree(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under ``root`` (names as bytes, so undecodable ones too): kind and content."""
    out = {}
    for path in sorted(root.rglob("*")):
        key = os.fsencode(path.relative_to(root))
        if path.is_symlink():
            out[key] = ("link", os.fsencode(os.readlink(path)))
        elif path.is_file():
            out[key] = ("file", path.read_bytes())
        else:
            out[key] = ("dir", b"")
    return out


def _rows(course: Course) -> dict:
    return {row.student: row for row in gradebook_scores(course, with_feedback=True)}


def _check_student(rows: dict, index: int, case: Broken) -> None:
    cells = {c.label: c for c in rows[student_id(index)].cells}
    expected = 0.0 if AFFINE in case.lost_tasks() else 2.0
    assert cells[AFFINE].score == expected, (case.name, cells[AFFINE].feedback)
    if expected == 0.0:
        assert case.message.lower() in cells[AFFINE].feedback.lower(), cells[AFFINE].feedback


def test_autograde_grades_the_whole_class(course: Course) -> None:
    rows = _rows(course)
    assert {student_id(i) for i in CLASS} | {"zz_perfect"} <= set(rows)
    for i, case in CLASS.items():
        _check_student(rows, i, case)
    perfect = {c.label: c.score for c in rows["zz_perfect"].cells}
    assert perfect[AFFINE] == 2.0 and perfect["fixture_hidden_test"] == 1.0


def test_autograde_grades_what_nbgrader_cannot_read(course: Course) -> None:
    """An unreadable notebook is graded as missing, with the reason; odd file names left out."""
    rows = _rows(course)
    said = [(i, c) for i, c in CLASS.items() if c.autograde_says]
    assert len(said) == 4
    for i, case in said:
        cells = {c.label: c for c in rows[student_id(i)].cells}
        log = (course.logs / f"autograde-{student_id(i)}.log").read_text(errors="replace")
        assert case.autograde_says in cells[AFFINE].feedback + log, (case.name, log[-2000:])
        if "could not be read" in case.autograde_says:
            # One line says why; the notebook's other cells score 0, as for a missing notebook.
            first = cells[AFFINE].feedback.splitlines()[0]
            assert case.autograde_says in first and "graded from your cs231n_core" in first
            assert cells["fixture_hidden_test"].score == 0.0
            assert cells["fixture_question"].score == 0.0
            assert not (course.autograded(student_id(i)) / NOTEBOOK).exists()
        else:
            assert cells["fixture_hidden_test"].score == 1.0
            left = os.listdir(os.fsencode(course.autograded(student_id(i)) / "cs231n_core"))
            assert b"r\xe9sum\xe9.py" not in left
