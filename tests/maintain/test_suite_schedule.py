"""The suite's own scheduling (tests/conftest.py): under pytest-xdist, the tests of a SHARED
group run on one worker, so that the fixture they share is built once.

A small suite runs in two xdist workers with the suite's scheduler and its own SHARED table:
each test writes the worker it ran on, and the tests of the group must name one worker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from autograder.maintain.notebooks import ROOT

CONFTEST = """\
from tests import conftest as suite

suite.SHARED.clear()
suite.SHARED["test_grouped.py::test_shared"] = "shared"
pytest_xdist_make_scheduler = suite.pytest_xdist_make_scheduler
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
"""
TESTS = """\
import os
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize("i", range(6))
def test_shared(i):
    time.sleep(0.1)  # long enough for the other worker to ask for work meanwhile
    Path(f"ran-shared-{i}").write_text(os.environ["PYTEST_XDIST_WORKER"])


@pytest.mark.parametrize("i", range(6))
def test_alone(i):
    time.sleep(0.1)
    Path(f"ran-alone-{i}").write_text(os.environ["PYTEST_XDIST_WORKER"])
"""


def test_a_shared_group_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\naddopts = -p no:cacheprovider --dist loadgroup --no-loadscope-reorder\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_grouped.py").write_text(TESTS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "xdist"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CI": ""},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    shared = {(tmp_path / f"ran-shared-{i}").read_text() for i in range(6)}
    alone = {(tmp_path / f"ran-alone-{i}").read_text() for i in range(6)}
    assert len(shared) == 1, f"the group ran on {sorted(shared)}"
    # The other tests still go to both workers (the check above would hold with one).
    assert alone | shared == {"gw0", "gw1"}
