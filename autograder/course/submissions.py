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
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.course.late import TIMESTAMP_FILE, due_date, write_timestamp, zip_time
from autograder.course.layout import (
    ASSIGNMENT,
    SKIP,
    Course,
    CourseError,
)
from autograder.course.limits import (
    DEFAULT_LIMITS,
    LimitError,
    Limits,
    copy_regular_file,
    course_limits,
    size_text,
)
from autograder.course.renamed import Recognition, recognise_submission
from autograder.course.unzip import check_zip, extract_zip
from autograder.registry import NOTEBOOKS

SKIP_NAMES = frozenset({"__pycache__", ".ipynb_checkpoints"})


def submit(course: Course, student: str, source: str | os.PathLike,
           limits: Limits | None = None, when: datetime | None = None) -> Path:
    """Hand in a folder or a zip as ``submitted/<student>/training_nn`` (replacing it).

    Nothing is copied before the whole submission was checked against the
    course's size limits (``lstat`` sizes of a folder, the central directory
    of a zip); a submission over a limit, or a zip with a member that is a
    link, a special file or a path out of the folder, is refused whole with
    a CourseError naming the student and the limit. Links of a folder are
    copied as links (never followed); autograde leaves them out.

    The submission time (``when``, UTC; for a zip by default its newest entry time)
    goes to nbgrader's ``timestamp.txt``; one inside the hand-in is never used. A
    folder without ``when`` is refused once the assignment has a due date.
    """
    check_student_id(student)
    limits = course_limits(course.config) if limits is None else limits
    source = Path(source)
    is_zip = source.is_file() and zipfile.is_zipfile(source)
    if when is None and not is_zip and source.is_dir() and due_date(course) is not None:
        raise CourseError(f"submission of {student}: the assignment has a due date, so give "
                          f"the time {source.name} was handed in (--time)")
    dest = course.submitted(student)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".handin-{ASSIGNMENT}-", dir=dest.parent))
    new = work / ASSIGNMENT
    try:
        if is_zip:
            with zipfile.ZipFile(source) as zf:
                extract_zip(zf, check_zip(zf, limits), new, limits)
                when = zip_time(zf) if when is None else when
        elif source.is_dir():
            copy_folder(source, new, limits)
        else:
            raise CourseError(f"submission {source} is neither a folder nor a zip file")
        (new / TIMESTAMP_FILE).unlink(missing_ok=True)  # the time is ours to record
        if when is not None:
            write_timestamp(new, when)
        if dest.exists():
            shutil.rmtree(dest)
        os.rename(new, dest)
    except (LimitError, zipfile.BadZipFile) as exc:
        raise CourseError(f"submission of {student} refused: {source.name}: {exc} "
                          f"(limits: {limits.describe()})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


def copy_folder(folder: Path, dest: Path, limits: Limits) -> None:
    """Copy a submission folder after checking it whole; links stay links, FIFOs are skipped."""
    found = inspect_submission(folder, limits)
    over = [f"'{name}': {why}" for name, why in [*found.left_out.items(),
                                                 *found.unreadable.items()] if "limit" in why]
    if over:
        raise LimitError(over[0] + (f" ({len(over)} files over a limit)" if len(over) > 1 else ""))
    left = [limits.max_total_bytes]

    def copy(src: str, dst: str) -> None:
        try:
            left[0] -= copy_regular_file(Path(src), Path(dst),
                                         min(limits.max_file_bytes, left[0]), f"'{src}'")
        except LimitError as exc:
            if "not a regular file" not in str(exc):
                raise

    shutil.copytree(folder, dest, symlinks=True, ignore=SKIP, copy_function=copy)


def check_student_id(student: str) -> None:
    """Refuse ids that are not one plain path component, or that carry markup to HTML pages."""
    if (not student or student.startswith(".") or any(c in student for c in "/\\*?[] \t\n<>&\"'`")
            or not student.isprintable()):
        raise CourseError(f"invalid student id {student!r} (use letters, digits, '-', '_')")


# --------------------------------------------------------------------------- staging


def chosen_submissions(course: Course, students: Iterable[str] | None) -> list[str]:
    """The students named (each checked, with a submission), else every submission."""
    names = list(dict.fromkeys(students)) if students is not None else course.students()
    for name in names:
        check_student_id(name)
        if not course.submitted(name).is_dir():
            raise CourseError(f"no submission for {name!r} in {course.root / 'submitted'}")
    if not names:
        raise CourseError(f"no submissions in {course.root / 'submitted'}")
    return names


@dataclass
class Inspection:
    """What in a submission nbgrader must not see, and the files it may."""

    unreadable: dict[str, str] = field(default_factory=dict)  # notebook stem -> why, one line
    left_out: dict[str, str] = field(default_factory=dict)  # relative path (printable) -> why
    files: list[str] = field(default_factory=list)  # relative paths of the files to stage
    total_bytes: int = 0  # of ``files``, from lstat
    # Renamed notebooks staged under their release name, and what to say about the notebooks.
    notebooks: Recognition = field(default_factory=Recognition)

    @property
    def clean(self) -> bool:
        return not self.unreadable and not self.left_out and not self.notebooks.renamed

    def staged_name(self, rel: str) -> str:
        """Where a file of ``files`` goes in the staged copy (a renamed notebook: its own name)."""
        for stem, handed_in in self.notebooks.renamed.items():
            if rel == handed_in:
                return f"{stem}.ipynb"
        return rel


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


def _priority(rel: str) -> tuple[int, str]:
    """Course notebooks first, then the package's modules, then the rest: kept in that order."""
    path = Path(rel)
    if len(path.parts) == 1 and path.suffix == ".ipynb" and path.stem in NOTEBOOKS:
        return 0, rel
    if len(path.parts) == 2 and path.parts[0] == "cs231n_core" and path.suffix == ".py":
        return 1, rel
    return 2, rel


def inspect_submission(folder: Path, limits: Limits = DEFAULT_LIMITS,
                       source: Path | None = None) -> Inspection:
    """Find what in ``folder`` nbgrader cannot read, must not follow, or is over ``limits``.

    Reads names and ``lstat`` sizes, and the course notebooks within the
    per-file limit; never writes. Looks at no more than ten times
    ``limits.max_files`` entries. With ``source`` (the assignment's source folder),
    notebooks handed in under another name are recognised by their cells and staged
    under their own (``autograder.course.renamed``).
    """
    found = Inspection()
    sizes: dict[str, int] = {}
    budget = [10 * limits.max_files]

    def walk(directory: Path, rel: str) -> None:
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            if budget[0] <= 0:
                found.left_out[f"{rel}..."] = (
                    f"the submission has more than {10 * limits.max_files} entries (ten times "
                    f"the limit of {limits.max_files} files); the rest was not looked at")
                return
            budget[0] -= 1
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
            else:
                sizes[name] = entry.stat(follow_symlinks=False).st_size

    walk(folder, "")
    over_count = 0
    for rel in sorted(sizes, key=_priority):
        size = sizes[rel]
        why = None
        if size > limits.max_file_bytes:
            why = (f"it is {size_text(size)}, over the limit of "
                   f"{size_text(limits.max_file_bytes)} per file")
        elif len(found.files) >= limits.max_files:
            over_count += 1
            continue
        elif found.total_bytes + size > limits.max_total_bytes:
            why = (f"the submission would go over the limit of "
                   f"{size_text(limits.max_total_bytes)} in all")
        if why:
            found.left_out[rel] = why
            continue
        found.files.append(rel)
        found.total_bytes += size
    if over_count:
        found.left_out[f"{over_count} more file(s)"] = (f"over the limit of {limits.max_files} "
                                                        f"files per submission")
    for stem in NOTEBOOKS:
        name = f"{stem}.ipynb"
        path = folder / name
        if name in found.left_out:
            found.unreadable[stem] = found.left_out.pop(name)  # said once, in the task feedback
        elif path.is_symlink() or path.exists():
            problem = notebook_problem(path)
            if problem:
                found.unreadable[stem] = problem
                found.left_out.pop(name, None)
        if stem in found.unreadable and name in found.files:
            found.files.remove(name)
    if source is not None:
        found.notebooks = recognise_submission(folder, found.files, source, found.unreadable)
        for stem in found.notebooks.renamed:
            found.unreadable.pop(stem, None)  # a readable copy is graded instead
    return found


def stage_submission(folder: Path, dest: Path, found: Inspection,
                     limits: Limits = DEFAULT_LIMITS) -> None:
    """Copy the files ``found`` keeps from ``folder`` to ``dest``, within ``limits``.

    Each file is copied as a regular file (never through a link, never a FIFO
    or device) and counted while it is copied: a file that grew past what
    ``lstat`` said is cut from the copy and noted in ``found.left_out``.
    """
    dest.mkdir(parents=True)
    left = limits.max_total_bytes
    for rel in list(found.files):
        target = dest / found.staged_name(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            left -= copy_regular_file(folder / rel, target, min(limits.max_file_bytes, left),
                                      f"'{rel}'")
        except (LimitError, OSError) as exc:
            found.files.remove(rel)
            target.unlink(missing_ok=True)
            found.left_out[rel] = f"it could not be staged ({exc})"
            stem = Path(rel).stem
            if rel == f"{stem}.ipynb" and stem in NOTEBOOKS:
                found.unreadable[stem] = found.left_out.pop(rel)


@dataclass(frozen=True)
class StagedCourse(Course):
    """The course, with submissions read from a staged copy instead of ``submitted/``."""

    staged: Path = Path()

    def submitted(self, student: str) -> Path:
        return self.staged / student / ASSIGNMENT


