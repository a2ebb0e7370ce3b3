"""Grading threads that start their sandboxes at the same moment, in a fresh process.

CPython before 3.13 builds ``sysconfig``'s table of configuration variables on first
use and publishes it before it is filled; two grading threads building sandbox
commands at once in a new process could read it without ``userbase`` and lose the
submission's grading to an ``AttributeError``. The grader builds the table when its
isolation package is imported.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# Run in a fresh interpreter: in this one the table was built long ago.
SCRIPT = r"""
import sys, sysconfig, threading
if sysconfig._CONFIG_VARS is not None:  # CPython's private table: built by start-up here
    print("prebuilt")
    raise SystemExit(0)
from autograder.isolation import visible
print("built at import:", sysconfig._CONFIG_VARS is not None)
sys.setswitchinterval(1e-6)  # switch threads as often as possible
barrier, errors = threading.Barrier(8), []
def start_a_sandbox():
    barrier.wait()
    try:
        visible.site_dirs()
        sysconfig.get_paths()["stdlib"]
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=start_a_sandbox) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("errors:", errors)
"""


def test_sysconfig_is_built_before_any_grading_thread_reads_it() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    if out.strip() == "prebuilt":
        pytest.skip("this interpreter builds sysconfig's table at start-up: no race to lose")
    assert "built at import: True" in out, out
    assert "errors: []" in out, out
