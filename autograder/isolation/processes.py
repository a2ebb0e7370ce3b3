"""Processes the grader starts never outlive it, and a stuck one is killed with all it started.

Three mechanisms, Linux-specific:

* ``die_with_parent`` (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, run in a child before
  it executes its program): the kernel kills the child when the process that
  started it dies, even by SIGKILL. Every process the grader starts (pool
  workers, nbgrader, grading workers, notebook kernels) sets it, so killing the
  coordinator takes the whole run down, one generation after the other.
* ``kill_tree``: the grader's workers and kernels start their own sessions, so a
  process group does not hold them all. The tree is walked through ``/proc``
  (parent pids), every process in it is stopped first (a stopped process cannot
  fork or exit and re-parent its children while the walk goes on), then killed.
* ``Lifeline``: a pipe whose reader the sandbox's ``watchdog`` holds. The
  parent-death chain has one gap it cannot close (bubblewrap asks for the signal
  only after it has created the sandbox's first process), so each sandbox also
  ends itself when the trusted process that started it is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True) \
    if sys.platform.startswith("linux") else None


def die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; else nothing).

    ``parent`` is the pid the caller had before forking: a parent that died before
    the request was made cannot signal any more, so the process exits at once.
    """
    if _LIBC is None:
        return
    _LIBC.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def child_setup(*steps: Callable[[], None]) -> Callable[[], None]:
    """A ``preexec_fn`` binding the child's life to this process, then running ``steps``.

    The parent-death signal belongs to the thread that forks, so call ``Popen``
    from a thread that lives as long as the child should.
    """
    parent = os.getpid()

    def setup() -> None:
        die_with_parent(parent)
        for step in steps:
            step()

    return setup


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids of every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return tree
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses; the parent pid
        # is the second field after its closing parenthesis.
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, their children, ...)."""
    tree = _children()
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(pid: int, itself: bool = True) -> list[int]:
    """SIGKILL every process below ``pid`` and (``itself``) ``pid`` and its process group.

    Returns the pids signalled.
    """
    seen: list[int] = []
    for _ in range(20):  # until a walk finds nothing new (each round stops what it found)
        new = [p for p in [*([pid] if itself else []), *descendants(pid)] if p not in seen]
        if not new:
            break
        for p in new:
            _signal(p, signal.SIGSTOP)
        seen.extend(new)
    for p in seen:
        _signal(p, signal.SIGKILL)
    if itself:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return seen


class Lifeline:
    """A pipe tying a sandbox's life to this process (see ``watchdog``).

    ``reader`` goes into the sandbox (``pass_fds``), where the watchdog holds it;
    this process keeps ``writer`` and nothing else writes to it, so the reader sees
    end-of-file when this process closes it or dies, however it dies.
    """

    def __init__(self) -> None:
        # Not inheritable: no other child of this process holds the writer.
        self.reader, self.writer = os.pipe()

    def launched(self) -> None:
        """The sandbox holds its copy of the reader now; drop ours."""
        if self.reader >= 0:
            os.close(self.reader)
            self.reader = -1

    def cut(self) -> None:
        """End the sandbox: its watchdog kills what still runs in it."""
        self.launched()
        if self.writer >= 0:
            os.close(self.writer)
            self.writer = -1


def bound_to_this_process(argv: list[str]) -> list[str]:
    """``argv`` run through this file, so that it dies with the process calling this.

    For children started by code we do not control (jupyter_client starts notebook
    kernels): the command sets the parent-death signal, checks that its parent is
    still this process, and only then executes ``argv``. bubblewrap's own
    ``--die-with-parent`` comes too late for a parent killed while bwrap starts.
    """
    return [sys.executable, "-I", "-S", os.path.abspath(__file__), str(os.getpid()), *argv]


def main(argv: list[str]) -> int:  # returns only on a usage error
    """``processes.py PARENT_PID PROGRAM [ARGS...]``: die with PARENT_PID, run PROGRAM."""
    if len(argv) < 2 or not argv[0].isdigit():
        print("usage: processes.py PARENT_PID PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    die_with_parent(int(argv[0]))
    os.execvp(argv[1], argv[1:])  # replaces this process, or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
