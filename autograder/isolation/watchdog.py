"""The first process inside every sandbox: it ends the sandbox when the grader is gone.

``watchdog.py FD PROGRAM [ARGS...]`` runs PROGRAM (the grading worker, or a
notebook kernel behind its resource limits and uid drop) as its child, and holds
FD, the read end of a pipe whose write end only the trusted process that started
the sandbox holds (its *lifeline*). The pipe reads end-of-file once no writer is
left: the grader exited, closed the sandbox, or was killed, even by SIGKILL. The
watchdog then kills every process of the sandbox's process namespace and exits,
so bubblewrap, whose namespace init waits for its last process, exits too.

Why not rely on the parent-death signal alone: bubblewrap sets it for the process
that sets the sandbox up only after creating it, so a grader killed in between
leaves that process running the sandbox with nobody above it.

It runs with the sandbox's privileges, before the student's uid is dropped: student
code can neither signal it nor close its pipe. It uses the standard library only,
and mirrors its child's end (exit status, or death by the same signal), so those
who wait for the sandbox see the program's own ending.
"""

from __future__ import annotations

import os
import select
import signal
import sys


def _end_like(status: int) -> int:
    """Exit as the child did: by its signal when one killed it, else with its status."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        return 128 + sig  # a signal whose default is not to end (ignored: SIGCHLD...)
    return os.waitstatus_to_exitcode(status)


def _child_done(pid: int) -> int | None:
    """The child's wait status when it has ended, else None."""
    done, status = os.waitpid(pid, os.WNOHANG)
    return status if done else None


def watch(lifeline: int, program: list[str]) -> int:
    """Run ``program``; return its exit code, or kill the sandbox when ``lifeline`` ends."""
    pid = os.fork()
    if pid == 0:
        try:
            os.close(lifeline)
            os.execvp(program[0], program)
        finally:
            os._exit(127)
    poller = select.poll()
    poller.register(lifeline, select.POLLIN | select.POLLHUP)
    try:
        child = os.pidfd_open(pid)
        poller.register(child, select.POLLIN)
        interval = None
    except (AttributeError, OSError):  # no pidfd (old kernel): look every 50 ms
        interval = 50
    while True:
        events = poller.poll(interval)
        status = _child_done(pid)
        if status is not None:
            return _end_like(status)
        for fd, _ in events:
            if fd == lifeline and not os.read(lifeline, 4096):
                if os.getpid() <= 2:
                    # Every other process of this namespace; the namespace's init
                    # (bubblewrap) is spared and exits once this process has gone too.
                    os.kill(-1, signal.SIGKILL)
                else:  # not a sandbox's own namespace: never signal beyond the child
                    os.kill(pid, signal.SIGKILL)
                return 137


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not argv[0].isdigit():
        print("usage: watchdog.py FD PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    return watch(int(argv[0]), argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
