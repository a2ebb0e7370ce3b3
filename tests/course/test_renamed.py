"""Renamed, copied, mixed and missing notebooks, recognised against the real assignment.

One submission folder holds every case at once, made from the six source notebooks of
``assignments/training_nn``: a renamed copy, a notebook retyped without its metadata,
a copy next to the original, two copies of one notebook, a mix of two notebooks, an
unrelated notebook and a damaged file. No nbgrader run: the end-to-end case (a renamed
notebook autograded, queued for manual grading and reported) is in test_course_pipeline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.course.layout import DEFAULT_ASSIGNMENT_DIR
from autograder.course.renamed import recognise, release_signatures
from autograder.course.submissions import inspect_submission, stage_submission

SOURCE = DEFAULT_ASSIGNMENT_DIR
NB2, NB3, NB4, NB5 = ("02_weight_initialization", "03_normalization", "04_optimizers",
                      "05_babysitting_hyperparameters")
# The check_task lines of notebook 04's nine task cells, as a student could retype them.
OPTIMISERS = ("sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam", "step_decay",
              "exponential_decay", "inverse_time_decay", "cosine_decay")


def _cells(stem: str, prefix: str, count: int) -> list:
    nb = nbformat.read(SOURCE / f"{stem}.ipynb", as_version=4)
    return [c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith(prefix)][:count]


@pytest.fixture(scope="module")
def handed_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("renamed") / "training_nn"
    folder.mkdir()
    shutil.copy(SOURCE / f"{NB3}.ipynb", folder / "03 normalization (1).ipynb")
    retyped = new_notebook(cells=[new_code_cell(f'check_task("optim.{name}")')
                                  for name in OPTIMISERS])
    nbformat.write(retyped, folder / "my_optimizers.ipynb")
    shutil.copy(SOURCE / f"{NB2}.ipynb", folder / f"{NB2}.ipynb")
    shutil.copy(SOURCE / f"{NB2}.ipynb", folder / "Copy of 02.ipynb")
    (folder / "a").mkdir()
    shutil.copy(SOURCE / f"{NB5}.ipynb", folder / "a" / "05.ipynb")
    shutil.copy(SOURCE / f"{NB5}.ipynb", folder / "05-v2.ipynb")
    mixed = new_notebook(cells=_cells(NB3, "normalization-", 5) + _cells(NB2, "initializers-", 5))
    nbformat.write(mixed, folder / "mixed.ipynb")
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("print(x)")]),
                   folder / "scratch.ipynb")
    (folder / "notes.ipynb").write_text("{not json")
    return folder


def test_every_case_is_named_and_only_clear_ones_are_graded(handed_in: Path) -> None:
    files = sorted(p.relative_to(handed_in).as_posix() for p in handed_in.rglob("*.ipynb"))
    found = recognise(handed_in, files, release_signatures(SOURCE))
    assert found.renamed == {NB3: "03 normalization (1).ipynb", NB4: "my_optimizers.ipynb"}
    assert found.notes == [
        f"notebook 'mixed.ipynb' mixes cells of {NB2}.ipynb and {NB3}.ipynb: not graded",
        "notebook 'notes.ipynb' is not part of the assignment and could not be read: not graded",
        "notebook 'scratch.ipynb' is not part of the assignment and holds none of its "
        "notebooks' cells: not graded",
        f"notebook 'Copy of 02.ipynb' holds the cells of {NB2}.ipynb, which was handed in too: "
        f"{NB2}.ipynb was graded, not the copy",
        # all 50 cells of notebook 03 carry cell ids of their own
        f"notebook '03 normalization (1).ipynb' is {NB3}.ipynb renamed (recognised by 50 of "
        f"its cells): graded as {NB3}.ipynb",
        f"notebook 'my_optimizers.ipynb' is {NB4}.ipynb renamed (recognised by 9 of its "
        f"cells): graded as {NB4}.ipynb",
        f"notebooks '05-v2.ipynb' and 'a/05.ipynb' all hold the cells of {NB5}.ipynb, which "
        f"was not handed in under its name: none was graded (rename the right one to "
        f"{NB5}.ipynb in the submission and autograde this student again)",
        "notebook 01_activations_preprocessing.ipynb was not handed in: its tasks were graded "
        "from cs231n_core and its other cells score 0",
        f"notebook {NB5}.ipynb was not handed in: its tasks were graded from cs231n_core and "
        f"its other cells score 0",
        "notebook 06_regularization_transfer.ipynb was not handed in: its tasks were graded "
        "from cs231n_core and its other cells score 0",
    ]
    assert len(found.student_notes) == len(found.notes)
    assert found.student_notes[4] == (f"Your notebook '03 normalization (1).ipynb' was "
                                      f"recognised as {NB3}.ipynb by its cells and graded as "
                                      f"{NB3}.ipynb.")


def test_the_staged_copy_has_the_release_name_and_the_hand_in_is_kept(
        handed_in: Path, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in handed_in.rglob("*") if p.is_file()}
    found = inspect_submission(handed_in, source=SOURCE)
    assert not found.clean
    stage_submission(handed_in, tmp_path / "staged", found)
    staged = sorted(p.relative_to(tmp_path / "staged").as_posix()
                    for p in (tmp_path / "staged").rglob("*.ipynb"))
    assert staged == [f"{NB2}.ipynb", f"{NB3}.ipynb", f"{NB4}.ipynb", "05-v2.ipynb",
                      "Copy of 02.ipynb", "a/05.ipynb", "mixed.ipynb", "notes.ipynb",
                      "scratch.ipynb"]
    assert (tmp_path / "staged" / f"{NB3}.ipynb").read_bytes() == \
        (SOURCE / f"{NB3}.ipynb").read_bytes()
    assert {p: p.read_bytes() for p in handed_in.rglob("*") if p.is_file()} == before


def test_a_submission_with_every_notebook_reads_no_release(tmp_path: Path) -> None:
    # Nothing to match: the release notebooks are only listed, not read.
    folder, release = tmp_path / "handed_in", tmp_path / "release"
    folder.mkdir()
    release.mkdir()
    for stem in (NB2, NB3):
        shutil.copy(SOURCE / f"{stem}.ipynb", folder / f"{stem}.ipynb")
        (release / f"{stem}.ipynb").write_text("{not json: would fail if read")
    found = inspect_submission(folder, source=release)
    assert found.clean and found.notebooks.notes == []
