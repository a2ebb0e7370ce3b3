"""A student who works through the notebooks in order.

For notebook N the student folder holds the notebooks with their own answers written
and a ``cs231n_core`` in which only the tasks of notebooks 1..N are done (every later
task still raises its stub's NotImplementedError). Every notebook runs so, top to bottom
in fast mode with no cell error and nothing on stderr, in
tests/notebooks/test_notebooks_cifar.py (on the CIFAR-10 stand-in, one run per notebook).
Here ``nbgrader validate --Validator.validate_all=True``, the command a student runs,
passes one such notebook: it executes every cell in fast mode on the embedded dataset and
fails on an error or stderr in any code cell, not only in the grade cells.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.course.setup import write_solutions_folder
from autograder.maintain.build_stubs import partly_solved_modules
from autograder.registry import NOTEBOOKS, tasks_through
from tests.notebooks.test_release_notebooks import validate

# The notebook validated: the quickest in fast mode that has both earlier and later tasks.
VALIDATED = "03_normalization"


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
def test_nbgrader_validate_passes_a_notebook_with_only_the_tasks_so_far_solved(
        tmp_path: Path) -> None:
    assert VALIDATED in NOTEBOOKS
    work = write_solutions_folder(tmp_path / "student", progress=lambda message: None)
    for module, text in partly_solved_modules(tasks_through(VALIDATED)).items():
        (work / "cs231n_core" / f"{module}.py").write_text(text)
    result = validate(work / f"{VALIDATED}.ipynb", "--Validator.validate_all=True")
    assert "Success! Your notebook passes all the tests." in result.stdout, (
        f"{VALIDATED} stops for a student who has solved only the tasks so far:\n"
        + result.stdout[-3000:] + result.stderr[-3000:])
