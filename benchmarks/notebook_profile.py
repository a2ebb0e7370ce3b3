"""Where the time of ``autograde --execute`` goes, notebook by notebook and cell by cell.

Each source notebook runs in fast mode (``NBGRADER_EXECUTION``) against the reference,
in the kernel ``autograde --execute`` uses (the bubblewrap sandbox when it is available,
one BLAS thread), and its time is split into the kernel's start-up (from asking for a
kernel to the kernel answering), the setup cell (imports and data loading) and every
other cell, from the timestamps nbclient records in each cell's metadata. Wall seconds
depend on what else the machine runs; the CPU seconds the kernel's process tree spent
(user + system, read from /proc before and after each cell) depend much less on it.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from autograder.course.autograde_one import execution_args
from autograder.isolation.kernel_sandbox import SandboxedKernelManager
from autograder.isolation.sandbox import ONE_BLAS_THREAD
from autograder.maintain.notebooks import CELL_TIMEOUT, REPRODUCIBLE_ENV, solved_workspace
from benchmarks.classrun import MemoryPeak, proc_table

# What autograde --execute gives the kernel (autograder.course.autograde_one).
FAST_ENV = {**REPRODUCIBLE_ENV, **ONE_BLAS_THREAD, "NBGRADER_EXECUTION": "autograde"}


@dataclass
class NotebookProfile:
    """Seconds one notebook took, split into kernel start-up and cells."""

    name: str
    total: float = 0.0
    kernel_start: float = 0.0
    cells: list[tuple[int, float, str]] = field(default_factory=list)  # index, seconds, first line
    kernel_peak: int = 0  # bytes: the largest resident size of the kernel's process tree
    stderr: list[int] = field(default_factory=list)  # indices of cells that wrote to stderr
    cpu: float = 0.0  # user + system seconds of the kernel's process tree, start-up included
    cell_cpu: dict[int, float] = field(default_factory=dict)  # cell index -> CPU seconds

    @property
    def setup_cpu(self) -> float:
        """CPU seconds of the setup cell."""
        return self.cell_cpu.get(self.cells[0][0], 0.0) if self.cells else 0.0

    @property
    def setup(self) -> float:
        """The first code cell: imports and data loading."""
        return self.cells[0][1] if self.cells else 0.0

    def slowest(self, n: int = 3) -> list[tuple[int, float, str]]:
        return sorted(self.cells[1:], key=lambda c: -c[1])[:n]


def tree_cpu(root: int) -> float:
    """User + system CPU seconds of ``root``'s descendants now running (not ``root`` itself)."""
    table = proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0.0, list(children.get(root, []))
    while stack:
        pid = stack.pop()
        total += table[pid][2]
        stack += children.get(pid, [])
    return total


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def cell_seconds(cell: Any) -> float:
    """Seconds between the kernel starting a cell and its reply (nbclient's ``record_timing``)."""
    timing = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
        return 0.0
    return (_stamp(timing["shell.execute_reply"])
            - _stamp(timing["iopub.execute_input"])).total_seconds()


def profile_notebook(name: str, work: Path, sandboxed: bool) -> NotebookProfile:
    """Execute one notebook of ``work`` in fast mode and time its parts."""
    nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
    result = NotebookProfile(name)
    started: list[float] = []
    # The kernel's process tree is this process's only child while the notebook runs, so
    # its CPU time before and after each cell is what that cell cost the kernel.
    me = os.getpid()
    before: dict[int, float] = {}

    def cell_started(cell_index: int, **_: Any) -> None:
        before[cell_index] = tree_cpu(me)

    def cell_done(cell_index: int, **_: Any) -> None:
        now = tree_cpu(me)
        result.cell_cpu[cell_index] = now - before.get(cell_index, now)
        result.cpu = max(result.cpu, now)

    options: dict[str, Any] = {"kernel_manager_class": SandboxedKernelManager} if sandboxed else {}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(work)}},
                            on_notebook_start=lambda **_: started.append(time.perf_counter()),
                            on_cell_execute=cell_started, on_cell_executed=cell_done,
                            **options)
    peak = MemoryPeak(me)
    sampler = threading.Thread(target=peak.run, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        client.execute(cwd=str(work))
    finally:
        result.total = time.perf_counter() - start
        peak.stop()
        sampler.join()
    result.kernel_peak = peak.worker
    result.kernel_start = started[0] - start if started else 0.0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip():
            first = cell.source.strip().splitlines()[0][:48]
            result.cells.append((index, cell_seconds(cell), first))
            if any(out.get("name") == "stderr" for out in cell.get("outputs", [])):
                result.stderr.append(index)
    return result


def profile(names: list[str]) -> tuple[list[NotebookProfile], bool]:
    """Profile the named notebooks one after another; whether their kernels were sandboxed."""
    sandboxed = bool(execution_args())
    saved = {key: os.environ.get(key) for key in FAST_ENV}
    os.environ.update(FAST_ENV)
    try:
        with solved_workspace(names) as work:
            # The sandboxed kernel runs under a uid of its own: it must read the folder.
            for path in [work, *work.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            return [profile_notebook(name, work, sandboxed) for name in names], sandboxed
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
