"""Shared test set-up: select tests by task id; the suite's command-line options.

A task id (``layers.relu_forward``) is the thread from stub to reference,
hidden check, test and notebook cell. Every test that exercises a task carries
its id as a keyword, so ``python -m pytest -k layers.relu_forward`` runs the
reference's tests, the public and hidden checks and the mutants of that task.
A test says which task it exercises with ``@pytest.mark.task("<id>")``, or by
being parametrized over a registry task id or over an object with a ``task``
attribute (a catalogue mutant).
"""

from __future__ import annotations

import os

import pytest

from autograder.isolation.sandbox import ALLOW_UNSANDBOXED_ENV, sandbox_available
from autograder.registry import TASKS_BY_ID


def pytest_configure(config: pytest.Config) -> None:
    # Grading refuses to run without bubblewrap. A developer machine without it opts
    # out explicitly, so the grading tests still run there (unisolated, as the reports
    # say); CI never does: it insists on the sandbox (tests/grader/test_hostile.py).
    if not os.environ.get("CI") and not sandbox_available():
        os.environ.setdefault(ALLOW_UNSANDBOXED_ENV, "1")


def task_ids_of(item: pytest.Item) -> set[str]:
    """The registry task ids a collected test exercises."""
    ids = {str(mark.args[0]) for mark in item.iter_markers("task") if mark.args}
    callspec = getattr(item, "callspec", None)
    for value in (callspec.params.values() if callspec is not None else ()):
        task = getattr(value, "task", value)
        if isinstance(task, str) and task in TASKS_BY_ID:
            ids.add(task)
    return ids


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        ids = task_ids_of(item)
        unknown = sorted(i for i in ids if i not in TASKS_BY_ID)
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: task marker names no registry task: {unknown}")
        item.extra_keyword_matches.update(ids)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--blas-coretypes",
        default="",
        help="comma-separated OpenBLAS core types (e.g. SkylakeX,Haswell,Prescott): run every "
        "notebook in fast mode once under each and check that the runs agree",
    )
    parser.addoption(
        "--notebook-blas-coretype",
        default="",
        help="OpenBLAS core type of the notebook regression's kernels (e.g. Prescott): check "
        "that the stored outputs hold under another kernel than the one that made them",
    )
