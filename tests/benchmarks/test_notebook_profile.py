"""The CPU seconds ``python -m benchmarks execute`` reports for a kernel's process tree."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks.notebook_profile import tree_cpu

# A child that spins on the CPU for about the given seconds, then sleeps until it is ended.
SPIN = ("import time\nend = time.process_time() + {seconds}\n"
        "while time.process_time() < end: pass\ntime.sleep(60)")


def test_tree_cpu_counts_a_grandchild_and_not_the_caller() -> None:
    me = os.getpid()
    idle = tree_cpu(me)
    # The busy process is a grandchild, as the kernel is under bubblewrap.
    outer = subprocess.Popen([sys.executable, "-c",
                              "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                              f"{SPIN.format(seconds=0.5)!r}])"])
    try:
        deadline = time.monotonic() + 20
        spent = tree_cpu(me) - idle
        while spent < 0.5 and time.monotonic() < deadline:
            time.sleep(0.1)
            spent = tree_cpu(me) - idle
        # At least the half second spun, plus the two interpreters' start-up (well under a
        # second); the caller's own CPU is not in it.
        assert 0.5 <= spent < 1.5
    finally:
        outer.kill()
        outer.wait()
