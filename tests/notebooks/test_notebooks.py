"""The course notebooks: grade cells match the registry, and nbval re-runs them unchanged.

nbval executes every source notebook against the reference (a solved cs231n_core in a
scratch folder) and compares each cell's output with the stored one; durations and
memory addresses are masked by tests/notebooks/nbval_sanitize.cfg, and cells tagged
``nbval-ignore-output`` (timings) are executed but not compared. Everything else is
seeded and must reproduce exactly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.maintain.notebooks import REPRODUCIBLE_ENV, lint, notebook_path, solved_workspace
from autograder.registry import NOTEBOOKS

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
NAMES = list(NOTEBOOKS)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_exists_and_its_grade_cells_match_the_registry(name: str) -> None:
    path = notebook_path(name)
    assert path.exists(), f"missing {path.name}"
    assert lint(nbformat.read(path, as_version=4), name) == []


@pytest.mark.parametrize("name", NAMES)
def test_notebook_outputs_are_stored_and_free_of_errors(name: str) -> None:
    nb = nbformat.read(notebook_path(name), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    rerun = "run it: python -m autograder.maintain.notebooks run"
    assert all(c.get("execution_count") for c in code), rerun
    for cell in code:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", cell.source[:80]
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"stderr output (nbgrader would zero such a cell): {out.text[:200]}"
            )


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_reproduces_its_stored_outputs(name: str) -> None:
    if not notebook_path(name).exists():
        pytest.skip("notebook not written yet")
    with solved_workspace([name]) as work:
        (work / "pytest.ini").write_text("[pytest]\n")  # the repository's settings stay out
        env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXECUTION",)}
        env.update(REPRODUCIBLE_ENV)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--nbval",
                "--nbval-current-env",
                "--nbval-sanitize-with",
                str(SANITIZE),
                "--nbval-cell-timeout",
                "300",
                f"{name}.ipynb",
            ],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
