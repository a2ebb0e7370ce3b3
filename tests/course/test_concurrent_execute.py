"""``autograde --execute`` runs a submission's notebooks two at a time (``concurrent_execute``).

A course of two real notebooks and one perfect submission, autograded with --execute
through the CLI twice: one kernel at a time (nbgrader's order) and two at once. Both give
the registry's full marks and the same executed outputs; the log of the second shows the
second notebook's execution starting before the first notebook's ended.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.apps import autogradeapp
from nbgrader.converters import Autograde

from autograder.course import cli
from autograder.course.autograde import SCRATCH_PREFIX, autograde
from autograder.course.concurrent_execute import (
    EXECUTED,
    EXECUTING,
    ConcurrentExecuteAutograde,
    install,
)
from autograder.course.gradebook import gradebook_scores
from autograder.course.layout import DEFAULT_ASSIGNMENT_DIR, Course
from autograder.course.setup import init_course, write_solutions_folder
from autograder.course.submissions import submit
from autograder.isolation.sandbox import sandbox_available
from autograder.registry import TASKS

NOTEBOOKS = ("01_activations_preprocessing", "03_normalization")


def _quiet(_message: str) -> None:
    pass


def _events(log: str) -> list[tuple[str, str]]:
    """The pool's events in the log, in order: ("Executing" | "Executed", notebook)."""
    words = "|".join(re.escape(e.split()[0]) for e in (EXECUTING, EXECUTED))
    return re.findall(rf"({words}) \S+/(\w+)\.ipynb ahead", log)


# Timings a notebook prints ("25.6 ms", "speed-up: 4.3x", "21.3 times ReLU"): they differ
# from run to run, and so does how a cell's printed lines are split into stream outputs.
TIMING = re.compile(r" *\d+(?:\.\d+)? ?(?:ms|s|x|times)\b")  # with its padding


def _comparable(outputs: list[dict]) -> list[dict]:
    """A cell's outputs with consecutive streams joined and timings masked."""
    joined: list[dict] = []
    for out in outputs:
        if out["output_type"] != "stream":
            joined.append(dict(out))
        elif joined and joined[-1].get("name") == out["name"]:
            joined[-1]["text"] += out["text"]
        else:
            joined.append({"output_type": "stream", "name": out["name"], "text": out["text"]})
    for out in joined:
        if "text" in out:
            out["text"] = TIMING.sub("<timing>", out["text"])
    return joined


def _outputs(course: Course) -> dict[str, list[list[dict]]]:
    """Each autograded notebook's code-cell outputs, the trusted grader's grade cells left out.

    The grade cells' outputs are the trusted grader's report, which draws fresh inputs per
    run.
    """
    found = {}
    for stem in NOTEBOOKS:
        nb = nbformat.read(course.autograded("perfect") / f"{stem}.ipynb", 4)
        found[stem] = [_comparable(cell.outputs) for cell in nb.cells if cell.cell_type == "code"
                       and not cell.metadata.get("nbgrader", {}).get("grade")]
    return found


def _full_marks(course: Course) -> None:
    (row,) = gradebook_scores(course)
    tasks = {t.id: t.points for t in TASKS if t.notebook in NOTEBOOKS}
    assert tasks  # the registry has tasks in both notebooks
    assert {c.label: c.score for c in row.cells if c.label in tasks} == tasks


def test_install_puts_the_converter_where_the_autograde_app_finds_it() -> None:
    before = autogradeapp.Autograde
    try:
        install()
        assert autogradeapp.Autograde is ConcurrentExecuteAutograde
        assert issubclass(ConcurrentExecuteAutograde, Autograde)
    finally:
        autogradeapp.Autograde = before  # type: ignore[misc]


def _course(tmp_path: Path) -> tuple[Course, Path]:
    """A course of the two notebooks and the folder of its perfect submission."""
    assignment = tmp_path / "assignment" / "training_nn"
    assignment.mkdir(parents=True)
    for name in NOTEBOOKS:
        shutil.copy2(Path(DEFAULT_ASSIGNMENT_DIR) / f"{name}.ipynb", assignment)
    course = init_course(tmp_path / "course", assignment, progress=_quiet)
    return course, write_solutions_folder(tmp_path / "perfect", course.source, progress=_quiet)


@pytest.mark.slow
def test_two_notebooks_execute_at_once_with_the_outputs_of_nbgraders_order(
    tmp_path: Path,
) -> None:
    course, perfect = _course(tmp_path)
    submit(course, "perfect", perfect)
    config = course.config.read_text()
    log_path = course.logs / "autograde-perfect.log"

    course.config.write_text(config + "c.SubmissionLimits.execute_kernels = 1\n")
    assert cli.main(["autograde", str(course.root), "--student", "perfect", "--execute"]) == 0
    assert _events(log_path.read_text()) == []  # one at a time: nbgrader's own Execute
    _full_marks(course)
    serial = _outputs(course)

    course.config.write_text(config + "c.SubmissionLimits.execute_kernels = 2\n")
    assert cli.main(["autograde", str(course.root), "--student", "perfect", "--execute"]) == 0
    log = log_path.read_text()
    events = _events(log)
    first, second = NOTEBOOKS
    assert sorted(events) == sorted([(w, nb) for w in ("Executing", "Executed")
                                     for nb in NOTEBOOKS]), events
    # The second kernel started before the first notebook finished executing.
    assert events.index(("Executing", second)) < events.index(("Executed", first)), events
    # Autograding (the passes after Execute) still in nbgrader's order.
    passes = re.findall(r"Autograding \S+/(\w+)\.ipynb", log)
    assert passes == list(NOTEBOOKS), passes
    _full_marks(course)
    concurrent = _outputs(course)
    assert all(serial[stem] for stem in NOTEBOOKS)  # the notebooks printed something
    differ = [(stem, i, old, new) for stem in NOTEBOOKS
              for i, (old, new) in enumerate(zip(serial[stem], concurrent[stem])) if old != new]
    assert not differ and len(concurrent) == len(serial), differ[:3]


def _submitted_with_first_cell(tmp_path: Path, code: str) -> Course:
    """The course with the perfect submission, ``code`` its first notebook's first cell."""
    course, perfect = _course(tmp_path)
    path = perfect / f"{NOTEBOOKS[0]}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, path)
    submit(course, "perfect", perfect)
    return course


@pytest.mark.slow
def test_a_kernel_that_dies_fails_the_submission_as_in_nbgraders_order(tmp_path: Path) -> None:
    # The first notebook's kernel dies at its first cell while the second one executes:
    # nbgrader gives up the submission at the first notebook, one kernel at a time or two.
    course = _submitted_with_first_cell(tmp_path, "import os\nos._exit(1)")
    config = course.config.read_text()
    seen = {}
    for kernels in (1, 2):
        course.config.write_text(config + f"c.SubmissionLimits.execute_kernels = {kernels}\n")
        (result,) = autograde(course, execute=True, progress=_quiet)
        log = (course.logs / "autograde-perfect.log").read_text()
        assert "DeadKernelError" in log
        assert not (course.autograded("perfect") / f"{NOTEBOOKS[0]}.ipynb").exists()
        message = result.message.split(" (log: ")[0]  # the log is in a scratch course
        scores = [(c.label, c.score) for row in gradebook_scores(course) for c in row.cells]
        seen[kernels] = (result.ok, message, scores)
    assert seen[1][:2] == (False, "nbgrader autograde failed: "
                                  "nbclient.exceptions.DeadKernelError: Kernel died"), seen[1]
    assert seen[2] == seen[1]


def _processes_mentioning(text: str) -> list[int]:
    """Pids of the processes whose command line contains ``text``."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.slow
def test_the_time_limit_stops_two_kernels_at_once_and_everything_else(tmp_path: Path) -> None:
    # The first notebook's kernel hangs past the submission's time limit (its cell timeout
    # is longer) while the second one executes beside it.
    course = _submitted_with_first_cell(tmp_path, "while True:\n    pass")
    with open(course.config, "a") as fh:
        fh.write("c.SubmissionLimits.execute_kernels = 2\nc.SubmissionLimits.max_seconds = 40\n"
                 "c.Execute.timeout = 600\n")
    (result,) = autograde(course, execute=True, progress=_quiet)
    assert result.ok
    assert any("TIME LIMIT" in note for note in result.notes), result.notes
    if sandbox_available():  # a sandboxed kernel's command line names its notebook folder
        # Nothing of the run is left: the kernels' folders are in its scratch course.
        assert _processes_mentioning(f"{SCRATCH_PREFIX}{os.getpid()}-") == []
