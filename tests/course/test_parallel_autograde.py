"""Class-scale autograde: the same gradebook with --jobs 1, --jobs 2 and a Dask cluster.

A small class of the fixture course (one notebook: layers.affine_forward, 2 points,
a plain nbgrader test cell, a written answer) is built once, copied, and graded by
each backend; the gradebooks must hold identical rows. Also: re-running is
idempotent, a resubmission replaces only its own scores, manual scores survive,
and every submission gets one progress line with its time.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.course import cli
from autograder.course.autograde import SCRATCH_PREFIX, _rmtree, autograde
from autograder.course.demo import apply_bugs
from autograder.course.gradebook import open_gradebook
from autograder.course.layout import Course
from autograder.course.submissions import submit
from autograder.grade_cells import grade_id_of
from tests.fixtures.course_notebook import NO_BIAS, NOTEBOOK, new_fixture_course
from tests.process_state import kept_environ

pytestmark = pytest.mark.slow

TASK_CELL = grade_id_of("layers.affine_forward")
# Expected (task points, plain test cell points) per student.
EXPECTED = {
    "perfect": (2.0, 1.0),
    "stubs": (0.0, 0.0),
    "no_bias": (0.0, 1.0),
    "no_notebook": (2.0, 0.0),
}


def build_class(base: Path) -> tuple[Course, Path]:
    """A fresh course with the EXPECTED class submitted, ungraded; returns (course, perfect)."""
    course, perfect = new_fixture_course(base)
    folders = {"perfect": perfect, "stubs": course.release}
    for name in ("no_bias", "no_notebook"):
        folders[name] = base / name
        shutil.copytree(perfect, folders[name])
    apply_bugs(folders["no_bias"], (NO_BIAS,))
    (folders["no_notebook"] / f"{NOTEBOOK}.ipynb").unlink()
    for student, folder in folders.items():
        submit(course, student, folder)
    return course, perfect


def copy_course(course: Course, dest: Path) -> Course:
    shutil.copytree(course.root, dest, symlinks=True)
    return Course.open(dest)


def gradebook_state(course: Course) -> dict:
    """Every student's gradebook rows: cell -> (auto, manual, needs manual), comments, timestamp."""
    state = {}
    with open_gradebook(course) as gb:
        for sub in gb.assignment_submissions("training_nn"):
            cells = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    cells[(nb.name, g.name, "grade")] = (g.auto_score, g.manual_score,
                                                         bool(g.needs_manual_grade))
                for c in nb.comments:
                    cells[(nb.name, c.name, "comment")] = (c.auto_comment, c.manual_comment)
                cells[(nb.name, "late_penalty")] = nb.late_submission_penalty
            state[sub.student.id] = {"timestamp": sub.timestamp, "cells": cells,
                                     "score": float(sub.score)}
    return state


def check_expected(state: dict) -> None:
    assert set(state) == set(EXPECTED)
    for student, (task, plain) in EXPECTED.items():
        cells = state[student]["cells"]
        assert cells[(NOTEBOOK, TASK_CELL, "grade")][0] == task, student
        assert cells[(NOTEBOOK, "fixture_hidden_test", "grade")][0] == plain, student


@dataclass(frozen=True)
class GradedClass:
    """The EXPECTED class before grading (``template``, with the perfect work) and a copy
    autograded without interruption with ``--jobs 1`` (``serial``), which took ``seconds``."""

    template: Course
    perfect: Path
    serial: Course
    seconds: float


_GRADED: list[GradedClass] = []


def graded_class() -> GradedClass:
    """The class, built and graded once per process: these tests and test_kill_rerun.py
    (one xdist group, tests/conftest.py) read it or work on copies of it."""
    if not _GRADED:
        base = Path(tempfile.mkdtemp(prefix="graded-class-"))
        atexit.register(shutil.rmtree, base, True)
        template, perfect = build_class(base / "class")
        serial = copy_course(template, base / "serial" / "course")
        start = time.perf_counter()
        results = autograde(serial, jobs=1)
        seconds = time.perf_counter() - start
        assert all(r.ok for r in results), [r.message for r in results]
        _GRADED.append(GradedClass(template, perfect, serial, seconds))
    return _GRADED[0]


@pytest.fixture(scope="module")
def template() -> tuple[Course, Path]:
    graded = graded_class()
    return graded.template, graded.perfect


@pytest.fixture(scope="module")
def serial() -> Course:
    return graded_class().serial


def test_jobs_1_gives_the_expected_scores(serial: Course) -> None:
    check_expected(gradebook_state(serial))
    for student in ("perfect", "stubs", "no_bias"):  # no_notebook: nothing for nbgrader to run
        assert (serial.root / "logs" / f"autograde-{student}.log").is_file()
    assert (serial.autograded("perfect") / f"{NOTEBOOK}.ipynb").is_file()
    assert not serial.autograded("no_notebook").joinpath(f"{NOTEBOOK}.ipynb").exists()
    assert not list((serial.root / "autograded" / "perfect").glob(".*"))  # no leftovers


def test_jobs_2_and_dask_give_the_same_gradebook(serial, template, tmp_path, monkeypatch) -> None:
    distributed = pytest.importorskip("distributed")
    pool = copy_course(template[0], tmp_path / "pool")
    lines: list[str] = []
    temporary = tmp_path / "tmp"  # the pool workers' (they read TMPDIR when they start)
    temporary.mkdir()
    with monkeypatch.context() as env:
        env.setenv("TMPDIR", str(temporary))
        results = autograde(pool, jobs=2, progress=lines.append)
    assert all(r.ok for r in results)
    # What the workers and their warm nbgrader servers staged went with them.
    assert sorted(p.name for p in temporary.iterdir()) == []
    expected = gradebook_state(serial)
    assert gradebook_state(pool) == expected
    # One progress line per submission, with its time.
    done = [ln for ln in lines if ln.startswith("[autograde ") and ln.endswith(" s)")]
    assert sorted(ln.split("] ")[1].split(":")[0] for ln in done) == sorted(EXPECTED)

    dask = copy_course(template[0], tmp_path / "dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        results = autograde(dask, dask_scheduler=cluster.scheduler_address,
                            progress=lambda _m: None)
    assert all(r.ok for r in results)
    assert gradebook_state(dask) == expected
    for course in (pool, dask):
        assert sorted(p.name for p in course.autograded("perfect").rglob("*")) == \
            sorted(p.name for p in serial.autograded("perfect").rglob("*"))


TWO = ["no_bias", "perfect"]  # the class of the worker-kill test (sorted)


def test_a_dask_worker_killed_mid_task_loses_nothing_and_stores_nothing_twice(
        serial, template, tmp_path) -> None:
    """SIGKILL a worker process while it grades: its task runs again elsewhere, stored once.

    Two students on two worker processes (one task each), so the kill always finds a
    task in progress; the killed task is retried by Dask on the other worker.
    """
    distributed = pytest.importorskip("distributed")
    course = copy_course(template[0], tmp_path / "killed")
    scratch = Path(tempfile.gettempdir())
    killed: list[str] = []
    lines: list[str] = []
    # Each worker process's Nanny writes Dask's pre-spawn environment into this process.
    with kept_environ(), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        pids = set(client.run(os.getpid).values())

        def kill_a_busy_worker() -> None:
            """The first worker seen with a scratch course (a task started, not finished)."""
            deadline = time.monotonic() + 120
            while not killed and time.monotonic() < deadline:
                for pid in pids:
                    busy = list(scratch.glob(f"{SCRATCH_PREFIX}{pid}-*"))
                    if busy:
                        killed.append(busy[0].name.split("-")[3])  # <prefix><pid>-<student>-
                        os.kill(pid, signal.SIGKILL)
                        break
                time.sleep(0.05)

        watcher = threading.Thread(target=kill_a_busy_worker)
        watcher.start()
        try:
            results = autograde(course, TWO, dask_scheduler=cluster.scheduler_address,
                                progress=lines.append)
        finally:
            watcher.join()
    assert killed, "no worker was caught in the middle of a task"
    assert all(r.ok for r in results) and sorted(r.student for r in results) == TWO
    # Exactly once: one stored result per student, the killed one's included, and the
    # gradebook rows equal to the serial run's.
    done = [ln.split("] ")[1].split(":")[0] for ln in lines
            if ln.startswith("[autograde ") and ln.endswith(" s)")]
    assert sorted(done) == TWO and killed[0] in done
    expected = {s: v for s, v in gradebook_state(serial).items() if s in TWO}
    assert gradebook_state(course) == expected


def test_rerun_is_idempotent_and_keeps_manual_scores(serial, template, tmp_path) -> None:
    course = copy_course(serial, tmp_path / "again")
    with open_gradebook(course) as gb:
        grade = gb.find_grade("fixture_question", NOTEBOOK, "training_nn", "perfect")
        grade.manual_score = 0.5
        gb.db.commit()
    before = gradebook_state(course)
    assert cli.main(["autograde", str(course.root), "--jobs", "2"]) == 0
    assert gradebook_state(course) == before
    assert before["perfect"]["cells"][(NOTEBOOK, "fixture_question", "grade")][1] == 0.5


def test_resubmission_replaces_only_its_own_scores(serial, template, tmp_path) -> None:
    course = copy_course(serial, tmp_path / "resubmit")
    before = gradebook_state(course)
    submit(course, "no_bias", template[1])  # the fixed, perfect work
    assert cli.main(["autograde", str(course.root), "--student", "no_bias"]) == 0
    after = gradebook_state(course)
    assert {s: v for s, v in after.items() if s != "no_bias"} == \
        {s: v for s, v in before.items() if s != "no_bias"}
    assert after["no_bias"]["cells"] == before["perfect"]["cells"]


def test_new_student_is_created_in_one_transaction(serial, template, tmp_path) -> None:
    course = copy_course(serial, tmp_path / "late")
    submit(course, "late_joiner", template[1])
    assert cli.main(["autograde", str(course.root), "--student", "late_joiner",
                     "--jobs", "2"]) == 0
    state = gradebook_state(course)
    assert state["late_joiner"]["cells"] == state["perfect"]["cells"]


def test_unreachable_dask_scheduler_is_one_line_error(serial, capsys) -> None:
    pytest.importorskip("distributed")
    code = cli.main(["autograde", str(serial.root), "--dask-scheduler", "tcp://127.0.0.1:9"])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("cs231n-course: error: cannot reach the Dask scheduler")


def test_scratch_of_a_dead_grading_process_is_removed() -> None:
    import subprocess
    import sys
    import tempfile

    from autograder.course.autograde import SCRATCH_PREFIX, drop_stale_scratch

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{dead}-someone-"))
    alive = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-someone-"))
    (stale / "gradebook.db").write_text("")
    try:
        drop_stale_scratch()
        assert not stale.exists() and alive.exists()
    finally:
        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(alive, ignore_errors=True)


def test_two_runs_clearing_the_same_stale_scratch_folder_both_succeed(tmp_path: Path) -> None:
    """A killed run leaves scratch folders; the next runs, side by side, may clear one together."""
    for trial in range(5):
        root = tmp_path / f"stale{trial}"
        for i in range(200):
            (root / f"d{i}" / "sub").mkdir(parents=True)
            for j in range(4):
                (root / f"d{i}" / "sub" / f"f{j}").write_text("x")
        errors: list[str] = []

        def clear(folder: Path = root, errors: list[str] = errors) -> None:
            try:
                _rmtree(folder)
            except Exception as exc:  # what the run would have died of
                errors.append(repr(exc))

        threads = [threading.Thread(target=clear) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and not root.exists()
