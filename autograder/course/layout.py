"""A course directory of the ``training_nn`` assignment: its paths, its errors, running nbgrader.

A course directory is a plain nbgrader course (``nbgrader_config.py``,
``gradebook.db``, ``source/``, ``release/``, ``submitted/``, ``autograded/``,
``feedback/``) whose config routes every registry grade cell through the
trusted grader (see ``nbgrader_plugin`` and ``config`` in this package).
nbgrader itself runs as a subprocess of the course's Python. Submissions and
autograde live in ``submissions``, ``autograde_one`` and ``autograde``; the gradebook
and CSV in ``gradebook``, the feedback pages in ``feedback``; the demo class in ``demo``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from autograder.isolation.processes import child_setup, kill_tree
from autograder.registry import STUB_MODULES

ASSIGNMENT = "training_nn"
ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "cs231n_core"
DEFAULT_ASSIGNMENT_DIR = ROOT / "assignments" / ASSIGNMENT
DEFAULT_TIMEOUT = 120
# The grader's part of the course config (``config``); nbgrader_config.py loads it.
GENERATED_CONFIG = "cs231n_grader_config.py"
# nbgrader's runs other than a submission's autograde (which has its own limit) take seconds.
NBGRADER_SECONDS = 1800
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")

Progress = Callable[[str], None]


class CourseError(Exception):
    """A problem the user can fix; its message is one line saying what to do."""


class NbgraderTimeout(CourseError):
    """nbgrader did not finish in time; it was killed with every process it started."""


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
    def generated_config(self) -> Path:
        return self.root / GENERATED_CONFIG

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


@contextlib.contextmanager
def open_gradebook(course: Course) -> Iterator[Gradebook]:
    """The course gradebook, without SQLAlchemy's warnings about nbgrader's session use."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        with Gradebook(course.db_url) as gb:
            yield gb


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
    course: Course,
    args: list[str],
    log_name: str,
    extra_env: dict[str, str] | None = None,
    timeout: float = NBGRADER_SECONDS,
) -> None:
    """Run ``nbgrader <args>`` in the course directory; its log goes to ``logs/<log_name>.log``.

    nbgrader runs in a session of its own and dies with this process. Past
    ``timeout`` seconds it is killed with every process below it (grading
    workers, notebook kernels) and NbgraderTimeout is raised. Raises CourseError
    with nbgrader's last error line when it fails.
    """
    course.logs.mkdir(exist_ok=True)
    log_path = course.logs / f"{log_name}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=course.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**nbgrader_env(), **(extra_env or {})},
            start_new_session=True,
            preexec_fn=child_setup(),
        )
        try:
            returncode = proc.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            kill_tree(proc.pid)
            proc.wait()
            raise NbgraderTimeout(f"nbgrader {args[0]} did not finish within {timeout:.0f} s "
                                  f"and was stopped (log: {log_path})") from None
        except BaseException:  # interrupted: nothing of this run may outlive it
            kill_tree(proc.pid)
            proc.wait()
            raise
    if returncode != 0:
        raise CourseError(f"nbgrader {args[0]} failed: {_last_error(log_path)} (log: {log_path})")


def _last_error(log_path: Path) -> str:
    lines = [ln.strip() for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "[ERROR]" in ln or "Error" in ln]
    return (errors or lines or ["no output"])[-1][:300]


def copy_student_package(dest: Path) -> None:
    """Copy the student package (generated stubs and provided modules) to ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(PACKAGE_DIR, dest, ignore=SKIP)


