"""The nbgrader course end to end: init, release, submit, autograde, feedback, export, grade.

One course is built from the fixture notebook (the registry task layers.affine_forward,
2 points; a plain nbgrader test cell with hidden tests, 1 point; a written answer,
1 point) and a small class is autograded through nbgrader once; the tests then read
the gradebook, the autograded notebooks, the feedback pages and the CSV.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from markupsafe import escape

from autograder.course import cli
from autograder.course.autograde_one import logged_notes
from autograder.course.demo import apply_bugs
from autograder.course.gradebook import gradebook_scores
from autograder.course.layout import Course
from autograder.course.release import solution_lines
from autograder.course.report import write_report
from autograder.course.submissions import submit
from autograder.grade_cells import task_id_of
from autograder.isolation.sandbox import sandbox_available
from autograder.registry import TASKS
from tests.fixtures.course_notebook import HIDDEN_MARK, NO_BIAS, new_fixture_course
from tests.fixtures.grade_json import grade_json

pytestmark = pytest.mark.slow

NB1 = "01_activations_preprocessing"
TASK = "layers.affine_forward"
EDITED_PROVIDED = "# edited by the student\n"
RENAMED = "01 activations (final).ipynb"

# Expected trusted score of layers.affine_forward (2 points) for each student of the class.
EXPECTED = {
    "perfect": 2.0,
    "stubs": 0.0,
    "no_bias": 0.0,
    "forger": 0.0,
    "edited_cell": 2.0,
    "deleted_cell": 2.0,
    "no_notebook": 2.0,
    "renamed": 2.0,
}
# Score of the plain nbgrader test cell, which nbgrader scores from the kernel as usual.
# (The forger blanks it with an input transformer and gets its point: only registry
# grade cells are protected.)
EXPECTED_PLAIN = {
    "perfect": 1.0,
    "stubs": 0.0,
    "no_bias": 1.0,
    "edited_cell": 1.0,
    "deleted_cell": 1.0,
    "no_notebook": 0.0,
    "renamed": 1.0,
}


def _grade_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if task_id_of(c.metadata.get("nbgrader", {}).get("grade_id")))


def _edit_notebook(folder: Path, edit) -> None:
    path = folder / f"{NB1}.ipynb"
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)


def _forge(nb: nbformat.NotebookNode) -> None:
    """Everything a student could try from inside the notebook kernel."""
    cell = _grade_cell(nb)
    cell.source = 'print("2.0")\n2.0'
    cell.metadata.nbgrader["points"] = 100.0
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2.0"})]
    nb.cells[1:1] = [
        # Copy the instructor's reference over the stub, here and in the submitted folder.
        nbformat.v4.new_code_cell(
            "import os, shutil\nimport autograder.reference.layers as ref\n"
            "shutil.copy(ref.__file__, 'cs231n_core/layers.py')\n"
            "submitted = os.path.abspath('../../../submitted/forger/training_nn/cs231n_core')\n"
            "shutil.copy(ref.__file__, os.path.join(submitted, 'layers.py'))\nprint('copied')"
        ),
        # Blank every later cell, so the grade cell prints nothing and raises nothing.
        nbformat.v4.new_code_cell(
            "get_ipython().input_transformers_cleanup.append(lambda lines: [])"
        ),
    ]


def _edit_cell(nb: nbformat.NotebookNode) -> None:
    """Untick the grade flag and turn the grade cell into markdown (nbgrader alone crashes)."""
    cell = _grade_cell(nb)
    cell.metadata.nbgrader["grade"] = False
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    cell.source = "nothing to see"


def _delete_cell(nb: nbformat.NotebookNode) -> None:
    nb.cells.remove(_grade_cell(nb))
    nb.cells.insert(1, nbformat.v4.new_code_cell("import numpy as np\nnp.log(np.zeros(1))"))


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    base = tmp_path_factory.mktemp("pipeline")
    course, perfect = new_fixture_course(base, release=True)
    folders = {"perfect": perfect, "stubs": course.release}
    for name in ("no_bias", "edited_cell", "deleted_cell", "no_notebook", "renamed"):
        folders[name] = base / name
        shutil.copytree(perfect, folders[name])
    folders["forger"] = base / "forger"
    shutil.copytree(course.release, folders["forger"])
    apply_bugs(folders["no_bias"], (NO_BIAS,))
    provided = folders["no_bias"] / "cs231n_core" / "gradient_check.py"
    provided.write_text(EDITED_PROVIDED + provided.read_text())
    _edit_notebook(folders["forger"], _forge)
    _edit_notebook(folders["edited_cell"], _edit_cell)
    _edit_notebook(folders["deleted_cell"], _delete_cell)
    (folders["no_notebook"] / f"{NB1}.ipynb").unlink()
    (folders["renamed"] / f"{NB1}.ipynb").rename(folders["renamed"] / RENAMED)
    for student, folder in folders.items():
        submit(course, student, folder)

    assert cli.main(["autograde", str(course.root)]) == 0
    return course


@pytest.fixture(scope="module")
def scores(course: Course) -> dict[str, dict[str, float | None]]:
    return {row.student: {c.label: c.score for c in row.cells}
            for row in gradebook_scores(course)}


def test_init_builds_an_nbgrader_course(course: Course) -> None:
    config = course.generated_config.read_text()
    assert 'load_subconfig("cs231n_grader_config.py")' in course.config.read_text()
    assert "TrustedGrades" in config and "cs231n_core/layers.py" in config
    assert (course.source / f"{NB1}.ipynb").is_file()
    assert (course.source / "cs231n_core" / "layers.py").read_text().count("NotImplementedError(")
    assert course.gradebook.is_file()


def test_release_holds_stubs_and_no_solution(course: Course) -> None:
    release = course.release
    nb = nbformat.read(release / f"{NB1}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text and "return (x.shape[0], w.shape[1])" not in text
    assert HIDDEN_MARK not in text and "HIDDEN TESTS" not in text
    assert "raise NotImplementedError" in text
    layers = (release / "cs231n_core" / "layers.py").read_text()
    assert 'raise NotImplementedError("layers.affine_forward")' in layers
    secret = solution_lines()
    for path in release.rglob("*.py"):
        assert not secret & {ln.strip() for ln in path.read_text().splitlines()}, path


def test_gradebook_holds_the_trusted_scores(scores) -> None:
    for student, expected in EXPECTED.items():
        assert scores[student][TASK] == expected, student
    for student, expected in EXPECTED_PLAIN.items():
        assert scores[student]["fixture_hidden_test"] == expected, student
    # The written answer is left for manual grading unless it was left blank.
    assert scores["perfect"]["fixture_question"] is None
    assert scores["stubs"]["fixture_question"] == 0.0


def test_a_renamed_notebook_is_graded_under_its_name_and_said_everywhere(
        course: Course, scores) -> None:
    # Graded as the notebook itself: the written answer waits for the formgrader.
    assert scores["renamed"]["fixture_question"] is None
    assert (course.autograded("renamed") / f"{NB1}.ipynb").is_file()
    assert sorted(p.name for p in course.submitted("renamed").glob("*.ipynb")) == [RENAMED]
    renamed = (f"notebook '{RENAMED}' is {NB1}.ipynb renamed (recognised by 8 of its cells): "
               f"graded as {NB1}.ipynb")
    missing = (f"notebook {NB1}.ipynb was not handed in: its tasks were graded from cs231n_core "
               f"and its other cells score 0")
    assert logged_notes(course, "renamed") == [renamed]
    assert logged_notes(course, "no_notebook") == [missing]
    page = write_report(course, progress=lambda _: None).read_text()
    assert str(escape(renamed)) in page and str(escape(missing)) in page


def test_autograde_keeps_student_modules_and_restores_provided_ones(course: Course) -> None:
    package = course.autograded("no_bias") / "cs231n_core"
    layers = (package / "layers.py").read_text()
    assert layers.endswith(textwrap.dedent(str(NO_BIAS.change)).strip("\n") + "\n")
    assert (package / "gradient_check.py").read_text() == (
        course.source / "cs231n_core" / "gradient_check.py"
    ).read_text()
    submitted = course.submitted("no_bias") / "cs231n_core" / "gradient_check.py"
    assert submitted.read_text().startswith(EDITED_PROVIDED)


def test_forged_notebook_earns_nothing_and_shows_the_trusted_feedback(course: Course) -> None:
    nb = nbformat.read(course.autograded("forger") / f"{NB1}.ipynb", as_version=4)
    if sandbox_available():  # the sandboxed kernel cannot import the autograder
        assert nb.cells[1].outputs[0].get("ename") == "ModuleNotFoundError"
    else:
        assert "copied" in nb.cells[1].outputs[0]["text"]  # the kernel did run the attack
    cell = _grade_cell(nb)
    assert cell.metadata.nbgrader["points"] == 2.0
    assert "check_task" in cell.source
    assert cell.outputs[0]["text"].startswith(f"{TASK}: 0 / 2 points")
    assert cell.outputs[1]["data"]["text/plain"] == "0.0"


def test_only_an_edited_grade_cell_is_said_to_be_restored(course: Course) -> None:
    """nbgrader's own metadata (its record of the cell type) is no edit of the student's."""
    logs = {s: (course.logs / f"autograde-{s}.log").read_text() for s in ("perfect", "edited_cell")}
    assert f"Grade cell {TASK} was edited" not in logs["perfect"]
    assert "restored from the release" not in logs["perfect"]
    assert "restored from the release" in logs["edited_cell"]  # said by the sanitize step


def test_deleted_grade_cell_is_added_back(course: Course) -> None:
    nb = nbformat.read(course.autograded("deleted_cell") / f"{NB1}.ipynb", as_version=4)
    assert _grade_cell(nb).outputs[0]["text"].startswith(f"{TASK}: 2 / 2 points")


def test_autograde_again_gives_the_same_scores(course: Course, scores) -> None:
    assert cli.main(["autograde", str(course.root), "--student", "no_bias"]) == 0
    again = {row.student: {c.label: c.score for c in row.cells}
             for row in gradebook_scores(course)}
    assert again == scores


def test_feedback_pages_have_a_task_table_and_no_reference_code(course: Course) -> None:
    assert cli.main(["feedback", str(course.root)]) == 0
    secret = solution_lines()
    for student in EXPECTED:
        for page in course.feedback(student).glob("*.html"):
            assert HIDDEN_MARK not in page.read_text(), page  # plain nbgrader shows it
        page = (course.feedback(student) / "index.html").read_text()
        assert "<table>" in page and TASK in page, student
        assert f"{EXPECTED[student]:g} / 2" in page, student
    for path in course.feedback("stubs").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert "HIDDEN TESTS" not in text and HIDDEN_MARK not in text, path
            assert not secret & {ln.strip() for ln in text.splitlines()}, path
    assert (course.feedback("perfect") / f"{NB1}.html").is_file()
    missing = (course.feedback("no_notebook") / "index.html").read_text()
    assert "not submitted" in missing
    assert f"<li>{NB1}.ipynb was not handed in: its tasks were graded from your cs231n_core" \
        in missing
    renamed = (course.feedback("renamed") / "index.html").read_text()
    assert f"(handed in as {RENAMED})</h2>" in renamed
    assert (f"<li>Your notebook &#39;{RENAMED}&#39; was recognised as {NB1}.ipynb by its cells "
            f"and graded as {NB1}.ipynb.</li>") in renamed


def test_export_writes_one_row_per_student(course: Course, tmp_path) -> None:
    target = tmp_path / "grades.csv"
    assert cli.main(["export", str(course.root), "--csv", str(target)]) == 0
    with open(target, newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(EXPECTED)
    for student, expected in EXPECTED.items():
        assert float(rows[student][TASK]) == expected
        assert float(rows[student]["max_score"]) == 4.0


def _grade_json(folder: Path, temporary: Path) -> dict:
    """The command itself, in its own process (tests/fixtures/grade_json.py runs it in ours),
    with ``temporary`` as its TMPDIR."""
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.course.cli", "grade", str(folder), "--json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TMPDIR": str(temporary)},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # exactly one JSON object, nothing else


def test_grade_json_gives_full_marks_to_the_reference(course: Course, tmp_path: Path) -> None:
    report = _grade_json(course.root / "submitted" / "perfect" / "training_nn", tmp_path)
    # What the grading process staged for its sandboxed workers went with it.
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert [t["id"] for t in report["tasks"]] == [t.id for t in TASKS]
    lost = [t["id"] for t in report["tasks"] if t["points"] != t["max_points"]]
    assert lost == []
    assert report["total"] == report["max_total"] == sum(t.points for t in TASKS)


def test_grade_json_gives_nothing_to_the_stubs(course: Course,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    report = grade_json(course.release, capfd)  # in-process: the command is spawned above
    assert report["total"] == 0.0
    assert report["max_total"] == sum(t.points for t in TASKS)
