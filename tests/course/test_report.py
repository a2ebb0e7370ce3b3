"""The class report (`cs231n-course report`): statistics, inline plots, tables, command line.

The gradebook is replaced by hand-made rows whose pass rates and means are known,
so the numbers on the page are checked against values worked out here. The rows
have the shape ``autograder.course.gradebook.gradebook_scores`` returns for an autograded
course, which is where ``write_report`` reads them from.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from autograder.course import cli
from autograder.course import report as course_report
from autograder.course.gradebook import CellScore, StudentScores
from autograder.course.layout import CourseError
from autograder.course.report import cell_stats, report_html
from autograder.grade_cells import grade_id_of
from tests.course.errors import one_error_line

NB1 = "01_activations_preprocessing"
NB3 = "03_normalization"


def student(name: str, affine: float, relu: float, bn: float | None, answer: float | None,
            ) -> StudentScores:
    cells = [
        CellScore(grade_id_of("layers.affine_forward"), NB1, affine, 2.0, False),
        CellScore(grade_id_of("layers.relu_forward"), NB1, relu, 1.0, False),
        CellScore("question_why_flatten", NB1, answer, 1.0, answer is None, written=True),
        CellScore("shapes_hidden_test", NB1, 1.0, 1.0, False),
    ]
    if bn is not None:
        cells.append(CellScore(grade_id_of("normalization.batchnorm_forward"), NB3, bn, 4.0,
                               False))
    notebooks = {NB1: (affine + relu + (answer or 0.0), 4.0)}
    if bn is not None:
        notebooks[NB3] = (bn, 4.0)
    total = sum(s for s, _ in notebooks.values())
    return StudentScores(name, total, 8.0, answer is None, notebooks, cells)


@pytest.fixture()
def rows() -> list[StudentScores]:
    # affine_forward: 2 of 4 full -> 50%; relu_forward: 4 of 4 -> 100%;
    # batchnorm_forward: 0 of 3 full (one student has no such cell) -> 0%, mean 4/3.
    return [
        student("alice", 2.0, 1.0, 0.0, 1.0),
        student("bob", 2.0, 1.0, 2.0, 0.5),
        student("carol", 1.0, 1.0, 2.0, None),
        student("dave", 0.0, 1.0, None, 0.0),
    ]


def _grade_ids_match_task_ids(rows) -> None:
    # The report labels cells by task id; the fixture's grade ids must map back.
    labels = {c.label for r in rows for c in r.cells}
    assert {"layers.affine_forward", "normalization.batchnorm_forward"} <= labels


def test_cell_statistics_match_hand_counts(rows) -> None:
    _grade_ids_match_task_ids(rows)
    stats = {s.label: s for s in cell_stats(rows)}
    assert stats["layers.affine_forward"].pass_rate == pytest.approx(0.5)
    assert stats["layers.affine_forward"].mean == pytest.approx(1.25)
    assert stats["layers.affine_forward"].zeros == 1
    assert stats["layers.relu_forward"].pass_rate == 1.0
    bn = stats["normalization.batchnorm_forward"]
    assert (bn.graded, bn.pass_rate, bn.zeros) == (3, 0.0, 1)
    assert bn.mean == pytest.approx(4 / 3)
    answer = stats["question_why_flatten"]
    assert not answer.is_task and answer.pending == 1 and answer.graded == 3
    # Registry notebooks in course order.
    assert [s.notebook for s in cell_stats(rows)][-1] == NB3


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_page_is_self_contained_with_two_png_plots_and_a_table_per_notebook(rows) -> None:
    page = report_html(rows)
    images = _images(page)
    assert len(images) == 2 and all(img.startswith(b"\x89PNG\r\n\x1a\n") for img in images)
    # Nothing is fetched from elsewhere: no external scripts, styles or images.
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "<script" not in page
    assert page.count("<h3>") == 2
    assert "Batch and layer normalisation" in page and "Activation functions" in page
    # The struggling task is flagged, with its pass rate and mean score.
    bn_row = next(line for line in page.splitlines()
                  if "normalization.batchnorm_forward</td>" in line)
    assert 'class="struggle"' in bn_row and ">0%<" in bn_row and ">1.33<" in bn_row
    relu_row = next(line for line in page.splitlines() if "layers.relu_forward</td>" in line)
    assert "struggle" not in relu_row and ">100%<" in relu_row
    # Written answers are counted, not rated, and pending manual grades are shown.
    assert "(written answer)" in page and "1 awaiting manual grading" in page
    # A plain nbgrader test cell is not mistaken for a written answer.
    assert "shapes_hidden_test <em>(test cell in the notebook)</em>" in page
    # The summary: four students, the hardest task named first.
    assert "<td>Students</td><td><strong>4</strong>" in page
    assert "Hardest tasks</td><td><strong>normalization.batchnorm_forward (0%)" in page


def test_an_empty_gradebook_is_a_clear_error() -> None:
    with pytest.raises(CourseError, match="run `cs231n-course autograde` first"):
        report_html([])


def _fake_course(folder: Path) -> Path:
    folder.mkdir()
    (folder / "nbgrader_config.py").write_text("c = get_config()  # noqa\n")
    (folder / "gradebook.db").write_bytes(b"")
    return folder


def test_cli_report_writes_the_page(rows, tmp_path, capsys, monkeypatch) -> None:
    course = _fake_course(tmp_path / "course")
    monkeypatch.setattr(course_report, "gradebook_scores", lambda c: rows)
    out = tmp_path / "out" / "class.html"
    assert cli.main(["report", str(course), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert str(out.resolve()) in captured.out
    assert "[report]" in captured.err  # progress on stderr
    assert len(_images(out.read_text())) == 2

    # Default location inside the course.
    assert cli.main(["report", str(course)]) == 0
    assert (course / "reports" / "class_report.html").is_file()


def test_cli_report_errors_are_one_line(rows, tmp_path, capsys, monkeypatch) -> None:
    assert cli.main(["report", str(tmp_path)]) == 1
    assert "is not a course directory" in one_error_line(capsys, "report")

    course = _fake_course(tmp_path / "course")
    monkeypatch.setattr(course_report, "gradebook_scores", lambda c: [])
    assert cli.main(["report", str(course)]) == 1
    assert "autograde` first" in one_error_line(capsys, "report")

    monkeypatch.setattr(course_report, "gradebook_scores", lambda c: rows)
    assert cli.main(["report", str(course), "--out", str(tmp_path)]) == 1
    assert "is a folder" in one_error_line(capsys, "report")


def test_report_help(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["report", "--help"])
    assert exc.value.code == 0
    assert "usage: cs231n-course report" in capsys.readouterr().out
