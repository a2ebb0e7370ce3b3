"""The nbgrader course of the ``training_nn`` assignment: paths, init, release, perfect submission.

A course directory is a plain nbgrader course (``nbgrader_config.py``,
``gradebook.db``, ``source/``, ``release/``, ``submitted/``, ``autograded/``,
``feedback/``) whose config routes every registry grade cell through the
trusted grader (see ``autograder.nbgrader_plugin`` and ``course_config``).
nbgrader itself runs as a subprocess of the course's Python. Submissions and
autograde live in ``course_autograde``; the gradebook, CSV and feedback pages
in ``course_gradebook``; the demo class in ``course_demo``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from autograder import build_stubs
from autograder.course_notebooks import (
    NotebookError,
    course_notebook_paths,
    prepare_source_notebook,
    read_notebook,
    solved_notebook,
    write_notebook,
)
from autograder.registry import NOTEBOOKS, STUB_MODULES, Task
from autograder.solutions import write_solution_package

ASSIGNMENT = "training_nn"
ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "cs231n_core"
DEFAULT_ASSIGNMENT_DIR = ROOT / "assignments" / ASSIGNMENT
DEFAULT_TIMEOUT = 120
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")

Progress = Callable[[str], None]


class CourseError(Exception):
    """A problem the user can fix; its message is one line saying what to do."""


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def student_module_files() -> list[str]:
    """Files of the student's modules, relative to the assignment folder."""
    return [f"cs231n_core/{m}.py" for m in STUB_MODULES]


@dataclass(frozen=True)
class Course:
    """Paths of one nbgrader course directory."""

    root: Path

    @classmethod
    def open(cls, course_dir: str | os.PathLike) -> Course:
        root = Path(course_dir).resolve()
        if not (root / "nbgrader_config.py").is_file() or not (root / "gradebook.db").is_file():
            raise CourseError(
                f"{course_dir} is not a course directory (run `cs231n-course init {course_dir}`)"
            )
        return cls(root)

    @property
    def config(self) -> Path:
        return self.root / "nbgrader_config.py"

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    @property
    def source(self) -> Path:
        return self.root / "source" / ASSIGNMENT

    @property
    def release(self) -> Path:
        return self.root / "release" / ASSIGNMENT

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def submitted(self, student: str) -> Path:
        return self.root / "submitted" / student / ASSIGNMENT

    def autograded(self, student: str) -> Path:
        return self.root / "autograded" / student / ASSIGNMENT

    def feedback(self, student: str) -> Path:
        return self.root / "feedback" / student / ASSIGNMENT

    def students(self) -> list[str]:
        """Students with a submission in ``submitted/``, sorted."""
        base = self.root / "submitted"
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if (p / ASSIGNMENT).is_dir())


# --------------------------------------------------------------------------- nbgrader


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: this Python's scripts first on PATH.

    nbgrader runs the ``alembic`` executable by name when it creates a
    gradebook, which fails when the virtual environment is not activated.
    """
    env = dict(os.environ)
    scripts = str(Path(sys.executable).parent)
    if scripts not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    return env


def run_nbgrader(
    course: Course, args: list[str], log_name: str, extra_env: dict[str, str] | None = None
) -> None:
    """Run ``nbgrader <args>`` in the course directory; its log goes to ``logs/<log_name>.log``.

    Raises CourseError with nbgrader's last error line when it fails.
    """
    course.logs.mkdir(exist_ok=True)
    log_path = course.logs / f"{log_name}.log"
    with open(log_path, "w") as log:
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=course.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**nbgrader_env(), **(extra_env or {})},
        )
    if proc.returncode != 0:
        raise CourseError(f"nbgrader {args[0]} failed: {_last_error(log_path)} (log: {log_path})")


def _last_error(log_path: Path) -> str:
    lines = [ln.strip() for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "[ERROR]" in ln or "Error" in ln]
    return (errors or lines or ["no output"])[-1][:300]


# --------------------------------------------------------------------------- init


def check_stubs_fresh() -> None:
    """Refuse to build a course from stale stubs (they are what students receive)."""
    stale = []
    for module in STUB_MODULES:
        ref = build_stubs.reference_path(module)
        if not ref.exists():
            continue
        stub = build_stubs.stub_path(module)
        expected = build_stubs.make_stub(module, ref.read_text())
        if not stub.exists() or stub.read_text() != expected:
            stale.append(f"cs231n_core/{module}.py")
    if stale:
        raise CourseError(
            f"stale student stubs ({', '.join(stale)}): run `python -m autograder.build_stubs`"
        )


def copy_student_package(dest: Path) -> None:
    """Copy the student package (generated stubs and provided modules) to ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(PACKAGE_DIR, dest, ignore=SKIP)


def load_source_notebooks(assignment_dir: Path) -> dict[Path, tuple[NotebookNode, list[Task]]]:
    """Read and check the course notebooks of an assignment folder, with canonical grade cells.

    Returns {path: (notebook, registry tasks of that notebook without a grade cell)}.
    """
    if not assignment_dir.is_dir():
        raise CourseError(f"assignment folder {assignment_dir} does not exist")
    unknown = [p.name for p in assignment_dir.glob("*.ipynb") if p.stem not in NOTEBOOKS]
    if unknown:
        raise CourseError(
            f"{', '.join(unknown)} in {assignment_dir}: notebook names must be one of "
            f"{', '.join(n + '.ipynb' for n in NOTEBOOKS)}"
        )
    notebooks = {}
    for path in course_notebook_paths(assignment_dir):
        try:
            nb = read_notebook(path)
            notebooks[path] = (nb, prepare_source_notebook(nb, path.stem))
        except NotebookError as exc:
            raise CourseError(str(exc)) from None
    if not notebooks:
        raise CourseError(f"no course notebooks in {assignment_dir}")
    return notebooks


def build_source(course: Course, assignment_dir: Path, progress: Progress) -> None:
    """Fill ``source/training_nn`` from an assignment folder and the stub package."""
    notebooks = load_source_notebooks(assignment_dir)
    if course.source.exists():
        shutil.rmtree(course.source)
    shutil.copytree(assignment_dir, course.source, ignore=SKIP)
    copy_student_package(course.source / "cs231n_core")
    for path, (nb, ungraded) in notebooks.items():
        write_notebook(nb, course.source / path.name)
        if ungraded:
            progress(f"note: {path.name} has no grade cell for {len(ungraded)} of its registry "
                     f"task(s): {', '.join(t.id for t in ungraded)}")


def init_course(
    course_dir: str | os.PathLike,
    assignment_dir: str | os.PathLike | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    force: bool = False,
    progress: Progress = stderr_progress,
) -> Course:
    """Create a ready nbgrader course: config, source assignment, gradebook, checked release."""
    root = Path(course_dir).resolve()
    if root.exists() and not root.is_dir():
        raise CourseError(f"{course_dir} exists and is not a directory")
    if root.exists() and any(root.iterdir()) and not force:
        raise CourseError(
            f"{course_dir} is not empty (use --force to rebuild its source and config)"
        )
    if timeout <= 0:
        raise CourseError("--timeout must be a positive number of seconds")
    check_stubs_fresh()
    assignment_dir = Path(assignment_dir or DEFAULT_ASSIGNMENT_DIR)
    load_source_notebooks(assignment_dir)  # bad input fails before anything is written
    root.mkdir(parents=True, exist_ok=True)
    course = Course(root)
    progress(f"[init] writing {course.config.name} and source/{ASSIGNMENT}")
    from autograder.course_config import write_config

    write_config(course, timeout)
    build_source(course, assignment_dir, progress)
    progress("[init] registering the assignment in the gradebook (nbgrader generate_assignment)")
    release_course(course, progress)
    return course


# --------------------------------------------------------------------------- release


def release_course(course: Course, progress: Progress = stderr_progress) -> Path:
    """``nbgrader generate_assignment`` into ``release/``, then fail if any solution leaked."""
    from autograder.course_release import check_release

    run_nbgrader(course, ["generate_assignment", ASSIGNMENT, "--force"], "generate_assignment")
    problems = check_release(course.root / "release")
    if problems:
        raise CourseError(f"solution text reached release/: {problems[0]} "
                          f"({len(problems)} problem(s) in all)")
    progress(f"[release] {course.release} ({len(course_notebook_paths(course.release))} "
             f"notebook(s), checked: no solution text)")
    return course.release


def write_solutions_folder(
    out_dir: str | os.PathLike,
    notebooks_from: str | os.PathLike | None = None,
    progress: Progress = stderr_progress,
) -> Path:
    """A student-shaped folder holding the perfect submission.

    Notebooks: the source notebooks of ``notebooks_from`` (a course's source
    folder or an assignment folder; default the repository's) with their
    model solutions filled in. ``cs231n_core``: the provided modules plus, for
    every student module, its reference with the marker lines removed.
    """
    src = Path(notebooks_from or DEFAULT_ASSIGNMENT_DIR)
    out = Path(out_dir).resolve()
    if not src.is_dir():
        raise CourseError(f"assignment folder {src} does not exist")
    if out.exists() and any(out.iterdir()):
        raise CourseError(f"{out_dir} is not empty; choose a new folder")
    notebooks = load_source_notebooks(src)
    shutil.copytree(src, out, ignore=SKIP, dirs_exist_ok=True)
    for path, (nb, _) in notebooks.items():
        write_notebook(solved_notebook(nb), out / path.name)
    write_solution_package(out)
    progress(f"[release] perfect submission written to {out}")
    return out
