"""``cs231n-course collect``: one zip of a finished submission, ready for an LMS upload.

The zip holds the course notebooks and the ``cs231n_core/`` package of a
student folder (the released ``training_nn`` folder after the student worked
in it), under a top-level ``training_nn/`` folder. Before writing anything it
refuses, with one line saying what to do, when

- a required file is missing: a notebook of the release, or a module of
  ``cs231n_core`` (the student's modules and the provided ones);
- a notebook was not run top to bottom in one kernel session: the code cells'
  execution counts must read 1, 2, ..., n in order (empty cells aside);
- a cell's stored output is an error;
- a notebook is not valid JSON, or a collected path is a symbolic link;
- a collected path is not a regular file (a FIFO or device), or the files go
  over the size limits of ``autograder.course.limits`` (checked from ``lstat``
  before any file is read).
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
from pathlib import Path

from autograder.course.layout import (
    ASSIGNMENT,
    DEFAULT_ASSIGNMENT_DIR,
    PACKAGE_DIR,
    CourseError,
    Progress,
    stderr_progress,
)
from autograder.course.limits import DEFAULT_LIMITS, Limits, size_text
from autograder.grade_cells import course_notebook_paths
from autograder.registry import NOTEBOOKS
from cs231n_core.check.handin import handin_files, notebook_problem


def required_notebooks() -> list[str]:
    """File names of the notebooks every submission must hold: those of the release."""
    paths = course_notebook_paths(DEFAULT_ASSIGNMENT_DIR) if DEFAULT_ASSIGNMENT_DIR.is_dir() else []
    return [p.name for p in paths] or [f"{stem}.ipynb" for stem in NOTEBOOKS]


def required_package_files() -> list[str]:
    """The ``cs231n_core`` files of the release (student stubs and provided modules)."""
    return sorted(f"cs231n_core/{p.name}" for p in PACKAGE_DIR.glob("*.py"))


def check_submission(
    folder: Path,
    notebooks: list[str] | None = None,
    package_files: list[str] | None = None,
) -> list[str]:
    """Every problem that stops ``folder`` from being collected (empty when it is ready)."""
    notebooks = required_notebooks() if notebooks is None else notebooks
    package_files = required_package_files() if package_files is None else package_files
    problems = []
    if not (folder / "cs231n_core").is_dir():
        problems.append(f"{folder.name}/cs231n_core/ is missing: collect the folder you "
                        f"received in the release, with your edited cs231n_core/ inside")
    for rel in [*notebooks, *package_files]:
        path = folder / rel
        if path.is_symlink():
            problems.append(f"{rel} is a symbolic link: replace it with the real file")
        elif not path.is_file():
            problems.append(f"{rel} is missing: put the released file back (and redo your "
                            f"work in it if you deleted it)")
    for path in sorted(folder.glob("*.ipynb")):
        if path.stem in NOTEBOOKS and path.is_file() and not path.is_symlink():
            problem = notebook_problem(path)
            if problem:
                problems.append(problem)
    return problems


def size_problem(folder: Path, files: list[Path], limits: Limits) -> str | None:
    """Why the collected ``files`` cannot go into the zip as they are (from ``lstat``), or None."""
    if len(files) > limits.max_files:
        return (f"{len(files)} files to collect, over the limit of {limits.max_files}: remove "
                f"what is not your work from cs231n_core/")
    total = 0
    for path in files:
        rel = path.relative_to(folder)
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode):
            return f"{rel} is not a regular file (a FIFO, socket or device): remove it"
        if st.st_size > limits.max_file_bytes:
            return (f"{rel} is {size_text(st.st_size)}, over the limit of "
                    f"{size_text(limits.max_file_bytes)} per file: clear large outputs or "
                    f"remove the file")
        total += st.st_size
    if total > limits.max_total_bytes:
        return (f"the files to collect hold {size_text(total)}, over the limit of "
                f"{size_text(limits.max_total_bytes)}: clear large outputs or remove files")
    return None


def _collected(folder: Path) -> list[Path]:
    """Files that go into the zip: the course notebooks and the package (no caches)."""
    files = [p for p in handin_files(folder) if p.suffix != ".ipynb" or p.stem in NOTEBOOKS]
    links = [p for p in files if p.is_symlink()]
    if links:
        raise CourseError(f"{links[0].relative_to(folder)} is a symbolic link: replace it with "
                          f"the real file")
    return files


def collect(
    submission_dir: str | os.PathLike,
    out: str | os.PathLike,
    progress: Progress = stderr_progress,
    notebooks: list[str] | None = None,
    package_files: list[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Path:
    """Check a student folder and zip its notebooks and ``cs231n_core/`` into ``out``.

    Raises CourseError (one line: the first problem, and how many there are)
    without writing anything when the folder is not ready to hand in.
    """
    folder = Path(submission_dir)
    out_path = Path(out)
    if not folder.is_dir():
        raise CourseError(f"submission folder {submission_dir} does not exist")
    if out_path.suffix.lower() != ".zip":
        raise CourseError(f"--out {out} must name a .zip file")
    if out_path.is_dir():
        raise CourseError(f"--out {out} is a folder; give a file name such as submission.zip")
    progress(f"[collect] checking {folder.resolve()}")
    files = _collected(folder)
    too_big = size_problem(folder, files, limits)
    if too_big:
        raise CourseError(f"not collected: {too_big}")
    problems = check_submission(folder, notebooks, package_files)
    if problems:
        more = f" ({len(problems)} problems in all)" if len(problems) > 1 else ""
        raise CourseError(f"not collected: {problems[0]}{more}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a failed run never leaves half a zip.
    fd, tmp = tempfile.mkstemp(suffix=".zip.tmp", dir=out_path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                if path.resolve() == out_path.resolve():
                    continue
                zf.write(path, f"{ASSIGNMENT}/{path.relative_to(folder).as_posix()}")
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    progress(f"[collect] {len(files)} file(s) checked and zipped")
    return out_path
