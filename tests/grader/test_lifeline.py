"""A sandbox ends when the trusted process that started it dies, whatever bubblewrap does.

bubblewrap asks for the parent-death signal of the sandbox's first process only
after creating it, so a grader killed in that gap would leave the sandbox running
with nobody above it. These tests open the gap for good: the sandbox is started
without ``--die-with-parent`` and without our own parent-death request, by a
process that is then SIGKILLed. Only the lifeline (``processes.Lifeline``, held by
``watchdog.py`` inside the sandbox) is left to end it. The control keeps a second
writer of the pipe alive in the test and shows that the sandbox then keeps running:
the kill alone would not end it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.isolation.processes import Lifeline, kill_tree
from autograder.isolation.sandbox import sandbox_available
from tests.fixtures.processes import Watch

pytestmark = pytest.mark.skipif(not sandbox_available(), reason="needs the bubblewrap sandbox")

SLEEPER = "import time\ntime.sleep(600)"

# The trusted process: it starts a sandbox as the kernel manager does, minus every
# parent-death request, prints the sandbox's pid and waits to be killed. Given a
# reader (the control), it uses that pipe, whose writer the test holds, instead of
# a lifeline of its own.
STARTER = """
import subprocess, sys, time
from pathlib import Path
from autograder.isolation.kernel_sandbox import kernel_sandbox_command
from autograder.isolation.processes import Lifeline
run_dir = Path(sys.argv[1])
reader = int(sys.argv[2]) if len(sys.argv) > 2 else Lifeline().reader
cmd = kernel_sandbox_command([sys.executable, "-c", {sleeper!r}], run_dir, run_dir, {{}},
                             200_001, reader)
cmd.remove("--die-with-parent")
proc = subprocess.Popen(cmd, pass_fds=(reader,), start_new_session=True)
print(proc.pid, flush=True)
time.sleep(600)
"""


def _start(run_dir: Path, reader: int | None = None) -> tuple[subprocess.Popen[str], Watch]:
    """The starter, and a watch that has seen the sandboxed sleeper run."""
    args = [sys.executable, "-c", STARTER.format(sleeper=SLEEPER), str(run_dir)]
    args += [str(reader)] if reader is not None else []
    starter = subprocess.Popen(args, stdout=subprocess.PIPE, text=True,
                               pass_fds=(reader,) if reader is not None else ())
    assert starter.stdout is not None
    int(starter.stdout.readline())
    watch = Watch(starter.pid)
    assert watch.wait_for(("time.sleep(600)",), timeout=60), "the sandbox never ran its program"
    watch.record()
    return starter, watch


def _kill(starter: subprocess.Popen[str]) -> None:
    starter.send_signal(signal.SIGKILL)
    starter.wait()


def test_the_sandbox_ends_when_its_starter_is_killed(tmp_path: Path) -> None:
    starter, watch = _start(tmp_path)
    assert any("watchdog.py" in cmd for pid, (_, cmd) in watch.seen.items() if pid != starter.pid)
    _kill(starter)
    t0 = time.monotonic()
    left = watch.survivors(grace=10)
    assert left == {}, f"still running: {[c[:120] for c in left.values()]}"
    assert time.monotonic() - t0 < 10


def test_control_while_a_writer_lives_the_sandbox_runs_on(tmp_path: Path) -> None:
    life = Lifeline()  # the test holds the writer: the starter's death cuts nothing
    starter, watch = _start(tmp_path, life.reader)
    life.launched()
    _kill(starter)
    try:
        assert watch.survivors(grace=3) != {}, "the sandbox ended although its writer lived"
    finally:
        life.cut()
    left = watch.survivors(grace=10)
    for pid in left:
        kill_tree(pid)
    assert left == {}
