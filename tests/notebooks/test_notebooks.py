"""The course notebooks: grade cells match the registry, and re-running them reproduces them.

The regression test executes every source notebook against the reference (a solved
cs231n_core in a scratch folder) and compares each cell's outputs with the stored ones, to
what holds on any machine (tests/notebooks/outputs.py): text exactly, numbers to a tolerance,
and in the cells of ``VARYING`` (results after many training steps, which differ from one BLAS
kernel to another) only the text. Where such a cell's notebook draws a conclusion, the cell
prints it as words (True/False), which are compared.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import nbformat
import pytest

from autograder.maintain.notebooks import (
    REPRODUCIBLE_ENV,
    execute,
    lint,
    notebook_path,
    solved_workspace,
)
from autograder.registry import NOTEBOOKS
from tests.notebooks.outputs import compare_notebooks
from tests.process_state import kept_environ

NAMES = list(NOTEBOOKS)
RERUN = "run it: python -m autograder.maintain.notebooks run"
# Cells whose numbers are not compared, by notebook and cell id, with the reason.
VARYING: dict[str, dict[str, str]] = {
    "02_weight_initialization": {
        "cell-70": "8-layer networks after 20 epochs of SGD",
    },
    "03_normalization": {
        "b1fe9b5d": "relative errors of the batchnorm biases' gradients, which are rounding noise",
        "90b5a382": "7-layer networks after 10 epochs of SGD",
        "e620bf7f": "7-layer networks after 5 epochs of SGD, at nine weight scales",
        "6dd90c83": "5-layer networks after 200 SGD steps, four batchnorm groups, five seeds",
    },
    "04_optimizers": {
        "de6409d3": "networks after 10 epochs of each update rule",
        "f7d85221": "networks after 10 epochs of each update rule",
        "673ddb5f": "networks after 10 epochs of SGD with each schedule",
    },
}


@pytest.mark.parametrize("name", NAMES)
def test_notebook_exists_and_its_grade_cells_match_the_registry(name: str) -> None:
    path = notebook_path(name)
    assert path.exists(), f"missing {path.name}"
    assert lint(nbformat.read(path, as_version=4), name) == []


@pytest.mark.parametrize("name", NAMES)
def test_notebook_outputs_are_stored_and_free_of_errors(name: str) -> None:
    nb = nbformat.read(notebook_path(name), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), RERUN
    for cell in code:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", cell.source[:80]
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"stderr output (nbgrader would zero such a cell): {out.text[:200]}"
            )


THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def notebook_environment(**overrides: str) -> Iterator[None]:
    """The kernel's environment (it inherits this process's): REPRODUCIBLE_ENV, except that
    thread counts set by the caller are kept, so that a run with two BLAS threads checks
    that the comparison holds for them too."""
    with kept_environ():
        os.environ.pop("NBGRADER_EXECUTION", None)
        for key, value in REPRODUCIBLE_ENV.items():
            if key not in THREAD_VARIABLES or key not in os.environ:
                os.environ[key] = value
        os.environ.update(overrides)
        yield


def run_notebook(name: str, **env: str) -> nbformat.NotebookNode:
    with notebook_environment(**env), solved_workspace([name]) as work:
        return execute(name, work)  # CELL_TIMEOUT: two BLAS threads on two cores are slow


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_reproduces_its_stored_outputs(name: str, request: pytest.FixtureRequest) -> None:
    stored = nbformat.read(notebook_path(name), as_version=4)
    core = str(request.config.getoption("--notebook-blas-coretype"))
    ran = run_notebook(name, **({"OPENBLAS_CORETYPE": core} if core else {}))
    problems = compare_notebooks(stored, ran, VARYING.get(name, {}))
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_fast_mode_agrees_across_blas_core_types(name: str, request: pytest.FixtureRequest) -> None:
    """Fast mode once under each core type of --blas-coretypes; every run against the first.

    For a maintainer checking a changed notebook across kernels without a full run per kernel
    (still about half a minute per notebook and core type). CI instead runs the regression
    above under a kernel other than the one that stored the outputs.
    """
    cores = [c for c in request.config.getoption("--blas-coretypes").split(",") if c]
    if len(cores) < 2:
        pytest.skip("needs --blas-coretypes with two or more OpenBLAS core types")
    runs = {c: run_notebook(name, OPENBLAS_CORETYPE=c, NBGRADER_EXECUTION="1") for c in cores}
    first = cores[0]
    problems = [
        f"{core} against {first}: {p}"
        for core in cores[1:]
        for p in compare_notebooks(runs[first], runs[core], VARYING.get(name, {}))
    ]
    assert problems == [], "\n".join(problems)
