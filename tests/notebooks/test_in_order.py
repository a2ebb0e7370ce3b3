"""Each notebook runs top to bottom for a student who works through them in order.

For notebook N the student folder holds the notebooks with their own answers written
and a ``cs231n_core`` in which only the tasks of notebooks 1..N are done (every later
task still raises its stub's NotImplementedError). Notebook N then runs in fast mode
with no cell error (none of its cells, grade cells included, needs a later task): one
``nbgrader validate --Validator.validate_all=True`` run shows both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.course.setup import write_solutions_folder
from autograder.maintain.build_stubs import partly_solved_modules
from autograder.registry import NOTEBOOKS, tasks_through
from tests.notebooks.test_release_notebooks import validate

NAMES = list(NOTEBOOKS)


def test_a_student_folder_in_order_has_later_tasks_as_stubs(tmp_path: Path) -> None:
    modules = partly_solved_modules(tasks_through("02_weight_initialization"))
    # Notebook 01's layers and notebook 02's net are done; dropout (notebook 06) is not.
    assert 'raise NotImplementedError("layers.dropout_forward")' in modules["layers"]
    assert 'raise NotImplementedError("layers.affine_forward")' not in modules["layers"]
    assert 'raise NotImplementedError("normalization.batchnorm_forward")' in modules[
        "normalization"
    ]
    assert "raise NotImplementedError(\"" not in modules["initializers"]
    assert 'raise NotImplementedError("classifiers.' not in modules["classifiers"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_with_only_the_tasks_so_far_solved(name: str, tmp_path: Path) -> None:
    work = write_solutions_folder(tmp_path / "student", progress=lambda message: None)
    for module, text in partly_solved_modules(tasks_through(name)).items():
        (work / "cs231n_core" / f"{module}.py").write_text(text)
    # One run checks both: nbgrader validate executes every cell in fast mode, as for the
    # student, and with validate_all it fails on an error (or stderr) in any code cell,
    # not only in the grade cells.
    result = validate(work / f"{name}.ipynb", "--Validator.validate_all=True")
    assert "Success! Your notebook passes all the tests." in result.stdout, (
        f"{name} stops for a student who has solved only the tasks so far:\n"
        + result.stdout[-3000:] + result.stderr[-3000:])
