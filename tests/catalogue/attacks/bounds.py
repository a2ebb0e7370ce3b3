"""Attacks on bounded time, bounded memory and clean kills.

The hostile behaviour comes from student code: the student's module runs inside
the grading worker, so it can find the worker's channel to the grader (the one
write-only pipe among its descriptors) and write whatever it likes there: half a
reply, a length and then nothing, a forged reply of any size or shape. The grader
must kill that worker at the task's deadline, refuse an oversized or ill-typed
reply before decoding it, and grade the other tasks normally. The class cases
drive ``cs231n-course autograde`` on the fixture course: a submission that exceeds
its time limit, and the coordinator killed (SIGKILL) or interrupted (SIGINT) while
its pool workers, nbgrader and grading workers run.

``python -m tests.catalogue.attacks.bounds rss SUBMISSION`` is the trusted process of
the memory case: it grades the forged replies and prints its peak RSS growth.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import nbformat

from autograder.course.autograde import autograde
from autograder.course.config import write_config
from autograder.course.gradebook import gradebook_scores
from autograder.course.layout import DEFAULT_TIMEOUT, Course
from autograder.course.limits import DEFAULT_LIMITS
from autograder.course.submissions import submit
from autograder.grading import grade_submission
from autograder.isolation.processes import kill_tree
from autograder.isolation.worker import MAX_MESSAGE_BYTES, MAX_MESSAGE_VALUES
from autograder.solutions import solved_module_text, write_solution_package
from tests.catalogue.attacks.case import Attack, Outcome
from tests.fixtures.course_notebook import NOTEBOOK, new_fixture_course
from tests.fixtures.processes import Watch, restart_peak_rss, start_autograde, vm_kib

AFFINE = "layers.affine_forward"
BYSTANDER = "layers.affine_backward"  # same module, next task: must keep full marks
TASK_TIMEOUT = 2.0
REPO = Path(__file__).resolve().parents[3]

# Finds the worker's channel to the grader and writes raw bytes to it.
CHANNEL = '''
import os as _os, stat as _stat, fcntl as _fcntl, struct as _struct, time as _time, json as _json


def _channel_fd():
    for fd in range(3, 64):
        try:
            st = _os.fstat(fd)
        except OSError:
            continue
        mode = _fcntl.fcntl(fd, _fcntl.F_GETFL) & _os.O_ACCMODE
        if _stat.S_ISFIFO(st.st_mode) and mode == _os.O_WRONLY:
            return fd
    raise RuntimeError("no channel")


def _send_raw(data):
    fd = _channel_fd()
    view = memoryview(data)
    while view:
        view = view[_os.write(fd, view):]


def _forge(value_tree):
    body = _json.dumps({"op": "result", "ok": True, "value": value_tree,
                        "args": {"t": "tuple", "items": []},
                        "kwargs": {"t": "dict", "items": []}}).encode()
    _send_raw(_struct.pack(">Q", len(body)) + body)
'''


def _hostile_affine(body: str) -> str:
    """The solved layers module whose affine_forward runs ``body`` instead."""
    return (solved_module_text("layers") + CHANNEL + "\n\ndef affine_forward(x, w, b):\n"
            + "".join(f"    {line}\n" for line in body.strip().splitlines()))


def _grade_hostile(work: Path, body: str, expect: str, seconds: float) -> Outcome:
    """Grade AFFINE (hostile) and BYSTANDER with a short task timeout; judge the result."""
    submission = work / "submission"
    write_solution_package(submission, {"layers": _hostile_affine(body)})
    start = time.monotonic()
    report = grade_submission(submission, [AFFINE, BYSTANDER], seed=3, timeout=TASK_TIMEOUT)
    took = time.monotonic() - start
    tasks = {t.id: t for t in report.tasks}
    hostile, honest = tasks[AFFINE], tasks[BYSTANDER]
    detail = (f"{AFFINE}: {hostile.points:g} ({hostile.feedback.splitlines()[-1][:120]}); "
              f"{BYSTANDER}: {honest.points:g}/{honest.max_points:g}; {took:.1f} s")
    return Outcome(
        gained=hostile.points > 0 or took > seconds,
        as_expected=honest.points == honest.max_points and expect in hostile.feedback,
        detail=detail,
        figure=f"{took:.1f} s",
    )


# ------------------------------------------------------------------ time


def stall_mid_reply(work: Path) -> Outcome:
    body = '_send_raw(_struct.pack(">Q", 10**6) + b\'{"op": "result", "ok"\')\n_time.sleep(600)'
    return _grade_hostile(work, body, "timed out", seconds=15)


def prefix_then_nothing(work: Path) -> Outcome:
    body = '_send_raw(_struct.pack(">Q", 1000))\n_time.sleep(600)'
    return _grade_hostile(work, body, "timed out", seconds=15)


def _fixture_class(work: Path, hostile: dict[str, str] | None = None,
                   cells: list[str] | None = None) -> tuple[Course, dict[str, str]]:
    """The fixture course with 'alice' (perfect) and 'mallory' (``hostile`` modules,
    ``cells`` inserted at the top of the notebook) submitted; returns (course, ids)."""
    course, perfect = new_fixture_course(work)
    mallory = work / "mallory"
    shutil.copytree(perfect, mallory)
    for module, text in (hostile or {}).items():
        (mallory / "cs231n_core" / f"{module}.py").write_text(text)
    path = mallory / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for i, source in enumerate(cells or []):
        nb.cells.insert(1 + i, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)
    submit(course, "mallory", mallory)
    submit(course, "alice", perfect)
    return course, {"alice": "alice", "mallory": "mallory"}


def _scores(course: Course) -> dict[str, dict[str, float | None]]:
    return {r.student: {c.label: c.score for c in r.cells} for r in gradebook_scores(course)}


# The fixture notebook's plain test cell makes autograde execute the notebooks, so
# alice's run includes a sandboxed kernel: (layers.affine_forward, hidden test) points.
HONEST = {AFFINE: 2.0, "fixture_hidden_test": 1.0}
LIMIT_SECONDS = 25


def class_time_limit(work: Path) -> Outcome:
    """A notebook cell that sleeps far past the submission's limit, in a class of two."""
    course, _ = _fixture_class(work, cells=["import time\ntime.sleep(3600)"])
    write_config(course, DEFAULT_TIMEOUT, replace(DEFAULT_LIMITS, max_seconds=LIMIT_SECONDS))
    lines: list[str] = []
    start = time.monotonic()
    results = {r.student: r for r in autograde(course, jobs=2, progress=lines.append)}
    took = time.monotonic() - start
    scores = _scores(course)
    log = (course.logs / "autograde-mallory.log").read_text(errors="replace")
    line = next((ln for ln in lines if "mallory" in ln and "TIME LIMIT" in ln), "")
    mallory = scores.get("mallory", {})
    alice = scores.get("alice", {})
    return Outcome(
        gained=bool(mallory.get(AFFINE)) or took > 2 * LIMIT_SECONDS + 30,
        as_expected=results["alice"].ok and all(alice.get(k) == v for k, v in HONEST.items())
        and "TIME LIMIT" in line and "TIME LIMIT" in log and mallory.get(AFFINE) == 0.0,
        detail=f"mallory: {line!r}; alice: {alice}; class in {took:.0f} s",
        figure=f"{took:.0f} s",
    )


# ------------------------------------------------------------------ memory


def _measure_rss(work: Path, bodies: dict[str, str]) -> tuple[dict[str, tuple[float, float]], str]:
    """Grade each forged reply in a fresh trusted process: name -> (RSS growth MiB, points)."""
    out = {}
    for name, body in bodies.items():
        submission = work / name
        write_solution_package(submission, {"layers": _hostile_affine(body)})
        proc = subprocess.run(
            [sys.executable, "-m", "tests.catalogue.attacks.bounds", "rss", str(submission)],
            capture_output=True, text=True, timeout=120, cwd=REPO,
        )
        if proc.returncode != 0:
            return out, f"{name}: {proc.stderr.strip()[-300:]}"
        growth, points = json.loads(proc.stdout.strip().splitlines()[-1])
        out[name] = (float(growth), float(points))
    return out, ""


# Forged replies just within the caps (largest string, most JSON values, largest
# arrays) and one far beyond them; then the worker sleeps so nothing else arrives.
LEN = MAX_MESSAGE_BYTES - 200
ROOM = MAX_MESSAGE_VALUES - 40
MEMORY_BODIES = {
    "string": f'_forge({{"t": "atom", "v": "A" * {LEN}}})\n_time.sleep(600)',
    "values": f'_forge({{"t": "list", "items": [{{"t": "atom", "v": None}}] * {ROOM // 6}}})\n'
              '_time.sleep(600)',
    "nested": f'_send_raw(_struct.pack(">Q", {LEN}) + b"[" * {LEN})\n_time.sleep(600)',
    "arrays": 'import base64 as _b\n'
              '_forge({"t": "list", "items": [{"t": "nd", "dtype": "<f8", "shape": [n],'
              ' "data": _b.b64encode(bytes(8 * n)).decode()} for n in (2**19, 3 * 2**16)]})\n'
              '_time.sleep(600)',
    "oversized": '_send_raw(_struct.pack(">Q", 2**30) + bytes(64 * 2**20))\n_time.sleep(600)',
}
MEMORY_TARGET_MIB = 100.0


def huge_replies(work: Path) -> Outcome:
    measured, error = _measure_rss(work, MEMORY_BODIES)
    if error:
        return Outcome(gained=False, as_expected=False, detail=error)
    worst = max(growth for growth, _ in measured.values())
    return Outcome(
        gained=worst >= MEMORY_TARGET_MIB or any(points for _, points in measured.values()),
        as_expected=len(measured) == len(MEMORY_BODIES),
        detail=", ".join(f"{k}: +{g:.1f} MiB" for k, (g, _) in measured.items()),
        figure=f"peak RSS growth {worst:.1f} MiB (target < {MEMORY_TARGET_MIB:.0f})",
    )


def object_dtype_array(work: Path) -> Outcome:
    body = ('_forge({"t": "nd", "dtype": "|O", "shape": [2], "data": "AAAAAAAAAAAAAAAAAAAAAA=="})'
            '\n_time.sleep(600)')
    return _grade_hostile(work, body, "not allowed", seconds=15)


def huge_shape_array(work: Path) -> Outcome:
    body = ('_forge({"t": "nd", "dtype": "<f8", "shape": [2**40, 2**40], "data": "AAAAAAAAAAA="})'
            '\n_time.sleep(600)')
    return _grade_hostile(work, body, "does not match", seconds=15)


def rss_main(submission: Path) -> None:
    """The trusted process of the memory case: peak RSS growth over one forged reply."""
    warm = submission.parent / f"{submission.name}-warm"
    write_solution_package(warm)
    grade_submission(warm, [AFFINE], seed=1, timeout=TASK_TIMEOUT)  # imports, first allocations
    before = restart_peak_rss()
    report = grade_submission(submission, [AFFINE], seed=1, timeout=TASK_TIMEOUT)
    growth = (vm_kib("VmHWM") - before) / 1024
    print(json.dumps([growth, report.tasks[0].points]))


# ------------------------------------------------------------------ kills

# Keeps a grading worker alive (not the notebook's kernel, where the import is quick).
SLOW_IN_WORKER = 'import sys as _sys, time as _t\nif _sys.argv[0].endswith("worker.py"):\n' \
                 '    _t.sleep(60)\n'


def _killed_run(work: Path, how: signal.Signals) -> Outcome:
    course, _ = _fixture_class(work, {"layers": SLOW_IN_WORKER + solved_module_text("layers")})
    temporary = work / "tmp"  # the run's TMPDIR: what an interrupted run leaves there
    temporary.mkdir()
    proc = start_autograde(course.root, "--jobs", "2", env={"TMPDIR": str(temporary)})
    watch = Watch(proc.pid)
    # Kill once a grading worker or a notebook kernel runs (whichever comes first).
    started = watch.wait_for(("worker.py", "ipykernel"), timeout=70)
    watch.record()
    if proc.poll() is None:
        proc.send_signal(how)
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    left = watch.survivors()
    kinds = sorted({cmd.split(" -m ")[-1][:40] if " -m " in cmd else cmd[:40]
                    for _, cmd in watch.seen.values()})
    files = sorted(p.name for p in temporary.iterdir())
    detail = (f"{len(watch.seen)} processes seen ({'; '.join(kinds)}), exit {code}, "
              f"left behind: {[cmd[:200] for cmd in left.values()][:3]}, "
              f"temporary files left: {files[:5]}")
    for pid in left:  # never leave them to the next case
        kill_tree(pid)
    # Ctrl-C ends the run with exit status 130 and removes its temporary files; SIGKILL
    # leaves the files of the folders in use (no process is left to remove them).
    return Outcome(gained=bool(left), as_expected=started and len(watch.seen) >= 4
                   and (how != signal.SIGINT or (code == 130 and not files)), detail=detail,
                   figure=f"{len(left)} left of {len(watch.seen)}")


def sigkill_coordinator(work: Path) -> Outcome:
    return _killed_run(work, signal.SIGKILL)


def sigint_coordinator(work: Path) -> Outcome:
    return _killed_run(work, signal.SIGINT)


ATTACKS = [
    Attack("stall-mid-reply", "time", "starts a reply to the grader, then stalls",
           stall_mid_reply, bound=60),
    Attack("prefix-then-nothing", "time", "sends a reply's length, then nothing",
           prefix_then_nothing, bound=60),
    Attack("class-time-limit", "time",
           "a notebook cell sleeps past the submission's time limit (class of two)",
           class_time_limit, bound=120),
    Attack("huge-replies", "memory",
           "forges replies at and beyond the size caps (string, values, arrays, 1 GiB)",
           huge_replies, bound=120),
    Attack("object-dtype-array", "memory", "forges an array reply of object dtype",
           object_dtype_array, bound=60),
    Attack("huge-shape-array", "memory", "forges an array reply of shape 2^40 x 2^40",
           huge_shape_array, bound=60),
    Attack("sigkill-coordinator", "kills",
           "autograde's coordinator is SIGKILLed while workers grade", sigkill_coordinator,
           bound=120),
    Attack("sigint-coordinator", "kills",
           "autograde's coordinator gets Ctrl-C (SIGINT) while workers grade",
           sigint_coordinator, bound=120),
]


if __name__ == "__main__":  # python -m tests.catalogue.attacks.bounds rss SUBMISSION
    if sys.argv[1:2] == ["rss"]:
        rss_main(Path(sys.argv[2]))
