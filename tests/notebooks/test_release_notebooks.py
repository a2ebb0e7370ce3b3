"""The student release of the real course notebooks.

The release holds no solution and no hidden test; each release notebook runs until
the first student task (where a stub raises NotImplementedError naming it); and
``nbgrader validate`` fails an untouched one with a clear message. That it passes a
completed notebook is shown by tests/notebooks/test_in_order.py, whose stricter
``validate_all`` run of a notebook with its tasks done passes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.course.layout import Course
from autograder.course.release import check_release
from autograder.course.setup import init_course
from autograder.maintain.notebooks import REPRODUCIBLE_ENV
from autograder.registry import NOTEBOOKS, TASKS_BY_ID

FAST_ENV = {**REPRODUCIBLE_ENV, "NBGRADER_EXECUTION": "1"}


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Course:
    return init_course(tmp_path_factory.mktemp("release") / "course",
                       progress=lambda message: None)


def test_release_has_no_solution_and_no_hidden_test(released: Course) -> None:
    course = released
    assert sorted(p.stem for p in course.release.glob("*.ipynb")) == sorted(NOTEBOOKS)
    assert check_release(course.release) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_release_notebook_runs_up_to_the_first_student_task(
    released: Course, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = released
    work = tmp_path / "student"
    shutil.copytree(course.release, work)
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    with pytest.raises(CellExecutionError) as info:
        client.execute(cwd=str(work))
    assert info.value.ename == "NotImplementedError"
    # The stub names its task (or nbgrader's own stub of a notebook solution cell).
    assert info.value.evalue in TASKS_BY_ID or info.value.evalue == ""
    ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
    assert len(ran) >= 1


def validate(path: Path, *options: str) -> subprocess.CompletedProcess:
    """``nbgrader validate`` of one notebook, in fast mode, as a student runs it."""
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", path.name, *options],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **FAST_ENV},
    )


@pytest.mark.slow
def test_nbgrader_validate_fails_an_untouched_notebook(released: Course, tmp_path: Path) -> None:
    course = released
    name = "04_optimizers"
    untouched = tmp_path / "untouched"
    shutil.copytree(course.release, untouched)
    result = validate(untouched / f"{name}.ipynb")
    assert "VALIDATION FAILED" in result.stdout, result.stdout[-3000:]
    assert "did not pass its public check (not implemented yet)" in result.stdout
