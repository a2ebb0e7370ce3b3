"""nbgrader kept warm: one long-lived nbgrader process per grading thread, one fork per run.

Starting ``nbgrader`` costs about 2 s of CPU before it grades anything (Python, then
importing nbgrader, nbconvert, jupyter_client, SQLAlchemy and the trusted grader),
about half of an autograde task. A grading process (the coordinator with ``--jobs 1``,
a pool worker, a Dask worker) therefore keeps one *server*: a child process that
imports all of it once and then, for each run, forks a *run process* which executes
``nbgrader <args>`` exactly as the command line does: a fresh ``NbGraderApp``, the
course's ``nbgrader_config.py`` read again in the run's course directory, its own
log, environment and session. Nothing of one run reaches the next: every piece of
nbgrader's per-run state (the application singletons, the plugin's snapshots, the
gradebook connections) lives in the run process, which exits at the end of its run.

What a fresh process guaranteed still holds:

* **Time limit.** Past ``timeout`` the server is killed with everything below it
  (the run process, its grading workers and notebook kernels) and NbgraderTimeout
  is raised; the next run starts a new server.
* **Nothing outlives the grader.** The server dies with the thread that started it,
  and each run process with the server (parent-death signal), as nbgrader's own
  children already do.
* **Same environment.** A server serves only runs whose environment is the one it
  was started with (libraries read some variables when imported, e.g. OpenBLAS its
  thread count); a run with another environment gets a new server.
* **No files left behind.** A server is always ended by killing it, so no exit hook of
  its own runs. Its ``TMPDIR`` is a folder its parent made for it, where it and its runs
  keep what they make (kernels' folders, submission snapshots, the kernels' font list and
  dataset); the parent removes that folder once the server is gone, and at its own exit.

Protocol: the parent writes one JSON request per line on the server's stdin
(``cwd``, ``args``, ``log``); the server answers with JSON lines on its stdout:
``{"ready": pid}`` once imported, then per run ``{"pid": run pid}`` and
``{"exit": code}``.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder.course.layout import (
    NBGRADER_SECONDS,
    Course,
    CourseError,
    NbgraderTimeout,
    nbgrader_env,
)
from autograder.course.layout import _last_error as last_error
from autograder.isolation.processes import child_setup, kill_tree


class NbgraderServer:
    """The parent's handle on one warm nbgrader process (see the module's docstring)."""

    def __init__(self, env: dict[str, str], deadline: float) -> None:
        """Start a server in ``env``; NbgraderTimeout when it is not ready by ``deadline``."""
        self.env = env
        self._owner = os.getpid()
        self.scratch = Path(tempfile.mkdtemp(prefix="cs231n-nbgrader-"))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.course.nbgrader_server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,  # read only when it fails to start
                env={**env, "TMPDIR": str(self.scratch)},
                start_new_session=True,
                preexec_fn=child_setup(),
            )
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        atexit.register(self.close)
        self._lines = b""
        try:
            reply = self._reply(deadline)
        except BaseException:
            self.close()
            raise
        if "ready" not in reply:
            self.stop()
            assert self.proc.stderr is not None
            said = self.proc.stderr.read().decode(errors="replace").strip().splitlines()
            self.close()
            why = said[-1] if said else str(reply.get("error"))
            raise CourseError(f"nbgrader could not start: {why}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """Kill the server with every process below it (a run in progress included)."""
        if self.proc.poll() is None:  # once reaped, its pid may be another process's
            kill_tree(self.proc.pid)
            self.proc.wait()

    def close(self) -> None:
        """Stop the server, close its pipes and remove its temporary folder.

        Only in the process that started it: a process forked from that one runs the
        same exit hooks.
        """
        if os.getpid() != self._owner:
            return
        atexit.unregister(self.close)
        self.stop()
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def run(self, cwd: Path, args: list[str], log_path: Path, deadline: float) -> int:
        """Run ``nbgrader <args>`` in ``cwd``, output to ``log_path``; its exit code.

        Past ``deadline`` (time.monotonic()) the server is killed with the run and
        NbgraderTimeout raised; an interruption kills them as well.
        """
        request = {"cwd": str(cwd), "args": args, "log": str(log_path)}
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            while True:
                reply = self._reply(deadline)
                if "exit" in reply:
                    return int(reply["exit"])
                if "pid" not in reply:
                    raise CourseError(f"nbgrader stopped: {reply.get('error', 'no reply')}")
        except BaseException:  # timed out, failed or interrupted: nothing of this run may stay
            self.close()
            raise

    def _reply(self, deadline: float) -> dict:
        """The server's next JSON line; NbgraderTimeout past ``deadline``."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()  # read unbuffered: select() sees only the pipe
        while b"\n" not in self._lines:
            left = deadline - time.monotonic()
            if left <= 0:
                raise NbgraderTimeout("nbgrader did not finish in time")
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return {"error": f"the nbgrader process ended (exit {self.proc.wait()})"}
                self._lines += chunk
        line, self._lines = self._lines.split(b"\n", 1)
        reply = json.loads(line)
        return reply if isinstance(reply, dict) else {}


# One server per thread: the parent-death signal binds a child to the thread that
# started it, and Dask may run several grading threads in one worker process.
_LOCAL = threading.local()


def server_for(env: dict[str, str], deadline: float) -> NbgraderServer:
    """This thread's warm server for ``env`` (a new one when it died or ``env`` changed).

    A new server must be ready by ``deadline`` (time.monotonic()): its start-up counts
    in the time limit of the run that needs it, as a fresh nbgrader process's did.
    """
    server: NbgraderServer | None = getattr(_LOCAL, "server", None)
    if server is not None and (not server.alive() or server.env != env):
        server.close()
        server = None
    if server is None:
        _LOCAL.server = None
        server = NbgraderServer(env, deadline)
        _LOCAL.server = server
    return server


def run_nbgrader_warm(
    course: Course,
    args: list[str],
    log_name: str,
    extra_env: dict[str, str] | None = None,
    timeout: float = NBGRADER_SECONDS,
) -> None:
    """``layout.run_nbgrader`` without nbgrader's start-up: the run is forked from a warm server.

    Same contract: the log goes to ``logs/<log_name>.log``; past ``timeout``
    seconds everything of the run is killed and NbgraderTimeout raised; a failed
    run raises CourseError with nbgrader's last error line.
    """
    course.logs.mkdir(exist_ok=True)
    log_path = course.logs / f"{log_name}.log"
    log_path.write_text("")
    env = {**nbgrader_env(), **(extra_env or {})}
    deadline = time.monotonic() + max(timeout, 0.0)
    try:
        code = server_for(env, deadline).run(course.root, args, log_path, deadline)
    except NbgraderTimeout:
        raise NbgraderTimeout(f"nbgrader {args[0]} did not finish within {timeout:.0f} s "
                              f"and was stopped (log: {log_path})") from None
    if code != 0:
        raise CourseError(f"nbgrader {args[0]} failed: {last_error(log_path)} (log: {log_path})")
