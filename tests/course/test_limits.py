"""Size limits and cell repair, step by step (the end-to-end cases are in the staging attacks).

The limits as the course config sets them; a zip whose headers lie; which files the
staged copy keeps when a submission is over a limit; how a notebook's nbgrader cells
are repaired against the release.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.course.config import config_text
from autograder.course.layout import Course, CourseError
from autograder.course.limits import LimitError, Limits, course_limits
from autograder.course.repair import ReleaseCell, repair_cells
from autograder.course.submissions import inspect_submission, stage_submission, submit

MIB = 1024 * 1024
NB = "01_activations_preprocessing.ipynb"


def test_the_course_config_sets_the_limits(tmp_path: Path) -> None:
    config = tmp_path / "nbgrader_config.py"
    config.write_text(config_text(60))
    assert course_limits(config) == Limits(max_files=1000, max_file_bytes=10 * MIB,
                                           max_total_bytes=25 * MIB, max_zip_ratio=100.0)
    text = config.read_text().replace("c.SubmissionLimits.max_files = 1000",
                                      "c.SubmissionLimits.max_files = 12  # a small class")
    config.write_text(text)
    assert course_limits(config).max_files == 12
    config.write_text(text.replace("= 12", "= -1"))
    with pytest.raises(LimitError, match="must be a positive number"):
        course_limits(config)


def _course(tmp_path: Path) -> Course:
    root = tmp_path / "course"
    (root / "submitted").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(config_text(60))
    return Course(root)


def _lying_zip(path: Path, real: int, said: int) -> None:
    """A zip of one member of ``real`` bytes whose headers say it has ``said``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("training_nn/cs231n_core/data.bin", bytes(real))
    data = bytearray(path.read_bytes())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, said)  # uncompressed size, local header
    struct.pack_into("<I", data, central + 24, said)  # uncompressed size, central directory
    path.write_bytes(bytes(data))


def test_a_zip_whose_headers_lie_is_refused_and_nothing_stays(tmp_path: Path) -> None:
    course = _course(tmp_path)
    bomb = tmp_path / "lies.zip"
    _lying_zip(bomb, real=5 * MIB, said=100)
    with zipfile.ZipFile(bomb) as zf:
        assert zf.infolist()[0].file_size == 100  # the central directory says 100 bytes
    with pytest.raises(CourseError, match=r"submission of eve refused: lies\.zip"):
        submit(course, "eve", bomb)
    assert list((course.root / "submitted").rglob("*.bin")) == []
    assert not course.submitted("eve").exists()


def test_a_folder_over_a_limit_is_refused_before_copying(tmp_path: Path) -> None:
    course = _course(tmp_path)
    folder = tmp_path / "work"
    (folder / "cs231n_core").mkdir(parents=True)
    (folder / "cs231n_core" / "layers.py").write_text("x = 1\n")
    with open(folder / "video.mp4", "wb") as f:
        f.truncate(11 * MIB)
    with pytest.raises(CourseError, match=r"submission of eve refused: work: 'video.mp4': it is "
                                          r"11.0 MiB, over the limit of 10.0 MiB per file"):
        submit(course, "eve", folder)
    assert not (course.root / "submitted" / "eve" / "training_nn").exists()
    (folder / "video.mp4").unlink()
    assert (submit(course, "eve", folder) / "cs231n_core" / "layers.py").read_text() == "x = 1\n"


def test_staging_keeps_the_course_files_first(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    (folder / "cs231n_core").mkdir(parents=True)
    (folder / NB).write_text("{}")  # not a notebook: graded as missing
    (folder / "cs231n_core" / "layers.py").write_bytes(b"x" * 3000)
    (folder / "cs231n_core" / "optim.py").write_bytes(b"y" * 3000)
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_bytes(b"z" * 3000)
    few = inspect_submission(folder, Limits(max_files=3, max_file_bytes=4000))
    assert few.files == ["cs231n_core/layers.py", "cs231n_core/optim.py"]
    assert few.left_out == {"3 more file(s)": "over the limit of 3 files per submission"}
    limits = Limits(max_files=5, max_file_bytes=4000, max_total_bytes=12000)
    found = inspect_submission(folder, limits)
    assert found.files == ["cs231n_core/layers.py", "cs231n_core/optim.py", "a.txt"]
    assert NB in {f"{stem}.ipynb" for stem in found.unreadable}
    over = "the submission would go over the limit of 12000 bytes in all"
    assert found.left_out == {"b.txt": over, "c.txt": over}
    stage_submission(folder, tmp_path / "staged", found, limits)
    staged = sorted(p.relative_to(tmp_path / "staged").as_posix()
                    for p in (tmp_path / "staged").rglob("*") if p.is_file())
    assert staged == ["a.txt", "cs231n_core/layers.py", "cs231n_core/optim.py"]


# --------------------------------------------------------------------------- repair

TEST = ReleaseCell("test", "code", "assert f() == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 2\n"
                   "### END HIDDEN TESTS", "sum1", locked=True, grade=True, solution=False,
                   task=False, points=1.0)
ANSWER = ReleaseCell("answer", "markdown", "YOUR ANSWER HERE", "sum2", locked=False, grade=True,
                     solution=True, task=False, points=2.0)
SOLUTION = ReleaseCell("solution", "code", "def f(x=1):\n    raise NotImplementedError", "sum3",
                       locked=False, grade=False, solution=True, task=False, points=0.0)


def _cell(release: ReleaseCell, source: str, **meta: object) -> dict:
    make = new_code_cell if release.cell_type == "code" else new_markdown_cell
    cell = make(source)
    cell.metadata["nbgrader"] = {**release.metadata(), **meta}
    return cell


def test_repair_keeps_the_matching_copy_and_puts_deleted_cells_back() -> None:
    solution = _cell(SOLUTION, "def f(x=1):\n    return x")
    early_copy = _cell(TEST, "assert f() == 1")  # pasted above the solution
    test = _cell(TEST, "assert f() == 1")
    stolen = _cell(ANSWER, "def g(): pass", grade_id="test")  # a third claim, another source
    nb = new_notebook(cells=[early_copy, solution, test, stolen])
    repair = repair_cells(nb, [SOLUTION, TEST, ANSWER])
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells] == \
        [None, "solution", "test", "answer", None]  # put back after the cell before it
    assert nb.cells[2].source == TEST.source  # the locked source, hidden tests included
    assert nb.cells[3].source == "YOUR ANSWER HERE" and nb.cells[3].cell_type == "markdown"
    assert repair.restored == {"answer"}
    assert sum("a second cell claimed grade id 'test'" in n for n in repair.notes) == 2
    assert any("'answer' was deleted" in n for n in repair.notes)


def test_repair_restores_flags_points_and_type() -> None:
    answer = _cell(ANSWER, "Because.", solution=False, points=50)
    answer.cell_type = "code"
    answer.outputs, answer.execution_count = [], None
    nb = new_notebook(cells=[_cell(TEST, "assert f() == 1", points=9, solution=True), answer])
    repair = repair_cells(nb, [TEST, ANSWER])
    assert nb.cells[0].metadata.nbgrader == TEST.metadata()
    assert nb.cells[1].metadata.nbgrader == ANSWER.metadata()
    assert nb.cells[1].cell_type == "markdown" and "outputs" not in nb.cells[1]
    assert nb.cells[1].source == "Because."  # the student's answer is kept
    assert repair.notes == [
        "cell 'test' was edited (solution True (should be False); points 9 (should be 1.0)): "
        "restored from the release",
        "cell 'answer' was edited (cell type code (should be markdown); solution False (should "
        "be True); points 50 (should be 2.0)): restored from the release",
    ]
    assert repair.restored == set()
