"""Maintain the course notebooks: lint their grade cells against the registry and run them.

The source notebooks in ``assignments/training_nn/`` import ``cs231n_core``; they are
executed in a scratch folder holding a solved copy of the package (the reference),
never against the student stubs.

Usage::

    python -m autograder.maintain.notebooks lint                 # grade cells match the registry
    python -m autograder.maintain.notebooks run [NAME ...]       # execute and store outputs
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat

from autograder.grade_cells import grade_cell_source, grade_id_of, task_id_of
from autograder.registry import NOTEBOOKS, TASKS, TASKS_BY_ID
from autograder.solutions import write_solution_package

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "training_nn"
ASSIGNMENT_DIR = ROOT / "assignments" / ASSIGNMENT
CELL_TIMEOUT = 600
# One BLAS thread makes a re-run on the same machine store the same outputs (float32 sums
# change with the thread count); the regression test compares to a tolerance, whatever the
# kernel or thread count.
# TQDM_DISABLE: stored outputs hold no progress-bar widgets (their text varies run to run).
REPRODUCIBLE_ENV = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1", "TQDM_DISABLE": "1"}


def notebook_path(name: str) -> Path:
    return ASSIGNMENT_DIR / f"{name}.ipynb"


def lint(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Problems with a notebook's nbgrader cells (empty when it is consistent)."""
    problems: list[str] = []
    wanted = {t.id: t for t in TASKS if t.notebook == name}
    seen: dict[str, int] = {}
    ids: set[str] = set()
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        grade_id = meta.get("grade_id", "")
        if grade_id in ids:
            problems.append(f"{name}: duplicate grade_id {grade_id}")
        ids.add(grade_id)
        task_id = task_id_of(grade_id)
        if task_id in wanted:
            seen[task_id] = seen.get(task_id, 0) + 1
            task = wanted[task_id]
            if not meta.get("grade") or meta.get("solution") or cell.cell_type != "code":
                problems.append(f"{name}: {task_id} must be a code grade cell")
            if float(meta.get("points", -1)) != float(task.points):
                problems.append(
                    f"{name}: {task_id} has {meta.get('points')} points, "
                    f"the registry says {task.points}"
                )
            if cell.source.strip() != grade_cell_source(task_id):
                problems.append(f"{name}: {task_id} grade cell source differs from the template")
        elif grade_id in TASKS_BY_ID:
            problems.append(f"{name}: grade_id {grade_id} is a task id; nbgrader needs "
                            f"{grade_id_of(grade_id)}")
        elif meta.get("grade") and cell.cell_type == "code" and task_id is not None:
            problems.append(f"{name}: grade cell {task_id} is not a task of this notebook")
        elif not re.fullmatch(r"[A-Za-z0-9_-]+", grade_id):
            problems.append(f"{name}: grade_id {grade_id!r} is not valid for nbgrader "
                            "(letters, digits, '_' and '-' only)")
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.rstrip().endswith(";"):
            problems.append(f"{name}: a cell ends with ';' (output comparison ignores it; assign "
                            f"the result instead): {cell.source.strip().splitlines()[-1][:60]}")
    for task_id in wanted:
        if seen.get(task_id, 0) != 1:
            problems.append(
                f"{name}: task {task_id} needs exactly one grade cell "
                f"(found {seen.get(task_id, 0)})"
            )
    return problems


@contextmanager
def solved_workspace(names: list[str]) -> Iterator[Path]:
    """A scratch assignment folder: the named notebooks and a solved cs231n_core."""
    with tempfile.TemporaryDirectory(prefix="nb-") as tmp:
        work = Path(tmp)
        write_solution_package(work)
        for name in names:
            shutil.copyfile(notebook_path(name), work / f"{name}.ipynb")
        yield work


def execute(name: str, work: Path, timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute(cwd=str(work))
    return nb


def run(names: list[str], store: bool = True) -> dict[str, float]:
    """Execute notebooks against the reference; store outputs back; return seconds each."""
    seconds: dict[str, float] = {}
    with solved_workspace(names) as work:
        for name in names:
            start = time.perf_counter()
            nb = execute(name, work)
            seconds[name] = time.perf_counter() - start
            if store:
                nbformat.write(nb, notebook_path(name))
            print(f"{name}: {seconds[name]:.1f} s", flush=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Lint or run the course notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("lint", help="check grade cells against the task registry")
    p_run = sub.add_parser("run", help="execute notebooks against the reference, store outputs")
    p_run.add_argument("names", nargs="*", help="notebook names (default: all)")
    p_run.add_argument("--no-store", action="store_true", help="do not write outputs back")
    args = parser.parse_args(argv)
    existing = [n for n in NOTEBOOKS if notebook_path(n).exists()]
    if args.command == "lint":
        problems = [p for n in existing for p in lint(nbformat.read(notebook_path(n), 4), n)]
        missing = [n for n in NOTEBOOKS if n not in existing]
        problems += [f"missing notebook {notebook_path(n).relative_to(ROOT)}" for n in missing]
        for p in problems:
            print(p)
        return 1 if problems else 0
    names = args.names or existing
    unknown = [n for n in names if n not in existing]
    if unknown:
        print(
            f"unknown notebook(s): {', '.join(unknown)}; known: {', '.join(existing)}",
            file=sys.stderr,
        )
        return 2
    os.environ.update(REPRODUCIBLE_ENV)
    run(names, store=not args.no_store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
