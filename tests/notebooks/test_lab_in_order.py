"""Each release notebook runs top to bottom in a real JupyterLab, for a student working in order.

The in-order test (``test_in_order.py``) runs each notebook under ``nbgrader validate``;
this one does what the student does: in Chromium, JupyterLab's Kernel menu, "Restart
Kernel and Run All Cells", on a folder where only the tasks of that notebook and of the
earlier ones are solved. Every code cell must run, in order, and none may show an error.
One JupyterLab serves every notebook; its kernels run in fast mode (``NBGRADER_EXECUTION``),
as under ``nbgrader validate``, so training stays short.

The six notebooks cost over two minutes, so by default only the first and the last of the
path run (the last needs every task); CS231N_LAB_ALL_NOTEBOOKS=1 runs all six.

Screenshots of the end of each notebook and of its last plot go to a pytest temporary
folder and, with CS231N_SCREENSHOTS=DIR, also to DIR.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder.course.setup import write_solutions_folder
from autograder.maintain.build_stubs import partly_solved_modules
from autograder.registry import NB1, NB6, NOTEBOOKS, tasks_through
from tests.course.test_browser import ERRORS_JS, menu, open_notebook
from tests.fixtures.browser import TOKEN, jupyter_lab, screenshot, shared_chromium
from tests.notebooks.test_release_notebooks import FAST_ENV

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ALL_ENV = "CS231N_LAB_ALL_NOTEBOOKS"
DEFAULT = (NB1, NB6)  # the start of the path and its end
RUN = [name for name in NOTEBOOKS if name in DEFAULT or os.environ.get(ALL_ENV)]
NAMES = [name if name in RUN else
         pytest.param(name, marks=pytest.mark.skip(reason=f"runs with {ALL_ENV}=1"))
         for name in NOTEBOOKS]
RUN_TIMEOUT = 300_000  # ms for one notebook's Run All in fast mode on a busy 2-core machine

# Every cell attached to the page ("none" windowing), so each prompt and output can be read.
NOTEBOOK_SETTINGS = {"windowingMode": "none"}

# Done once the kernel is idle, the first code cell shows a count (the run started) and no
# cell waits in the queue ("[*]"): after an error JupyterLab drops the cells still queued.
RUN_DONE_JS = """() => {
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent);
  return indicator && indicator.dataset.status === 'idle' && prompts.length > 0
    && /\\[\\d+\\]/.test(prompts[0]) && !prompts.some(p => p.includes('*'));
}"""

# Per cell of the page, in order: its kind and its prompt ("[3]:"), empty for markdown.
CELLS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => [
  c.classList.contains('jp-CodeCell') ? 'code' : 'other',
  (c.querySelector('.jp-InputPrompt') || {textContent: ''}).textContent.trim()])"""

IMAGES_JS = """() => [...document.querySelectorAll('.jp-OutputArea-output img')]
  .map(i => i.naturalWidth)"""


@pytest.fixture(scope="module")
def lab_in_order(tmp_path_factory: pytest.TempPathFactory):
    """One JupyterLab on a folder with one student folder per notebook that runs; its base URL.

    Folder ``NN_name`` holds the notebooks with the student's answers written (outputs
    cleared, so no count on the page comes from an earlier run) and a ``cs231n_core`` with
    the tasks of notebooks 1..NN done and every later task still a stub.
    """
    browser = shared_chromium()  # skip (or fail under CI) before building anything
    root = tmp_path_factory.mktemp("lab-in-order")
    solved = write_solutions_folder(root / "solved", progress=lambda message: None)
    for name in RUN:
        work = root / name
        shutil.copytree(solved, work)
        for module, text in partly_solved_modules(tasks_through(name)).items():
            (work / "cs231n_core" / f"{module}.py").write_text(text)
        path = work / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, path)
    state = tmp_path_factory.mktemp("lab-in-order-state")
    settings = state / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps(NOTEBOOK_SETTINGS))
    with jupyter_lab(root, state, extra_env=FAST_ENV) as base:
        yield browser, base, root


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lab-in-order-shots")


def shut_down_kernels(base: str) -> None:
    """Stop the server's kernels: each notebook's kernel holds its data and model in memory."""
    def call(method: str, path: str) -> bytes:
        request = urllib.request.Request(f"{base}{path}?token={TOKEN}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    for kernel in json.loads(call("GET", "/api/kernels")):
        call("DELETE", f"/api/kernels/{kernel['id']}")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_in_jupyterlab(lab_in_order, shots: Path, name: str) -> None:
    browser, base, root = lab_in_order
    nb = nbformat.read(root / name / f"{name}.ipynb", as_version=4)
    # JupyterLab runs no empty code cell, so those keep an empty prompt.
    runs = [c.cell_type == "code" and bool(c.source.strip()) for c in nb.cells]
    has_maths = any(c.cell_type == "markdown" and "$" in c.source for c in nb.cells)
    has_plots = any(c.cell_type == "code" and "plt." in c.source for c in nb.cells)

    page = open_notebook(browser, base, f"{name}/{name}.ipynb", height=1000)
    try:
        page.keyboard.press("Control+b")  # hide the file browser: more room for the notebook
        page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.click()  # focus it
        menu(page, "Kernel", "Restart Kernel and Run All Cells…")
        page.locator(".jp-Dialog .jp-mod-accept").click()  # "Restart", as the student confirms
        try:
            page.wait_for_function(RUN_DONE_JS, timeout=RUN_TIMEOUT)
        finally:
            page.locator(".jp-Notebook .jp-Cell").last.scroll_into_view_if_needed()
            screenshot(page, f"lab_in_order_{name}_end", shots, full_page=False)

        errors = page.evaluate(ERRORS_JS)
        assert errors == [], f"{name}: a cell shows an error:\n" + "\n".join(errors)[:3000]
        cells = page.evaluate(CELLS_JS)
        assert [kind == "code" for kind, _ in cells] == [c.cell_type == "code" for c in nb.cells]
        prompts = [prompt for (_, prompt), ran in zip(cells, runs, strict=True) if ran]
        # After the restart the counts start again at 1: every code cell ran, once, in order.
        assert prompts == [f"[{i}]:" for i in range(1, sum(runs) + 1)], (
            f"{name}: not every code cell ran in order: {prompts}")
        widths = page.evaluate(IMAGES_JS)
        assert all(width > 0 for width in widths), "a plot did not load"
        if has_plots:
            assert widths, f"{name} draws with matplotlib but shows no plot"
            page.locator(".jp-OutputArea-output img").last.scroll_into_view_if_needed()
            screenshot(page, f"lab_in_order_{name}_last_plot", shots, full_page=False)
        if has_maths:  # MathJax typeset the notebook's formulas
            assert page.locator(".jp-MarkdownOutput mjx-container").count() > 0
    finally:
        page.close()
        shut_down_kernels(base)
