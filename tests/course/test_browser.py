"""The package the way people meet it: in a real browser (Debian's Chromium driven by Playwright).

* A student opens a release notebook in JupyterLab and runs it up to the first
  task: no cell before it may fail, and the first self-check fails only because
  the task is not done yet.
* nbgrader's Validate button (its JupyterLab extension) accepts a finished notebook.
* Training with the Solver shows tqdm's widget progress bar, not plain text.
* An instructor opens a student's feedback page and the class report made by the
  course pipeline: they must read well (no overflow, every plot loaded, no traceback).

Screenshots go to a pytest temporary folder and, with CS231N_SCREENSHOTS=DIR, also
to DIR. Without Playwright or Chromium the tests are skipped, but under CI they fail.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.course import cli
from autograder.course.demo import apply_bugs
from autograder.course.layout import Course
from autograder.course.setup import write_solutions_folder
from autograder.course.submissions import submit
from autograder.grade_cells import cell_task_id
from tests.fixtures.browser import (
    PAGE_PROBLEMS_JS,
    jupyter_lab,
    lab_url,
    screenshot,
    shared_chromium,
)
from tests.fixtures.course_notebook import NO_BIAS, write_fixture_assignment

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NB1 = "01_activations_preprocessing"
RELEASE_NB = f"course/release/training_nn/{NB1}.ipynb"
FINISHED_NB = f"finished/training_nn/{NB1}.ipynb"
PROGRESS_NB = "finished/training_nn/progress.ipynb"
# A short training run on random data with the solved package, as the notebooks train.
TRAINING_CELL = """import numpy as np

from cs231n_core.classifiers import FullyConnectedNet
from cs231n_core.solver import Solver

rng = np.random.default_rng(0)
data = {"X_train": rng.standard_normal((60, 5)), "y_train": rng.integers(0, 3, 60),
        "X_val": rng.standard_normal((20, 5)), "y_val": rng.integers(0, 3, 20)}
model = FullyConnectedNet([8], input_dim=5, num_classes=3, seed=0)
solver = Solver(model, data, num_epochs=3, batch_size=20, print_every=1, seed=0)
solver.train()"""
LAB_TIMEOUT = 90_000  # ms; kernel start and imports on a busy 2-core machine

# Error outputs as JupyterLab renders them (tracebacks go to the stderr mime type).
ERRORS_JS = """() => [...document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
  .map(e => e.innerText).filter(t => /Traceback|Error\\b/.test(t))"""

# True once the code cells before `stop` all show an execution count and the kernel is idle.
RAN_ABOVE_JS = """(stop) => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')].slice(0, stop);
  const code = cells.filter(c => c.classList.contains('jp-CodeCell'));
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return code.length > 0 && indicator && indicator.dataset.status === 'idle'
    && code.every(c => /\\[\\d+\\]/.test(c.querySelector('.jp-InputPrompt').textContent));
}"""


KERNEL_READY_JS = """() => [...document.querySelectorAll('.jp-StatusBar-Widget')]
  .some(e => /\\| Idle\\b/.test(e.innerText))"""


def first_task_cell(path: Path) -> int:
    """Index of the first cell of the first student task (its heading, else its grade cell)."""
    cells = nbformat.read(path, as_version=4).cells
    grade = next(i for i, c in enumerate(cells) if cell_task_id(c))
    task_id = cell_task_id(cells[grade])
    return next(i for i, c in enumerate(cells[:grade + 1]) if task_id in c.source)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser():
    return shared_chromium()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory) -> Path:
    """A course release made by `cs231n-course init`, and a finished one-task notebook."""
    root = tmp_path_factory.mktemp("lab")
    assert cli.main(["init", str(root / "course")]) == 0
    assignment = write_fixture_assignment(root / "assignment" / "training_nn")
    write_solutions_folder(root / "finished" / "training_nn", assignment, progress=lambda _: None)
    progress = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TRAINING_CELL)])
    progress.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                       "language": "python"}
    nbformat.write(progress, root / PROGRESS_NB)
    return root


@pytest.fixture(scope="module")
def lab(browser, lab_root, tmp_path_factory):  # browser first: skip before building
    with jupyter_lab(lab_root, tmp_path_factory.mktemp("lab-state")) as base:
        yield base


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> Course:
    """The one-task fixture course after autograde, feedback and report: ada's work is
    correct, bo's affine layer forgets the bias."""
    base = tmp_path_factory.mktemp("graded")
    assignment = write_fixture_assignment(base / "assignment" / "training_nn")
    assert cli.main(["init", str(base / "course"), "--assignments", str(assignment)]) == 0
    course = Course.open(base / "course")
    perfect = write_solutions_folder(base / "ada", course.source, progress=lambda _: None)
    shutil.copytree(perfect, base / "bo")
    apply_bugs(base / "bo", (NO_BIAS,))
    submit(course, "ada", perfect)
    submit(course, "bo", base / "bo")
    assert cli.main(["autograde", str(course.root), "--jobs", "2"]) == 0
    assert cli.main(["feedback", str(course.root)]) == 0
    assert cli.main(["report", str(course.root)]) == 0
    return course


def open_notebook(browser, base: str, path: str, height: int = 1600):
    page = browser.new_page(viewport={"width": 1280, "height": height})
    page.goto(lab_url(base, path))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=LAB_TIMEOUT)
    # The status bar says "... | Idle" once the kernel is connected; before that a
    # run command is dropped (the toolbar's execution indicator is idle too early).
    page.wait_for_function(KERNEL_READY_JS, timeout=LAB_TIMEOUT)
    return page


def wait_ran(page, stop: int, shots: Path, name: str) -> None:
    """Wait until the code cells before ``stop`` ran; on a timeout keep a screenshot."""
    try:
        page.wait_for_function(RAN_ABOVE_JS, arg=stop, timeout=LAB_TIMEOUT)
    except Exception:
        screenshot(page, f"{name}_timeout", shots, full_page=False)
        raise


def menu(page, top: str, item: str) -> None:
    """Choose an entry of JupyterLab's menu bar, as a person would."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


# --------------------------------------------------------------------------- student


def test_release_notebook_runs_up_to_the_first_task(browser, lab, lab_root, shots) -> None:
    stop = first_task_cell(lab_root / RELEASE_NB)
    assert stop > 1  # there is setup to run before the first task
    page = open_notebook(browser, lab, RELEASE_NB)
    cells = page.locator(".jp-Notebook .jp-Cell")
    n_cells = len(nbformat.read(lab_root / RELEASE_NB, as_version=4).cells)
    # JupyterLab renders only the cells near the view (windowing); the first task is near the top.
    cells.nth(stop).wait_for(state="attached", timeout=LAB_TIMEOUT)

    # Select the task's first cell and use the menu a student would use.
    cells.nth(stop).locator(".jp-InputPrompt").click()
    menu(page, "Run", "Run All Above Selected Cell")
    wait_ran(page, stop, shots, "lab_release")
    page.keyboard.press("Control+b")  # hide the file browser: more room for the notebook
    cells.nth(0).scroll_into_view_if_needed()
    screenshot(page, "lab_release_top", shots)
    cells.nth(stop).scroll_into_view_if_needed()
    screenshot(page, "lab_release_first_task", shots)

    assert page.evaluate(ERRORS_JS) == []
    assert page.locator(".jp-OutputArea-output").count() > 0  # the setup printed something
    prompts = cells.locator(".jp-InputPrompt").all_inner_texts()
    assert not any(re.search(r"\d", p) for p in prompts[stop:]), "ran past the first task"
    broken = page.evaluate("() => [...document.images].filter(i => !i.naturalWidth).length")
    assert broken == 0

    # The detector sees a real failure: the first self-check calls a stub.
    check = next(i for i in range(stop, n_cells)
                 if "jp-CodeCell" in (cells.nth(i).get_attribute("class") or ""))
    cells.nth(check).locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")
    wait_ran(page, check + 1, shots, "lab_release_check")
    errors = page.evaluate(ERRORS_JS)
    assert len(errors) == 1 and "NotImplementedError" in errors[0]
    page.close()


def test_nbgrader_validate_button_accepts_a_finished_notebook(browser, lab, shots) -> None:
    page = open_notebook(browser, lab, FINISHED_NB, height=900)
    assert page.locator(".jp-NotebookPanel:visible").count() == 1  # only this notebook is open
    page.locator(".jp-NotebookPanel-toolbar:visible").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=LAB_TIMEOUT)
    screenshot(page, "lab_validate", shots, full_page=False)
    message = dialog.locator("#validation-message")
    assert "validation-success" in (message.get_attribute("class") or "")
    assert "passes all the tests" in message.inner_text()
    page.close()


def test_training_shows_a_progress_bar_widget(browser, lab, shots) -> None:
    page = open_notebook(browser, lab, PROGRESS_NB, height=900)
    page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.click()  # focus the notebook
    menu(page, "Run", "Run All Cells")
    wait_ran(page, 1, shots, "lab_progress")
    bar = page.locator(".jp-OutputArea-output .widget-hprogress")
    bar.wait_for(timeout=LAB_TIMEOUT)  # tqdm's notebook bar (ipywidgets), not plain text
    screenshot(page, "lab_progress_bar", shots, full_page=False)
    label = page.locator(".jp-OutputArea-output .widget-hbox").first.inner_text()
    assert "training" in label and "100%" in label and "9/9" in label  # 3 epochs x 3 batches
    assert "loss=" in label and "val_acc=" in label
    assert page.evaluate(ERRORS_JS) == []
    assert "IProgress not found" not in page.locator(".jp-Notebook").inner_text()
    page.close()


# --------------------------------------------------------------------------- instructor


def render(browser, path: Path, name: str, shots: Path, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    screenshot(page, name, shots)
    return page


@pytest.mark.parametrize("width", [1280, 800])
def test_feedback_page_reads_well(browser, graded_course, shots, width) -> None:
    page = render(browser, graded_course.feedback("bo") / "index.html",
                  f"feedback_bo_{width}", shots, width)
    assert page.evaluate(PAGE_PROBLEMS_JS) == []
    assert page.title() == "Feedback for bo: training_nn"
    assert page.locator("h2").count() == 1  # one notebook
    lost = page.locator("tr", has_text="layers.affine_forward")
    assert "0 / 2" in lost.inner_text() and "relative error" in lost.inner_text()
    page.locator("a", has_text="annotated notebook").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/{NB1}.html")
    screenshot(page, f"feedback_bo_notebook_{width}", shots)
    page.close()


@pytest.mark.parametrize("width", [1280, 800])
def test_class_report_reads_well(browser, graded_course, shots, width) -> None:
    page = render(browser, graded_course.root / "reports" / "class_report.html",
                  f"class_report_{width}", shots, width)
    assert page.evaluate(PAGE_PROBLEMS_JS) == []
    assert page.title() == "Class report: training_nn"
    images = page.evaluate(
        "() => [...document.images].map(i => [i.naturalWidth, i.clientWidth])")
    assert len(images) == 2
    for natural, shown in images:
        assert natural > 0 and 0 < shown <= width  # decoded, and scaled to fit
    headings = page.locator("h2").all_inner_texts()
    assert "Where the class struggled" in headings and "Score distribution" in headings
    task = page.locator("td", has_text=re.compile(r"^layers\.affine_forward$"))
    row = page.locator("tr", has=task)
    assert row.count() == 1
    assert row.locator("td").nth(2).inner_text() == "50%"  # ada full marks, bo none
    page.close()
