"""``autograde --execute`` of one submission, its notebooks one at a time against two at once.

One course of one student (the perfect submission, ``classrun.build_class``); the same
command, ``cs231n-course autograde COURSE --student perfect --execute``, alternately with
``c.SubmissionLimits.execute_kernels = 1`` (nbgrader's order) and ``= 2``, each run's wall
time and the peak memory of its whole process tree (sum of resident sizes, and proportional
set size, which counts the pages a warm server shares with its forked runs once).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import sys
from pathlib import Path

from benchmarks.classrun import PERFECT, Run, build_class, timed_command

MIB = 1 << 20
KERNELS = (1, 2)  # the serial order first in every round


def _score(log: Path) -> str:
    """The ``<score> / <max>`` the run printed for the perfect submission."""
    found = re.search(rf"^\[autograde 1/1\] {PERFECT}: (\d+ / \d+)", log.read_text(), re.M)
    return found.group(1) if found else "no score"


def run(work: Path, rounds: int) -> list[tuple[str, str, str, str]]:
    """``rounds`` alternating runs of each setting; one row per setting and one of the ratio."""
    course, _ = build_class(work / "build", 1)
    config = course / "nbgrader_config.py"
    base = config.read_text()
    cli = shutil.which("cs231n-course", path=os.path.dirname(sys.executable)) or "cs231n-course"
    runs: dict[int, list[tuple[Run, str]]] = {k: [] for k in KERNELS}
    for i in range(rounds):
        for kernels in KERNELS:
            config.write_text(base + f"\nc.SubmissionLimits.execute_kernels = {kernels}\n")
            print(f"  round {i + 1}/{rounds}, {kernels} kernel(s) at once ...", file=sys.stderr,
                  flush=True)
            log = work / f"execute-{kernels}-{i}.log"
            done = timed_command(f"{kernels} at once", [cli, "autograde", str(course),
                                 "--student", PERFECT, "--execute"], work, log, pool=False)
            runs[kernels].append((done, _score(log)))
    rows = []
    for kernels in KERNELS:
        each = runs[kernels]
        rows.append((f"autograde --execute, {kernels} kernel(s) at once",
                     ", ".join(f"{r.seconds:.1f} s" for r, _ in each),
                     f"peak {max(r.peak_total for r, _ in each) / MIB:.0f} MiB, PSS "
                     f"{max(r.peak_worker_pss for r, _ in each) / MIB:.0f} MiB",
                     "scores " + ", ".join(score for _, score in each)))
    median = {k: statistics.median(r.seconds for r, _ in runs[k]) for k in KERNELS}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    rows.append(("autograde --execute, median", f"{median[2]:.1f} s two at once",
                 f"{median[1]:.1f} s one at a time",
                 f"{median[1] / median[2]:.2f}x faster; load average after {load}"))
    return rows
