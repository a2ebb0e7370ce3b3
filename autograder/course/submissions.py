"""Handing in: ``submit`` copies a folder into ``submitted/``; inspection and staging.

Before nbgrader sees a submission it is inspected (``inspect_submission``).
When something in it would stop nbgrader or leak through it, nbgrader and the
trusted grader work on a staged copy instead (the submitted files are never
changed): a course notebook that cannot be read (not UTF-8, not JSON, not a
notebook, a symbolic link) is left out and graded like a missing one;
symbolic links (nbgrader's copy would follow them), special files and names
that are not valid UTF-8 are left out, with a note in the student's log.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.layout import (
    ASSIGNMENT,
    SKIP,
    Course,
    CourseError,
)
from autograder.registry import NOTEBOOKS

SKIP_NAMES = frozenset({"__pycache__", ".ipynb_checkpoints"})


def submit(course: Course, student: str, folder: str | os.PathLike) -> Path:
    """Copy a student-shaped folder into ``submitted/<student>/training_nn`` (replacing it)."""
    check_student_id(student)
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseError(f"submission folder {folder} does not exist")
    dest = course.submitted(student)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(folder, dest, symlinks=True, ignore=SKIP)
    return dest


def check_student_id(student: str) -> None:
    """Refuse ids that are not one plain path component, or that carry markup to HTML pages."""
    if (not student or student.startswith(".") or any(c in student for c in "/\\*?[] \t\n<>&\"'`")
            or not student.isprintable()):
        raise CourseError(f"invalid student id {student!r} (use letters, digits, '-', '_')")


# --------------------------------------------------------------------------- staging


@dataclass
class Inspection:
    """What in a submission nbgrader must not see."""

    unreadable: dict[str, str] = field(default_factory=dict)  # notebook stem -> why, one line
    left_out: dict[str, str] = field(default_factory=dict)  # relative path (printable) -> why

    @property
    def clean(self) -> bool:
        return not self.unreadable and not self.left_out


def printable(name: str) -> str:
    """A file name as text, with bytes that are not UTF-8 shown as escapes."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _utf8_name(name: str) -> bool:
    try:
        os.fsencode(name).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def notebook_problem(path: Path) -> str | None:
    """Why nbgrader could not read the notebook at ``path`` (one line), or None."""
    import nbformat

    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link, not the notebook file itself"
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file"
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (f"it is not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start}; save it again from Jupyter)")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return (f"it is not valid JSON ({exc.msg}: line {exc.lineno} column {exc.colno}; "
                f"the file is damaged or cut off)")
    try:
        # Not validated: nbgrader copes with small schema slips (it only logs them).
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        return f"it is not a valid Jupyter notebook ({first})"
    return None


def inspect_submission(folder: Path) -> Inspection:
    """Find what in ``folder`` nbgrader cannot read or must not follow (reads, never writes)."""
    found = Inspection()

    def walk(directory: Path, rel: str) -> None:
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            name = f"{rel}{printable(entry.name)}"
            if entry.name in SKIP_NAMES:
                continue
            if not _utf8_name(entry.name):
                found.left_out[name] = "its name is not valid UTF-8"
            elif entry.is_symlink():
                found.left_out[name] = "it is a symbolic link (only regular files are graded)"
            elif entry.is_dir(follow_symlinks=False):
                walk(Path(entry.path), f"{name}/")
            elif not entry.is_file(follow_symlinks=False):
                found.left_out[name] = "it is not a regular file"

    walk(folder, "")
    for stem in NOTEBOOKS:
        path = folder / f"{stem}.ipynb"
        if path.is_symlink() or path.exists():
            problem = notebook_problem(path)
            if problem:
                found.unreadable[stem] = problem
                found.left_out.pop(path.name, None)  # said once, in the task feedback
    return found


def stage_submission(folder: Path, dest: Path, found: Inspection) -> None:
    """Copy ``folder`` to ``dest`` without what ``found`` leaves out (regular files only)."""
    dest.mkdir(parents=True)
    skipped = {f"{stem}.ipynb" for stem in found.unreadable}
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        rel = base.relative_to(folder)
        dirs[:] = [d for d in dirs if d not in SKIP_NAMES and _utf8_name(d)
                   and not (base / d).is_symlink() and not (rel == Path(".") and d in skipped)]
        for d in dirs:
            (dest / rel / d).mkdir()
        for name in files:
            path = base / name
            if (not _utf8_name(name) or (rel == Path(".") and name in skipped)
                    or not stat.S_ISREG(path.lstat().st_mode)):
                continue
            shutil.copy2(path, dest / rel / name, follow_symlinks=False)


@dataclass(frozen=True)
class StagedCourse(Course):
    """The course, with submissions read from a staged copy instead of ``submitted/``."""

    staged: Path = Path()

    def submitted(self, student: str) -> Path:
        return self.staged / student / ASSIGNMENT


