"""The `cs231n-course` command line and the course helpers that need no nbgrader run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from autograder.course import cli
from autograder.course.demo import BUGGY_STUDENTS, apply_bugs
from autograder.course.gradebook import (
    MISSING_FEEDBACK,
    CellScore,
    StudentScores,
    format_table,
    task_feedback,
)
from autograder.course.layout import PACKAGE_DIR, Course, CourseError
from autograder.course.nbgrader_plugin import grade_outputs
from autograder.course.release import check_release, solution_lines
from autograder.course.setup import write_solutions_folder
from autograder.grade_cells import (
    NotebookError,
    cell_task_id,
    grade_id_of,
    new_grade_cell,
    prepare_source_notebook,
    solved_notebook,
    task_id_of,
)
from autograder.mutation import Override
from autograder.registry import TASKS, TASKS_BY_ID
from tests.fixtures.course_notebook import fixture_notebook, write_fixture_assignment

NB1 = "01_activations_preprocessing"
SUBCOMMANDS = ["init", "release", "submit", "autograde", "regrade", "feedback", "export", "grade",
               "demo", "report", "collect"]


@pytest.fixture(scope="module")
def assignment(tmp_path_factory) -> Path:
    return write_fixture_assignment(tmp_path_factory.mktemp("assignment") / "training_nn")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, fragment: str) -> None:
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cs231n-course: error:") and fragment in lines[0]
    assert "Traceback" not in err


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    assert f"usage: cs231n-course {command}" in capsys.readouterr().out


def test_no_subcommand_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["autograde", "feedback"])
def test_commands_refuse_a_folder_that_is_not_a_course(command: str, tmp_path, capsys) -> None:
    code, _, err = run(capsys, command, str(tmp_path / "nowhere"))
    assert_one_line_error(code, err, "is not a course directory")


def test_export_refuses_a_folder_that_is_not_a_course(tmp_path, capsys) -> None:
    code, _, err = run(capsys, "export", str(tmp_path), "--csv", str(tmp_path / "x.csv"))
    assert_one_line_error(code, err, "is not a course directory")


def test_export_needs_an_output_file(tmp_path, capsys) -> None:
    assert cli.main(["export", str(tmp_path)]) == 1
    assert "give at least one of --csv, --canvas, --moodle, --lti" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_jobs_timeout_and_lease_must_be_positive_integers(value: str, tmp_path, capsys) -> None:
    for argv in (["autograde", str(tmp_path), "--jobs", value],
                 ["init", str(tmp_path), "--timeout", value],
                 ["serve", str(tmp_path), "--lease", value]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2
    capsys.readouterr()


def test_init_refuses_a_non_empty_folder(assignment, tmp_path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "init", str(tmp_path), "--assignments", str(assignment))
    assert_one_line_error(code, err, "is not empty")


def test_init_refuses_notebooks_the_registry_does_not_know(assignment, tmp_path, capsys) -> None:
    folder = tmp_path / "assignments"
    folder.mkdir()
    shutil.copy(assignment / f"{NB1}.ipynb", folder / "homework.ipynb")
    code, _, err = run(capsys, "init", str(tmp_path / "course"), "--assignments", str(folder))
    assert_one_line_error(code, err, "homework.ipynb")
    assert not (tmp_path / "course").exists()  # bad input: nothing written


def test_init_refuses_an_empty_assignment_folder(tmp_path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "init", str(tmp_path / "c"), "--assignments", str(empty))
    assert_one_line_error(code, err, "no course notebooks")


def test_release_needs_a_course_or_an_output_folder(capsys) -> None:
    code, _, err = run(capsys, "release")
    assert_one_line_error(code, err, "COURSE_DIR")


def test_grade_refuses_a_missing_folder(tmp_path, capsys) -> None:
    code, out, err = run(capsys, "grade", str(tmp_path / "missing"), "--json")
    assert_one_line_error(code, err, "does not exist")
    assert out == ""


def test_demo_refuses_a_non_empty_folder(tmp_path, capsys) -> None:
    (tmp_path / "x").write_text("")
    code, _, err = run(capsys, "demo", str(tmp_path))
    assert_one_line_error(code, err, "is not empty")


def test_release_with_solutions_writes_a_solved_folder(assignment, tmp_path, capsys) -> None:
    out = tmp_path / "perfect"
    code, stdout, _ = run(capsys, "release", "--with-solutions", str(out),
                          "--assignments", str(assignment))
    assert code == 0 and str(out) in stdout
    nb = nbformat.read(out / f"{NB1}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text and "return (x.shape[0], w.shape[1])" in text
    layers = (out / "cs231n_core" / "layers.py").read_text()
    assert "### BEGIN SOLUTION" not in layers and "NotImplementedError(" not in layers
    assert (out / "cs231n_core" / "gradient_check.py").read_text() == (
        PACKAGE_DIR / "gradient_check.py"
    ).read_text()
    code, _, err = run(capsys, "release", "--with-solutions", str(out),
                       "--assignments", str(assignment))
    assert_one_line_error(code, err, "is not empty")


# --------------------------------------------------------------------------- grade cells


def test_grade_ids_map_back_to_task_ids() -> None:
    for task in TASKS:
        grade_id = grade_id_of(task.id)
        assert "." not in grade_id and task_id_of(grade_id) == task.id
    assert task_id_of("fixture_question") is None and task_id_of(None) is None
    assert task_id_of("layers.affine_forward") is None  # the dotted form is not a grade_id
    # The spelling stored in notebooks and the gradebook (nbgrader: [a-zA-Z0-9_-] only).
    assert grade_id_of("solver.Solver._step") == "solver-Solver-_step"


def test_task_feedback_is_keyed_by_task_id(tmp_path) -> None:
    course = Course(tmp_path)
    folder = course.autograded("ann")
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[new_grade_cell(TASKS_BY_ID["layers.affine_forward"])])
    nb.cells[0].outputs = grade_outputs(TASKS_BY_ID["layers.affine_forward"], 1.0, "bias", True)
    nbformat.write(nb, str(folder / f"{NB1}.ipynb"))
    # Feedback of tasks of a notebook that was not submitted; one key as older runs wrote it.
    (folder / MISSING_FEEDBACK).write_text(json.dumps(
        {"optim.adam": "not submitted", grade_id_of("optim.rmsprop"): "not submitted either"}))
    assert task_feedback(course, "ann") == {"layers.affine_forward": "bias",
                                            "optim.adam": "not submitted",
                                            "optim.rmsprop": "not submitted either"}


@pytest.mark.parametrize("task", TASKS[:3] + TASKS[-3:], ids=lambda t: t.id)
def test_new_grade_cells_pass_nbgrader_metadata_validation(task) -> None:
    cell = new_grade_cell(task)
    MetadataValidator().validate_cell(cell)
    assert cell.metadata.nbgrader["points"] == float(task.points)
    assert cell.source == f'from cs231n_core.check import check_task\ncheck_task("{task.id}")'


def _fixture() -> nbformat.NotebookNode:
    return fixture_notebook()


def _grade_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if cell_task_id(c))


def test_prepare_source_notebook_restores_points_and_source_and_accepts_dotted_ids() -> None:
    nb = _fixture()
    cell = _grade_cell(nb)
    cell.metadata.nbgrader["grade_id"] = "layers.affine_forward"
    cell.metadata.nbgrader["points"] = 50
    cell.source = "print('full marks')"
    missing = prepare_source_notebook(nb, NB1)
    assert cell.metadata.nbgrader["grade_id"] == grade_id_of("layers.affine_forward")
    assert cell.metadata.nbgrader["points"] == 2.0
    assert "check_task" in cell.source
    assert "layers.affine_forward" not in {t.id for t in missing}
    assert len(missing) == sum(t.notebook == NB1 for t in TASKS) - 1


def test_prepare_source_notebook_rejects_foreign_and_duplicate_tasks() -> None:
    nb = _fixture()
    nb.cells.append(new_grade_cell(TASKS_BY_ID["optim.adam"]))
    with pytest.raises(NotebookError, match="04_optimizers"):
        prepare_source_notebook(nb, NB1)
    nb = _fixture()
    nb.cells.append(new_grade_cell(TASKS_BY_ID["layers.affine_forward"]))
    with pytest.raises(NotebookError, match="two grade cells"):
        prepare_source_notebook(nb, NB1)
    with pytest.raises(NotebookError, match="not a course notebook"):
        prepare_source_notebook(_fixture(), "homework")


def test_solved_notebook_keeps_solutions_and_drops_hidden_tests() -> None:
    nb = _fixture()
    nb.cells[3].source += "\n### BEGIN HIDDEN TESTS\nassert secret\n### END HIDDEN TESTS"
    solved = solved_notebook(nb)
    text = "\n".join(c.source for c in solved.cells)
    assert "BEGIN" not in text and "END" not in text and "assert secret" not in text
    assert "    return (x.shape[0], w.shape[1])" in solved.cells[2].source
    assert "### BEGIN SOLUTION" in nb.cells[2].source  # the input is left alone


def test_grade_outputs_clip_points_to_what_nbgrader_accepts() -> None:
    task = TASKS_BY_ID["layers.affine_backward"]  # 3 points
    for given, expected in [(3.0000001, 3.0), (-1.0, 0.0), (1.5, 1.5)]:
        stream, result = grade_outputs(task, given, "feedback", sandboxed=True)
        assert result.data["text/plain"] == repr(expected)
        assert stream.name == "stdout" and "feedback" in stream.text
        assert "WITHOUT" not in stream.text
    assert "WITHOUT sandbox" in grade_outputs(task, 0, "", sandboxed=False)[0].text


# --------------------------------------------------------------------------- release check


def test_release_check_passes_the_stub_package() -> None:
    assert solution_lines()
    assert check_release(PACKAGE_DIR) == []


def test_release_check_catches_markers_and_reference_lines(assignment, tmp_path) -> None:
    leaky = tmp_path / "release"
    write_solutions_folder(leaky / "training_nn", assignment, progress=lambda _: None)
    problems = check_release(leaky)
    assert any("reference solution line" in p and "layers.py" in p for p in problems)
    nb_path = leaky / "training_nn" / f"{NB1}.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[2].source = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    nbformat.write(nb, nb_path)
    assert any("BEGIN SOLUTION" in p and p.startswith(f"training_nn/{NB1}")
               for p in check_release(leaky))


# --------------------------------------------------------------------------- demo and table


def test_demo_bugs_still_apply_to_the_reference(assignment, tmp_path) -> None:
    perfect = write_solutions_folder(tmp_path / "perfect", assignment, progress=lambda _: None)
    for buggy in BUGGY_STUDENTS:
        folder = tmp_path / buggy.student
        shutil.copytree(perfect, folder)
        apply_bugs(folder, buggy.bugs)
        changed = {b.module for b in buggy.bugs}
        for module in changed:
            assert (folder / "cs231n_core" / f"{module}.py").read_text() != (
                perfect / "cs231n_core" / f"{module}.py"
            ).read_text()
    stray = Override("layers", "def not_a_layer(x):\n    return x\n")
    with pytest.raises(CourseError, match="no longer fits"):
        apply_bugs(folder, (stray,))  # replaces no function of the module


def test_format_table_lists_students_scores_and_lost_tasks() -> None:
    rows = [
        StudentScores("ann", 2.0, 3.0, True, {NB1: (2.0, 3.0)},
                      [CellScore(grade_id_of("layers.affine_forward"), NB1, 2.0, 2.0, False),
                       CellScore("fixture_question", NB1, None, 1.0, True)]),
        StudentScores("bo", 0.5, 3.0, False, {NB1: (0.5, 3.0)},
                      [CellScore(grade_id_of("layers.affine_forward"), NB1, 0.5, 2.0, False)]),
    ]
    table = format_table(rows).splitlines()
    assert table[0].split()[:10] == ["student", "01", "auto", "manual", "pending", "total", "max",
                                     "%", "%graded", "review"]
    # ann: 2 autograded points of 3, the written answer (1 point) pending.
    assert table[2].split() == ["ann", "2", "2", "0", "1", "2", "3", "67", "100", "pending"]
    assert table[3].split() == ["bo", "0.5", "0.5", "0", "0", "0.5", "2", "25", "25",
                                "layers.affine_forward", "0.5/2"]
    assert "pending counted as 0" in table[-1]
