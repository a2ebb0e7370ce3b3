"""Hostile submissions gain nothing, break nothing and finish in bounded time.

Every case of ``tests/catalogue/hostile.py`` is graded through the trusted grader
(as ``grade --json`` does), some also without the sandbox; a sample of them is
graded as one class by one nbgrader ``autograde`` run with an honest bystander
(``tests/catalogue/hostile_class.py``); and a notebook that attacks from its kernel
is executed by ``autograde --execute`` inside the sandbox.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.checks.tuning import HELD_OUT_SEED
from autograder.course.autograde import autograde
from autograder.course.gradebook import gradebook_scores
from autograder.course.submissions import submit
from autograder.grading import grade_submission
from autograder.isolation.kernel_sandbox import (
    KERNEL_DATA_CACHE,
    data_cache,
    font_cache,
    kernel_sandbox_command,
)
from autograder.isolation.processes import Lifeline
from autograder.isolation.sandbox import sandbox_available
from autograder.registry import TASKS
from autograder.solutions import reference_path, solved_module_text, write_solution_package
from cs231n_core.data_utils import _mnist1d_key
from tests.catalogue.hostile import HOSTILES, Hostile
from tests.catalogue.hostile_class import SAMPLE, class_problems, run_hostile_class
from tests.fixtures.course_notebook import NOTEBOOK as FIXTURE_NOTEBOOK
from tests.fixtures.course_notebook import new_fixture_course

LAYERS = [t.id for t in TASKS if t.module == "layers"]
BYSTANDER = "optim.adam"  # a task of another module: must be unaffected
TIMEOUT = 3.0
TIME_BOUND = 60.0


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _course(tmp_path: Path, hostile: Hostile) -> tuple[Path, Path]:
    course = tmp_path / "course"
    (course / "source" / "training_nn").mkdir(parents=True)
    (course / "source" / "training_nn" / "hidden.txt").write_text("hidden tests")
    (course / "gradebook.db").write_bytes(os.urandom(256))
    submission = course / "submitted" / "mallory" / "training_nn"
    other = course / "submitted" / "alice" / "training_nn"
    write_solution_package(other)
    paths = {
        "gradebook": str(course / "gradebook.db"),
        "course": str(course),
        "source": str(course / "source"),
        "reference": str(reference_path("layers")),
    }
    text = hostile.build(solved_module_text("layers"), paths)
    package = write_solution_package(submission, {"layers": text})
    for name, target in hostile.extra_files.items():
        (package / name).unlink(missing_ok=True)
        (package / name).symlink_to(paths.get(target, target))
    return course, submission


def _check(tmp_path: Path, hostile: Hostile) -> None:
    course, submission = _course(tmp_path, hostile)
    before = _snapshot(course)
    start = time.monotonic()
    report = grade_submission(submission, [*LAYERS, BYSTANDER], seed=7, timeout=TIMEOUT)
    elapsed = time.monotonic() - start
    scores = {t.id: (t.points, t.max_points, t.feedback) for t in report.tasks}
    assert elapsed < TIME_BOUND
    assert scores.pop(BYSTANDER)[0] == scores_max(BYSTANDER)
    for task_id, (points, max_points, feedback) in scores.items():
        if hostile.breaks_module or task_id in hostile.targets:
            assert points == 0, f"{task_id} earned {points}:\n{feedback}"
        elif not hostile.may_lose:
            assert points == max_points, f"{task_id} lost points:\n{feedback}"
        assert points <= max_points
    assert _snapshot(course) == before, "the course directory changed"
    # Another student graded afterwards is unaffected.
    alice = grade_submission(course / "submitted" / "alice" / "training_nn", LAYERS[:4], seed=8)
    assert alice.total == alice.max_total


def scores_max(task_id: str) -> float:
    return float(next(t.points for t in TASKS if t.id == task_id))


@pytest.mark.slow
@pytest.mark.parametrize("hostile", HOSTILES, ids=[h.name for h in HOSTILES])
def test_hostile_submission_gains_nothing(tmp_path: Path, hostile: Hostile) -> None:
    if hostile.isolated_only and not sandbox_available():
        pytest.skip("needs the bubblewrap sandbox")
    _check(tmp_path, hostile)


FALLBACK_SAFE = [h for h in HOSTILES if not h.isolated_only]
WRITES = [Path("/tmp/huge")]  # files the catalogue's submissions write outside their folder


@pytest.mark.slow
@pytest.mark.parametrize("hostile", FALLBACK_SAFE[::3], ids=[h.name for h in FALLBACK_SAFE[::3]])
def test_unisolated_fallback_still_grades_safely(
    tmp_path: Path, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CS231N_SANDBOX", "off")
    # Unisolated, a file the submission writes lands where it says (the huge-file case
    # writes /tmp/huge, up to the file-size limit): removed here if this test made it.
    made = [p for p in WRITES if not p.exists()]
    try:
        _check(tmp_path, hostile)
    finally:
        for path in made:
            path.unlink(missing_ok=True)


def test_fallback_says_loudly_it_is_not_isolated(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CS231N_SANDBOX", "off")
    write_solution_package(tmp_path)
    report = grade_submission(tmp_path, ["layers.affine_forward"], seed=1)
    assert not report.sandboxed
    assert any("WITHOUT isolation" in n for n in report.notices)


def test_sandbox_is_active_where_bubblewrap_is_installed(tmp_path: Path) -> None:
    if os.environ.get("CI") and not sandbox_available():
        pytest.fail("CI must grade inside the bubblewrap sandbox (install bubblewrap)")
    if not sandbox_available():
        pytest.skip("bubblewrap is not installed here")
    write_solution_package(tmp_path)
    report = grade_submission(tmp_path, ["layers.affine_forward"], seed=1)
    assert report.sandboxed and report.notices == []


# ------------------------------------------------------------------ one class through autograde

CLASS_BOUND = 120.0  # seconds per submission: a hang guard, far above any honest time


@pytest.mark.slow
def test_hostile_class_through_autograde(tmp_path: Path) -> None:
    """A sample of the catalogue as students of one autograde run, with an honest bystander."""
    cases = [h for h in HOSTILES
             if h.name in SAMPLE and (sandbox_available() or not h.isolated_only)]
    assert len(cases) == len(SAMPLE) or not sandbox_available()
    run = run_hostile_class(tmp_path, cases)
    problems = class_problems(run, CLASS_BOUND)
    named = {f"{s} ({run.cases[s].name})" if s in run.cases else s: p
             for s, p in problems.items() if p}
    assert not named, named


KERNEL_ATTACKS = '''\
import os, socket
tried = {{}}
for name, attempt in [
    ("import autograder", lambda: __import__("autograder")),
    ("read the gradebook", lambda: open({gradebook!r}, "rb").read(16)),
    ("list the course", lambda: os.listdir({course!r})),
    ("plant a file", lambda: open({course!r} + "/planted.txt", "w").write("x")),
    ("edit the scratch gradebook", lambda: open("../../../gradebook.db", "ab").write(b"x")),
    ("write the notebook folder", lambda: open("note.txt", "w").write("x")),
    ("open a socket", lambda: socket.create_connection(("127.0.0.1", 22), timeout=2)),
]:
    try:
        attempt()
        tried[name] = "DONE"
    except BaseException as exc:
        tried[name] = type(exc).__name__
print(tried)
'''


@pytest.mark.slow
def test_executed_notebooks_run_in_the_sandbox(tmp_path: Path) -> None:
    """Under autograde --execute the student's kernel sees only its notebook folder."""
    if not sandbox_available():
        pytest.skip("needs the bubblewrap sandbox")
    course, perfect = new_fixture_course(tmp_path)
    attacker = tmp_path / "attacker"
    shutil.copytree(perfect, attacker)
    path = attacker / f"{FIXTURE_NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = KERNEL_ATTACKS.format(gradebook=str(course.gradebook), course=str(course.root))
    nb.cells.insert(1, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, path)
    submit(course, "attacker", attacker)
    submit(course, "perfect", perfect)
    before = _snapshot(course.root / "source")
    results = autograde(course, execute=True, progress=lambda _m: None)
    assert all(r.ok for r in results), [r.message for r in results]

    out = nbformat.read(course.autograded("attacker") / f"{FIXTURE_NOTEBOOK}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for o in out.cells[1].outputs)
    tried = ast.literal_eval(text.strip())
    assert len(tried) == 7 and "DONE" not in tried.values(), tried
    assert not (course.root / "planted.txt").exists()
    assert _snapshot(course.root / "source") == before
    scores = {r.student: {c.label: c.score for c in r.cells} for r in gradebook_scores(course)}
    # The kernel still runs the notebook: the plain test cell passes for both.
    for student in ("attacker", "perfect"):
        assert scores[student]["fixture_hidden_test"] == 1.0, scores
        assert scores[student]["layers.affine_forward"] == 2.0, scores


def test_notebook_kernels_follow_the_sandbox_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograder.course.autograde_one import NO_ISOLATION_KERNEL, execution_args

    monkeypatch.setenv("CS231N_SANDBOX", "off")
    assert execution_args() == []  # the kernel runs unisolated, and autograde says so:
    assert "WITHOUT isolation" in NO_ISOLATION_KERNEL
    monkeypatch.delenv("CS231N_SANDBOX")
    if sandbox_available():
        assert any("SandboxedKernelManager" in a for a in execution_args())


def in_kernel_sandbox(tmp_path: Path, probe: str, arg: str,
                      env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the Python ``probe`` (with ``arg``) as a notebook kernel runs: in its sandbox,
    started from a process whose environment is ``env``."""
    tmp_path.chmod(0o755)  # the kernel's own uid must enter its notebook folder
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    life = Lifeline()
    cmd = kernel_sandbox_command([sys.executable, "-c", probe, arg], tmp_path, run_dir,
                                 env or {}, 200_001, life.reader)
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                              pass_fds=(life.reader,))
    finally:
        life.cut()


DATA_PROBE = """
import os, sys
folder = sys.argv[1]
print(",".join(sorted(os.listdir(folder))))
try:
    open(os.path.join(folder, "planted.npz"), "wb").close()
    print("written")
except OSError:
    print("read-only")
"""


def test_notebook_kernels_read_the_embedded_dataset_and_not_the_held_out_draw(
        tmp_path: Path) -> None:
    """The two MNIST-1D draws the notebooks use are shown read-only; the grader's third is not."""
    if not sandbox_available():
        pytest.skip("needs the bubblewrap sandbox")
    assert data_cache() is not None
    run = in_kernel_sandbox(tmp_path, DATA_PROBE, KERNEL_DATA_CACHE)
    shown, written = run.stdout.split()
    assert shown.split(",") == sorted(f"mnist1d-{_mnist1d_key(seed)}.npz" for seed in (42, 43))
    assert _mnist1d_key(HELD_OUT_SEED) not in shown
    assert written == "read-only"


FONT_PROBE = """
import os, sys
import matplotlib
import matplotlib.font_manager as fm
path = os.path.join(matplotlib.get_cachedir(), sys.argv[1])
print(os.path.isfile(path), os.access(path, os.W_OK), len(fm.fontManager.ttflist) > 0)
"""


def test_notebook_kernels_read_a_font_list_they_cannot_change(tmp_path: Path) -> None:
    """A kernel finds matplotlib's font list made once by the grader, read-only, not rebuilt."""
    if not sandbox_available():
        pytest.skip("needs the bubblewrap sandbox")
    fonts = font_cache()
    assert fonts is not None and fonts.name.startswith("fontlist-")
    run = in_kernel_sandbox(tmp_path, FONT_PROBE, fonts.name)
    assert run.stdout.split() == ["True", "False", "True"], run.stderr[-2000:]
    # Rebuilding the list runs fc-list, which cannot read its configuration in the sandbox.
    assert "Fontconfig" not in run.stderr, run.stderr[-2000:]


def test_notebook_kernels_keep_the_thread_counts_and_nothing_else_of_the_environment(
    tmp_path: Path,
) -> None:
    """A Dask worker's Nanny writes ``MALLOC_TRIM_THRESHOLD_`` and ``PYTHONHASHSEED`` into its
    own process (``distributed.nanny.pre-spawn-environ``). A kernel started there must not get
    the first: it fixes glibc's mmap threshold, so a training loop maps and unmaps every large
    array and spends most of its time in page faults (tests/process_state.py)."""
    if not sandbox_available():
        pytest.skip("needs the bubblewrap sandbox")
    env = {"MALLOC_TRIM_THRESHOLD_": "65536", "PYTHONHASHSEED": "6640",
           "OPENBLAS_NUM_THREADS": "1", "NBGRADER_EXECUTION": "autograde"}
    run = in_kernel_sandbox(tmp_path, "import os; print(*sorted(os.environ))", "", env)
    names = run.stdout.split()
    assert {"OPENBLAS_NUM_THREADS", "NBGRADER_EXECUTION"} <= set(names), run.stderr[-2000:]
    assert "MALLOC_TRIM_THRESHOLD_" not in names and "PYTHONHASHSEED" not in names
