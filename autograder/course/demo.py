"""``cs231n-course demo``: a whole course run on a small class, offline, in one command.

The class: the perfect submission (the reference), the untouched release
(every task still a stub), and students with realistic bugs, each the reference with
the student's own version of a function or two. All of them go through nbgrader autograde
with the trusted grader, get feedback pages, and end up in the gradebook table.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.course.autograde import autograde
from autograder.course.feedback import write_feedback
from autograder.course.gradebook import format_table, gradebook_scores
from autograder.course.layout import Course, CourseError, Progress, stderr_progress
from autograder.course.setup import init_course, write_solutions_folder
from autograder.course.submissions import submit
from autograder.mutation import Override, OverrideError, apply_override


@dataclass(frozen=True)
class BuggyStudent:
    student: str
    description: str
    bugs: tuple[Override, ...]


# Each bug is the student's own version of one function, appended to the solved module.
BUGGY_STUDENTS: tuple[BuggyStudent, ...] = (
    BuggyStudent(
        "bug_affine_bias_adam",
        "affine forward without the bias; Adam without bias correction",
        (
            Override("layers", """
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w
    cache = (x, w, b)
    return out, cache
"""),
            Override("optim", """
def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    m = config.get("m")
    if m is None:
        m = np.zeros_like(w)
    v = config.get("v")
    if v is None:
        v = np.zeros_like(w)
    t = int(config.get("t", 0))
    lr = float(config["learning_rate"])
    beta1 = float(config["beta1"])
    beta2 = float(config["beta2"])
    eps = float(config["epsilon"])
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw * dw)
    next_w = w - lr * m / (np.sqrt(v) + eps)
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
"""),
        ),
    ),
    BuggyStudent(
        "bug_batchnorm_variance",
        "batchnorm backward (graph) without the path through the variance",
        (
            Override("normalization", """
def batchnorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxc = dout * gamma * inv_std
    if cache["mode"] == "test":
        return dxc, dgamma, dbeta
    dmean = -dxc.sum(axis=0)
    dx = dxc + dmean / N
    return dx, dgamma, dbeta
"""),
        ),
    ),
    BuggyStudent(
        "bug_dropout_scaling",
        "dropout without the 1/p scaling; softmax loss summed instead of averaged",
        (
            Override("layers", """
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
    if not 0 < p <= 1:
        raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = None
    if mode == "train":
        mask = (rng.random(x.shape) < p).astype(x.dtype)
        out = x * mask
    else:
        out = x
    return out, (dict(dropout_param), mask)
"""),
            Override("layers", """
def softmax_loss(x, y):
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].sum()
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= N
    return float(loss), dx
"""),
        ),
    ),
)


def apply_bugs(folder: Path, bugs: tuple[Override, ...]) -> None:
    """Append each bug to its module of a student-shaped folder, in place."""
    for bug in bugs:
        path = folder / "cs231n_core" / f"{bug.module}.py"
        try:
            path.write_text(apply_override(path.read_text(), bug.source))
        except OverrideError as exc:
            raise CourseError(
                f"demo bug no longer fits cs231n_core/{bug.module}.py ({exc}); "
                "update autograder/course/demo.py"
            ) from exc


def build_class(course: Course, work: Path, progress: Progress) -> list[str]:
    """Write the demo class's folders under ``work`` and submit them; return the student ids."""
    perfect = write_solutions_folder(work / "perfect", course.source, progress=lambda _: None)
    students = {"perfect": perfect}
    stubs = work / "untouched_stubs"
    shutil.copytree(course.release, stubs)
    students["untouched_stubs"] = stubs
    for buggy in BUGGY_STUDENTS:
        folder = work / buggy.student
        shutil.copytree(perfect, folder)
        apply_bugs(folder, buggy.bugs)
        students[buggy.student] = folder
    for student, folder in students.items():
        submit(course, student, folder)
    progress(f"[demo] class of {len(students)}: perfect, untouched_stubs, "
             + ", ".join(f"{b.student} ({b.description})" for b in BUGGY_STUDENTS))
    return list(students)


def run_demo(
    directory: str | os.PathLike | None = None,
    assignment_dir: str | os.PathLike | None = None,
    jobs: int = 1,
    progress: Progress = stderr_progress,
) -> tuple[Path, str]:
    """Build, release, submit, autograde and give feedback; return (course dir, gradebook table)."""
    start = time.perf_counter()
    if directory is None:
        root = Path(tempfile.mkdtemp(prefix="cs231n-demo-"))
    else:
        root = Path(directory).resolve()
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise CourseError(f"{directory} is not empty; give a new folder for the demo")
        root.mkdir(parents=True, exist_ok=True)
    progress(f"[demo] working in {root}")
    course = init_course(root / "course", assignment_dir, progress=progress)
    students = build_class(course, root / "students", progress)
    results = autograde(course, students, jobs=jobs, progress=progress)
    failed = [r for r in results if not r.ok]
    if failed:
        raise CourseError(f"autograde failed for {failed[0].student}: {failed[0].message}")
    write_feedback(course, progress=lambda _: None)
    pages = course.root / "feedback" / "<student>" / "training_nn" / "index.html"
    progress(f"[demo] feedback pages: {pages}")
    table = format_table(gradebook_scores(course))
    progress(f"[demo] done in {time.perf_counter() - start:.0f} s")
    return course.root, table
