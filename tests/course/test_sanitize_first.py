"""nbgrader's passes in the warm server: every sanitize pass before the first autograde pass.

A course of two real notebooks, one perfect submission autograded through the CLI (the
warm server's runs use ``autograder.course.sanitize_first``). The scores must be the
registry's full marks for both notebooks, as with nbgrader's own order, and the run's
log must show both notebooks sanitized before either is autograded.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from nbgrader.apps import autogradeapp
from nbgrader.converters import Autograde

from autograder.course import cli
from autograder.course.concurrent_execute import ConcurrentExecuteAutograde
from autograder.course.gradebook import gradebook_scores
from autograder.course.layout import DEFAULT_ASSIGNMENT_DIR
from autograder.course.setup import init_course, write_solutions_folder
from autograder.course.submissions import submit
from autograder.registry import TASKS

NOTEBOOKS = ("01_activations_preprocessing", "03_normalization")


def _quiet(_message: str) -> None:
    pass


def test_nbgraders_private_names_it_relies_on_are_there() -> None:
    # The converter sets these exactly as Autograde.convert_single_notebook does.
    assert isinstance(Autograde._sanitizing, bool)
    assert callable(Autograde._init_preprocessors)
    assert autogradeapp.Autograde in (Autograde, ConcurrentExecuteAutograde)


@pytest.mark.slow
def test_every_notebook_is_sanitized_before_the_first_is_autograded(tmp_path: Path) -> None:
    assignment = tmp_path / "assignment" / "training_nn"
    assignment.mkdir(parents=True)
    for name in NOTEBOOKS:
        shutil.copy2(Path(DEFAULT_ASSIGNMENT_DIR) / f"{name}.ipynb", assignment)
    course = init_course(tmp_path / "course", assignment, progress=_quiet)
    perfect = write_solutions_folder(tmp_path / "perfect", course.source, progress=_quiet)
    submit(course, "perfect", perfect)

    assert cli.main(["autograde", str(course.root), "--student", "perfect"]) == 0

    log = (course.logs / "autograde-perfect.log").read_text()
    passes = re.findall(r"(Sanitizing|Autograding) \S+/(\w+)\.ipynb", log)
    assert passes == [("Sanitizing", NOTEBOOKS[0]), ("Sanitizing", NOTEBOOKS[1]),
                      ("Autograding", NOTEBOOKS[0]), ("Autograding", NOTEBOOKS[1])], passes
    (row,) = gradebook_scores(course)
    tasks = {t.id: t.points for t in TASKS if t.notebook in NOTEBOOKS}
    assert tasks  # the registry has tasks in both notebooks
    assert {c.label: c.score for c in row.cells if c.label in tasks} == tasks

