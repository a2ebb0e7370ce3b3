"""`cs231n-course collect`: zips a finished submission, refuses one that is not ready.

Submissions are built here: two small notebooks whose execution counts and
outputs are set by hand, plus a copy of the released cs231n_core package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder.course import cli
from autograder.course import collect as course_collect
from autograder.course.collect import check_submission, collect, notebook_problem
from autograder.course.layout import PACKAGE_DIR, SKIP, CourseError
from autograder.course.limits import Limits
from tests.course.errors import one_error_line

NB_A = "01_activations_preprocessing.ipynb"
NB_B = "02_weight_initialization.ipynb"


def run_notebook(counts: list[int | None], error_at: int | None = None,
                 empty_cell: bool = False) -> nbformat.NotebookNode:
    """A notebook whose code cells carry these execution counts (one output each)."""
    cells = [new_markdown_cell("# Title")]
    for i, count in enumerate(counts):
        cell = new_code_cell(f"x{i} = {i}\nprint(x{i})", execution_count=count)
        if count is not None:
            cell.outputs = [new_output("stream", name="stdout", text=f"{i}\n")]
        if error_at == i:
            cell.outputs = [new_output("error", ename="NameError", evalue="name 'y' is not defined",
                                       traceback=["NameError"])]
        cells.append(cell)
        if empty_cell and i == 0:
            cells.append(new_code_cell(""))  # Jupyter leaves an empty cell without a count
    return new_notebook(cells=cells)


@pytest.fixture()
def submission(tmp_path) -> Path:
    folder = tmp_path / "training_nn"
    folder.mkdir()
    shutil.copytree(PACKAGE_DIR, folder / "cs231n_core", ignore=SKIP)
    (folder / "cs231n_core" / "__pycache__").mkdir()
    (folder / "cs231n_core" / "__pycache__" / "layers.cpython-311.pyc").write_bytes(b"\0")
    nbformat.write(run_notebook([1, 2, 3], empty_cell=True), folder / NB_A)
    nbformat.write(run_notebook([1, 2]), folder / NB_B)
    (folder / "scratch.txt").write_text("not collected")
    return folder


@pytest.fixture(autouse=True)
def two_notebooks(monkeypatch) -> None:
    # The release of these tests has two notebooks (the real one has all of the course's).
    monkeypatch.setattr(course_collect, "required_notebooks", lambda: [NB_A, NB_B])


def test_a_finished_submission_is_zipped(submission, tmp_path) -> None:
    out = collect(submission, tmp_path / "upload" / "me.zip", progress=lambda m: None)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert zf.testzip() is None
    package = {f"training_nn/cs231n_core/{p.name}" for p in PACKAGE_DIR.glob("*.py")}
    assert package <= names
    assert {f"training_nn/{NB_A}", f"training_nn/{NB_B}"} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert "training_nn/scratch.txt" not in names
    assert list((tmp_path / "upload").iterdir()) == [out]  # no temporary file left behind


@pytest.mark.parametrize(
    ("counts", "error_at", "fragment"),
    [
        ([1, 3, 4], None, "cell 3 has execution count 3, expected 2"),  # a cell run twice
        ([2, 3, 4], None, "cell 2 has execution count 2, expected 1"),  # kernel not restarted
        ([1, None, 3], None, "cell 3 has no execution count"),          # a cell skipped
        ([3, 2, 1], None, "was not run top to bottom"),                 # run bottom to top
        ([None, None, None], None, "was not run top to bottom"),        # never run
        ([1, 2, 3], 1, "cell 3 ended with NameError"),                  # an error output
    ],
)
def test_notebook_not_run_top_to_bottom_is_refused(counts, error_at, fragment, tmp_path) -> None:
    path = tmp_path / NB_A
    nbformat.write(run_notebook(counts, error_at), path)
    problem = notebook_problem(path)
    assert problem is not None and fragment in problem and problem.startswith(NB_A)
    assert "\n" not in problem


def test_notebook_without_code_cells_counts_as_never_run(tmp_path) -> None:
    path = tmp_path / NB_A
    nbformat.write(new_notebook(cells=[new_markdown_cell("text only")]), path)
    assert "never run" in notebook_problem(path)


def test_unreadable_notebook_is_refused(tmp_path) -> None:
    path = tmp_path / NB_A
    path.write_text("{ not json")
    assert "not a readable notebook" in notebook_problem(path)


def test_missing_files_are_reported(submission) -> None:
    (submission / NB_B).unlink()
    (submission / "cs231n_core" / "optim.py").unlink()
    problems = check_submission(submission)
    assert any(p.startswith(f"{NB_B} is missing") for p in problems)
    assert any(p.startswith("cs231n_core/optim.py is missing") for p in problems)
    shutil.rmtree(submission / "cs231n_core")
    assert "cs231n_core/ is missing" in check_submission(submission)[0]


def test_symbolic_links_are_refused(submission, tmp_path) -> None:
    target = submission / "cs231n_core" / "layers.py"
    moved = tmp_path / "elsewhere.py"
    shutil.move(target, moved)
    target.symlink_to(moved)
    assert any("layers.py is a symbolic link" in p for p in check_submission(submission))


def test_cli_collect(submission, tmp_path, capsys) -> None:
    out = tmp_path / "submission.zip"
    assert cli.main(["collect", str(submission), "--out", str(out)]) == 0
    assert str(out.resolve()) in capsys.readouterr().out
    assert zipfile.is_zipfile(out)


def test_cli_collect_refuses_with_one_line_and_writes_nothing(submission, tmp_path,
                                                               capsys) -> None:
    out = tmp_path / "submission.zip"
    nbformat.write(run_notebook([1, 5, 6]), submission / NB_B)
    (submission / "cs231n_core" / "solver.py").unlink()
    assert cli.main(["collect", str(submission), "--out", str(out)]) == 1
    line = one_error_line(capsys, "collect")
    assert "not collected: cs231n_core/solver.py is missing" in line
    assert "(2 problems in all)" in line
    assert not out.exists()

    assert cli.main(["collect", str(tmp_path / "nowhere"), "--out", str(out)]) == 1
    assert "does not exist" in one_error_line(capsys, "collect")
    assert cli.main(["collect", str(submission), "--out", str(tmp_path / "x.tar")]) == 1
    assert "must name a .zip file" in one_error_line(capsys, "collect")


def test_cli_collect_needs_out(submission, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["collect", str(submission)])
    assert exc.value.code == 2
    assert "--out" in capsys.readouterr().err


# --------------------------------------------------------------------------- release extras


def test_release_carries_the_students_readme_and_requirements(tmp_path) -> None:
    from autograder.course.layout import DEFAULT_ASSIGNMENT_DIR, Course
    from autograder.course.release import check_release
    from autograder.course.setup import build_source

    course = Course(tmp_path / "course")
    build_source(course, DEFAULT_ASSIGNMENT_DIR, progress=lambda m: None)
    extras = [course.source / "README.md", course.source / "requirements.txt"]
    assert all(p.is_file() for p in extras)  # nbgrader copies them on to release/

    names = {line.split("#")[0].split(">")[0].split("<")[0].split("=")[0].strip()
             for line in extras[1].read_text().splitlines()} - {""}
    assert {"numpy", "matplotlib", "tqdm", "mnist1d", "jupyterlab", "nbgrader"} <= names

    readme = extras[0].read_text()
    for command in ("pip install -r requirements.txt", "jupyter lab",
                    "python -m cs231n_core.check", "nbgrader validate",
                        "python -m cs231n_core.check.handin"):
        assert command in readme

    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for path in extras:
        shutil.copy(path, shipped)
    assert check_release(shipped) == []


def test_fifo_and_oversized_files_are_refused_before_reading(submission, tmp_path) -> None:
    out = tmp_path / "me.zip"
    os.mkfifo(submission / "cs231n_core" / "pipe")  # zipping it would block forever
    with pytest.raises(CourseError, match="cs231n_core/pipe is not a regular file"):
        collect(submission, out, progress=lambda m: None)
    (submission / "cs231n_core" / "pipe").unlink()
    with open(submission / "cs231n_core" / "weights.npy", "wb") as f:
        f.truncate(11 * 1024 * 1024)  # sparse: 11 MiB by its size, nothing to read
    with pytest.raises(CourseError, match=r"weights.npy is 11.0 MiB, over the limit of 10.0 MiB"):
        collect(submission, out, progress=lambda m: None)
    small = Limits(max_files=5)
    with pytest.raises(CourseError, match="over the limit of 5"):
        collect(submission, out, progress=lambda m: None, limits=small)
    assert not out.exists()


# `python -m cs231n_core.check.handin` in the student's folder, checking that it used the
# folder's own cs231n_core and never imported the instructors' package.
STUDENT_RUN = """
import os, runpy, sys
sys.path.insert(0, os.getcwd())
code = 0
try:
    runpy.run_module("cs231n_core.check.handin", run_name="__main__")
except SystemExit as exc:
    code = exc.code
assert "autograder" not in sys.modules, "the hand-in step imported the instructors' package"
assert sys.modules["cs231n_core"].__file__.startswith(os.getcwd())
sys.exit(code)
"""


def test_students_zip_their_folder_with_the_released_package_alone(submission, tmp_path) -> None:
    # As the students' README says, in the folder, with nothing but the release's files:
    # a fresh interpreter that cannot import the instructors' package.
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(submission)}
    run = subprocess.run([sys.executable, "-I", "-c", STUDENT_RUN], cwd=submission, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(submission / "submission.zip") as zf:
        names = set(zf.namelist())
    assert {f"training_nn/{NB_A}", f"training_nn/{NB_B}",
            "training_nn/cs231n_core/layers.py"} <= names
    assert not any("__pycache__" in n or "scratch" in n for n in names)
    # The instructors' collect takes the same files.
    out = collect(submission, tmp_path / "me.zip", progress=lambda m: None)
    with zipfile.ZipFile(out) as zf:
        assert set(zf.namelist()) == names - {"training_nn/submission.zip"}
    nbformat.write(run_notebook([2, 1]), submission / NB_B)
    (submission / "submission.zip").unlink()
    run = subprocess.run([sys.executable, "-m", "cs231n_core.check.handin"], cwd=submission,
                         env={**env, "PYTHONPATH": str(submission)}, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert run.stderr.startswith(f"not zipped: {NB_B} was not run top to bottom")
    assert not (submission / "submission.zip").exists()
