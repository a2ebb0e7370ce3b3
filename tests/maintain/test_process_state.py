"""The suite's guard (tests/process_state.py): a test that leaves its worker's environment or
Ctrl-C handling changed fails, and the next test of the same process finds both as before.

A small suite runs in one process with the guard: the tests run in file order, so each
leaking test is followed by one that reads what it left.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from autograder.maintain.notebooks import ROOT

TESTS = """\
import os
import signal

from tests.process_state import kept_environ


def test_leaks_a_variable():
    os.environ["GUARD_PROBE"] = "set"


def test_finds_no_leaked_variable():
    assert "GUARD_PROBE" not in os.environ


def test_ignores_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_finds_sigint_handled():
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_writes_inside_kept_environ():
    with kept_environ():
        os.environ["GUARD_PROBE"] = "set"
        os.environ.pop("PATH")
    assert "GUARD_PROBE" not in os.environ and "PATH" in os.environ
"""


def test_a_leak_fails_its_own_test_and_no_later_one(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (tmp_path / "test_leaks.py").write_text(TESTS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.process_state", "-rA"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out = result.stdout
    assert result.returncode == 1, out[-3000:] + result.stderr[-2000:]
    assert "5 passed, 2 errors" in out, out[-3000:]
    assert ("ERROR test_leaks.py::test_leaks_a_variable - Failed: this test changed the "
            "environment of the test process: GUARD_PROBE") in out, out[-3000:]
    assert "ERROR test_leaks.py::test_ignores_sigint - Failed: this test changed the SIGINT" in out
