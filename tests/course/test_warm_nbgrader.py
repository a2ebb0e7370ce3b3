"""The warm nbgrader server: one server reused, a fresh run process each time, limits kept.

Each run here is ``nbgrader db student list`` in a small folder whose
``nbgrader_config.py`` (executed by every nbgrader run) records what that run
saw, or sleeps. The server is started once for the module (same environment).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from autograder.course.layout import Course, CourseError, NbgraderTimeout, nbgrader_env
from autograder.course.warm_nbgrader import run_nbgrader_warm, server_for
from autograder.isolation.processes import descendants

# Records the run's pid, whether another process left its mark in this interpreter,
# and one environment variable; then leaves a mark of its own (nbgrader reads the
# file more than once per run).
RECORDING = """\
import json, os, sys
marks = getattr(sys, "_marks", set())
seen = {"pid": os.getpid(), "marked": bool(marks - {os.getpid()}),
        "env": os.environ.get("WARM_TEST")}
sys._marks = marks | {os.getpid()}
open("seen.json", "w").write(json.dumps(seen))
c = get_config()
"""
SLEEPING = "import time\ntime.sleep(600)\nc = get_config()\n"
ARGS = ["db", "student", "list"]


def _folder(base: Path, config: str) -> Course:
    base.mkdir()
    (base / "nbgrader_config.py").write_text(config)
    return Course(base)


def _run(course: Course, timeout: float = 120.0, env: dict[str, str] | None = None) -> dict:
    run_nbgrader_warm(course, ARGS, "run", env, timeout=timeout)
    return json.loads((course.root / "seen.json").read_text())


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def test_runs_share_one_server_and_carry_no_state(tmp_path: Path) -> None:
    first = _run(_folder(tmp_path / "a", RECORDING))
    server = server_for(nbgrader_env(), time.monotonic() + 60).proc.pid
    second = _run(_folder(tmp_path / "b", RECORDING))
    assert server_for(nbgrader_env(), time.monotonic() + 60).proc.pid == server
    assert first["pid"] != second["pid"] != server  # a fresh process per run
    assert not first["marked"] and not second["marked"]  # nothing left from the run before
    assert not _alive(first["pid"]) and not _alive(second["pid"])


def test_a_run_gets_its_own_environment(tmp_path: Path) -> None:
    seen = _run(_folder(tmp_path / "c", RECORDING), env={"WARM_TEST": "yes"})
    assert seen["env"] == "yes"
    assert _run(_folder(tmp_path / "d", RECORDING))["env"] is None


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_time_limit_kills_the_run_and_the_server_and_the_next_run_gets_a_new_one(
        tmp_path: Path) -> None:
    env = nbgrader_env()
    server = server_for(env, time.monotonic() + 60).proc.pid
    course = _folder(tmp_path / "e", SLEEPING)
    start = time.monotonic()
    with pytest.raises(NbgraderTimeout, match="did not finish within 3 s"):
        run_nbgrader_warm(course, ARGS, "run", timeout=3)
    assert time.monotonic() - start < 30
    assert not _alive(server) and not descendants(server)
    seen = _run(_folder(tmp_path / "f", RECORDING))
    assert server_for(env, time.monotonic() + 60).proc.pid != server
    assert not seen["marked"]


def test_a_failing_run_reports_nbgraders_error(tmp_path: Path) -> None:
    course = _folder(tmp_path / "g", "c = get_config()\n")
    with pytest.raises(CourseError, match="nbgrader db failed"):
        run_nbgrader_warm(course, ["db", "student", "remove", "nobody"], "run")
    assert os.path.getsize(course.logs / "run.log") > 0


# Makes a folder under the run's temporary directory, puts a file in it and says where.
LEAVING = """\
import json, tempfile
left = tempfile.mkdtemp(prefix="left-")
open(left + "/file", "w").write("x")
open("left.json", "w").write(json.dumps(left))
"""


def test_what_runs_leave_in_their_temporary_folder_goes_with_the_server(tmp_path: Path) -> None:
    env = nbgrader_env()
    course = _folder(tmp_path / "h", LEAVING + "c = get_config()\n")
    run_nbgrader_warm(course, ARGS, "run")
    server = server_for(env, time.monotonic() + 60)
    left = Path(json.loads((course.root / "left.json").read_text()))
    assert left.is_relative_to(server.scratch) and (left / "file").exists()
    # A run past its time limit: the server is killed, and its folder removed with it.
    stuck = _folder(tmp_path / "i", LEAVING + SLEEPING)
    with pytest.raises(NbgraderTimeout):
        run_nbgrader_warm(stuck, ARGS, "run", timeout=5)
    stuck_left = Path(json.loads((stuck.root / "left.json").read_text()))
    assert stuck_left.is_relative_to(server.scratch)
    assert not server.scratch.exists()
