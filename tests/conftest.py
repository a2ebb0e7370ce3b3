"""Shared test set-up: select tests by task id; the suite's command-line options.

A task id (``layers.relu_forward``) is the thread from stub to reference,
hidden check, test and notebook cell. Every test that exercises a task carries
its id as a keyword, so ``python -m pytest -k layers.relu_forward`` runs the
reference's tests, the public and hidden checks and the mutants of that task.
A test says which task it exercises with ``@pytest.mark.task("<id>")``, or by
being parametrized over a registry task id or over an object with a ``task``
attribute (a catalogue mutant).

Under pytest-xdist (``-n 2``, with ``--dist loadgroup --no-loadscope-reorder`` from
pyproject.toml) the suite is ordered so that its long items start first, heaviest first,
and no worker is left alone with one at the end; tests that share an expensive fixture run
on one worker, which builds it once.

The groups are given to xdist's scheduler directly (``SharedFixtureScheduling``), not as
``xdist_group`` marks: xdist 3.8 turns a mark into a ``@group`` suffix by rewriting
``item._nodeid``, which pytest 9.2 no longer reads (its node ids are structured), so marked
tests were silently spread over both workers and each built the shared fixture again.
"""

from __future__ import annotations

import os

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadGroupScheduling

from autograder.isolation.sandbox import (
    ALLOW_UNSANDBOXED_ENV,
    ONE_BLAS_THREAD,
    sandbox_available,
)
from autograder.registry import TASKS_BY_ID


def pytest_configure(config: pytest.Config) -> None:
    # Grading refuses to run without bubblewrap. A developer machine without it opts
    # out explicitly, so the grading tests still run there (unisolated, as the reports
    # say); CI never does: it insists on the sandbox (tests/grader/test_hostile.py).
    if not os.environ.get("CI") and not sandbox_available():
        os.environ.setdefault(ALLOW_UNSANDBOXED_ENV, "1")
    # One BLAS thread in each process the suite starts (its xdist workers are started after
    # this, and so are the commands they run), unless the caller chose a count: two workers
    # with a BLAS thread per core each oversubscribe two cores, and OpenBLAS's waiting
    # threads then cost several times the work (the self-check tests: 26 s of CPU against 66 s).
    for key, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(key, value)


def task_ids_of(item: pytest.Item) -> set[str]:
    """The registry task ids a collected test exercises."""
    ids = {str(mark.args[0]) for mark in item.iter_markers("task") if mark.args}
    callspec = getattr(item, "callspec", None)
    for value in (callspec.params.values() if callspec is not None else ()):
        task = getattr(value, "task", value)
        if isinstance(task, str) and task in TASKS_BY_ID:
            ids.add(task)
    return ids


# Tests that share a fixture which costs tens of seconds (module-scoped, or made once per
# process): one xdist group each, so that one worker builds it, once. By node id prefix.
SHARED: dict[str, str] = {
    "tests/course/test_course_pipeline.py": "course-pipeline",
    "tests/course/test_browser.py": "browser-course",
    "tests/course/test_no_script.py": "planted-course",
    "tests/course/test_parallel_autograde.py": "parallel-class",
    "tests/course/test_kill_rerun.py": "parallel-class",  # reads the same graded class
    "tests/service/test_counting.py": "parallel-class",  # compares with it
    "tests/service/test_runner.py": "parallel-class",
    "tests/course/test_manual_grades.py": "manual-grades",
    "tests/course/test_term.py": "term-course",
    "tests/service/test_app.py": "service-course",  # one course build, two servers
    "tests/service/test_browser.py": "service-course",
    "tests/service/test_hub.py": "service-course",  # the same course build, under a Hub
    "tests/notebooks/test_release_notebooks.py": "released-course",
    "tests/notebooks/test_lab_in_order.py": "lab-in-order",
    "tests/grader/test_broken.py::test_autograde": "broken-class",
    # In-process `grade --json`: the reference's training of the shared hyperparameters, paid
    # by the first broken case, is reused by the others in the same process.
    "tests/grader/test_broken.py::test_grade_json": "broken-json",
    "tests/grader/test_attacks.py::test_attack_gains_nothing[script-": "script-attacks",
    # The reference's build of the self-check's answers (tests/check/conftest.py), which
    # trains the model-quality cases: read by the freshness test and the shared-parts tests.
    "tests/check/test_shared_parts.py": "public-build",
    "tests/check/test_public_check.py::test_data_file_is_fresh": "public-build",
}

# The long items, by node id prefix (the longest prefix that matches counts): rough seconds
# per test on an idle 2-core machine, from ``pytest --durations``, set-up included. Only
# the order they give matters; an item that matches none weighs nothing.
LONG: dict[str, float] = {
    "tests/notebooks/test_notebooks.py::test_notebook_reproduces": 30,
    "tests/notebooks/test_notebooks.py::test_notebook_reproduces_its_stored_outputs[06": 95,
    "tests/notebooks/test_notebooks.py::test_notebook_reproduces_its_stored_outputs[02": 75,
    "tests/notebooks/test_notebooks.py::test_notebook_reproduces_its_stored_outputs[04": 70,
    "tests/notebooks/test_notebooks.py::test_notebook_reproduces_its_stored_outputs[05": 50,
    "tests/notebooks/test_notebooks_cifar.py::test_notebook_runs": 20,
    "tests/notebooks/test_notebooks_cifar.py::test_notebook_runs_on_cifar10_with_only_"
    "earlier_tasks_done[02": 55,
    "tests/notebooks/test_notebooks_cifar.py::test_notebook_runs_on_cifar10_with_only_"
    "earlier_tasks_done[01": 35,
    "tests/notebooks/test_in_order.py::test_nbgrader_validate": 8,
    "tests/notebooks/test_release_notebooks.py": 15,
    "tests/notebooks/test_lab_in_order.py": 25,
    "tests/grader/test_broken.py::test_autograde": 55,
    "tests/grader/test_broken.py::test_grade_json": 3,
    "tests/course/test_course_pipeline.py": 10,
    "tests/course/test_no_script.py": 20,
    "tests/course/test_browser.py": 15,
    "tests/course/test_parallel_autograde.py": 12,
    "tests/course/test_term.py": 20,
    "tests/course/test_kill_rerun.py": 60,
    "tests/service/test_runner.py::test_worker_killed": 40,
    "tests/service/test_runner.py::test_dask": 10,
    "tests/service/test_counting.py": 15,
    "tests/service/test_load.py::test_server_and_worker": 25,
    "tests/service/test_load.py::test_rush": 20,
    "tests/course/test_manual_grades.py": 5,
    "tests/service/test_app.py": 4,  # 16 tests around one server
    "tests/service/test_browser.py": 30,
    "tests/service/test_hub.py": 5,  # 9 tests around one Hub and its service (about 40 s)
    "tests/course/test_student_distribution.py::test_student_wheel": 20,
    "tests/grader/test_attacks.py::test_attack_gains_nothing": 15,
    "tests/grader/test_attacks.py::test_attack_gains_nothing[script-": 25,
    "tests/grader/test_attacks.py::test_attack_gains_nothing[class-time-limit": 60,
    "tests/grader/test_attacks.py::test_attack_gains_nothing[sig": 40,
    "tests/grader/test_attacks.py::test_attack_gains_nothing[huge-replies": 30,
    "tests/grader/test_hostile.py::test_hostile_class_through_autograde": 60,
    "tests/grader/test_hostile.py::test_executed_notebooks_run_in_the_sandbox": 40,
    "tests/grader/test_exposure.py::test_autograde_refuses": 10,
    "tests/check/test_public_check.py::test_data_file_is_fresh": 3,  # builds for its group
}


def _longest_match(table: dict, nodeid: str, default):
    keys = [k for k in table if nodeid.startswith(k)]
    return table[max(keys, key=len)] if keys else default


def schedule(items: list[pytest.Item]) -> None:
    """Bring the tests of each SHARED group together, then sort every group (or lone test)
    by its LONG weight, heaviest first; equal weights keep their collected order."""
    weight: dict[str, float] = {}
    scope_of = {}
    for item in items:
        scope_of[item] = _longest_match(SHARED, item.nodeid, None) or item.nodeid
        weight[scope_of[item]] = weight.get(scope_of[item], 0.0) + _longest_match(
            LONG, item.nodeid, 0.0)
    items.sort(key=lambda item: -weight[scope_of[item]])


class SharedFixtureScheduling(LoadGroupScheduling):
    """``--dist loadgroup`` whose groups are those of SHARED: a work unit is a SHARED group
    (sent whole to one worker) or a single test; the units go out in the workers' collected
    order, which ``schedule`` made heaviest first."""

    def _split_scope(self, nodeid: str) -> str:
        return _longest_match(SHARED, nodeid, None) or super()._split_scope(nodeid)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LoadGroupScheduling | None:
    if config.getvalue("dist") != "loadgroup":
        return None  # xdist's own scheduler for any other --dist
    return SharedFixtureScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        ids = task_ids_of(item)
        unknown = sorted(i for i in ids if i not in TASKS_BY_ID)
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: task marker names no registry task: {unknown}")
        item.extra_keyword_matches.update(ids)
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the order a worker collects is the run's
        schedule(items)


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
        help="OpenBLAS core type of the notebook regression's kernels (e.g. Sandybridge): check "
        "that the stored outputs hold under another kernel than the one that made them",
    )
