"""The learning platform: its "download all submissions" zip in, its grade files out.

In: ``import_submissions`` reads the zip Canvas or Moodle gives for an assignment's
submissions and hands in each student's files with ``submissions.submit``, with the
time the platform gave the upload (the entry's time in that zip). Students are found
in nbgrader's gradebook (its student table: id, names, email, ``lms_user_id``; import
a roster with ``cs231n-course roster import``) from what the entry's name says:

- Canvas: ``<lastfirst>_[LATE_]<user id>_<submission id>_<file name>``; the user id is
  matched with ``lms_user_id``, else the name with the last and first name. A file
  uploaded again comes back as ``name-1.ipynb``; the suffix is dropped.
- Moodle: ``<Full Name>_<participant id>_assignsubmission_file_/<file name>`` (one folder
  per student) or the same without the slash (flat); the participant id is matched with
  ``lms_user_id``, else the full name with first and last name.

A student's upload is either one zip (as ``cs231n-course collect`` or the students'
README make it) or loose files: notebooks go to the top, modules to ``cs231n_core/``.
Nothing is handed in before every entry was matched to a student.

Out: the class's totals (after the late penalty, rounded) in the shape each platform
imports: ``canvas_csv`` (Canvas's gradebook import), ``moodle_csv`` (Moodle's "Import
grades from CSV", matched by email or ID number), ``lti_scores`` (score objects of
LTI 1.3 Assignment and Grade Services, for a tool that posts them to the platform).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from autograder.course.gradebook import StudentScores, gradebook_scores
from autograder.course.late import entry_time, show_time
from autograder.course.layout import ASSIGNMENT, Course, CourseError, Progress
from autograder.course.limits import LimitError, copy_stream, course_limits
from autograder.course.roster import RosterEntry, class_roster
from autograder.course.submissions import submit
from autograder.registry import NOTEBOOKS, STUB_MODULES

CANVAS = re.compile(r"^(?P<name>[^_/]+)_(?P<late>LATE_)?(?P<uid>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>[^/]+?)_(?P<uid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?"
                    r"(?:/(?P<inner>.+)|(?P<flat>[^/]+))$")
RESUBMITTED = re.compile(r"^(?P<stem>.+)-\d+$")  # Canvas renames a file uploaded again


@dataclass
class Upload:
    """One student's files in the platform's zip."""

    lms_id: str
    name: str  # as the entry's name spells it
    late_flag: bool = False  # Canvas says LATE
    members: list[tuple[zipfile.ZipInfo, str]] = field(default_factory=list)  # (entry, file)
    student: str | None = None

    @property
    def time(self) -> datetime:
        return max(entry_time(info) for info, _ in self.members)


def _key(text: str) -> str:
    """A name reduced to lower-case letters and digits (Canvas writes "lastfirst")."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def read_uploads(zf: zipfile.ZipFile) -> tuple[str, list[Upload]]:
    """The platform ("canvas" or "moodle") and each student's files, from entry names."""
    uploads: dict[str, Upload] = {}
    platform = ""
    unknown = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = info.filename
        moodle, canvas = MOODLE.match(name), CANVAS.match(PurePosixPath(name).name)
        if moodle and moodle["plugin"] == "file":
            kind, match, file = "moodle", moodle, moodle["inner"] or moodle["flat"]
        elif moodle:
            continue  # online text and feedback areas of Moodle: no files to grade
        elif canvas and "/" not in name:
            kind, match, file = "canvas", canvas, canvas["file"]
        else:
            unknown.append(name)
            continue
        if platform and kind != platform:
            raise CourseError(f"the zip mixes Canvas and Moodle names ({name[:120]})")
        platform = kind
        upload = uploads.setdefault(match["uid"], Upload(match["uid"], match["name"]))
        upload.late_flag |= bool(match.groupdict().get("late"))
        upload.members.append((info, file))
    if unknown:
        raise CourseError(f"{len(unknown)} entr(ies) of the zip follow neither Canvas's nor "
                          f"Moodle's naming, e.g. {unknown[0][:120]!r}; is it the platform's "
                          f"'download all submissions' zip?")
    if not uploads:
        raise CourseError("the zip holds no submission files")
    return platform, sorted(uploads.values(), key=lambda u: u.lms_id)


def match_students(platform: str, uploads: list[Upload], people: list[RosterEntry]) -> list[str]:
    """Set each upload's student; returns one line per upload that matches no one (or many)."""
    by_lms = {p.lms_user_id: p for p in people if p.lms_user_id}
    problems = []
    for upload in uploads:
        person = by_lms.get(upload.lms_id)
        wanted = _key(upload.name)
        names = [p for p in people if wanted and wanted == (
            _key(p.last_name + p.first_name) if platform == "canvas" else _key(p.full_name))]
        if person is None and len(names) == 1:
            person = names[0]
        if person is None:
            why = ("several students of that name; give them lms_user_id in the roster"
                   if names else "no student with that lms_user_id or name in the gradebook")
            problems.append(f"{upload.name} ({platform} id {upload.lms_id}): {why}")
        upload.student = person.id if person else None
    return problems


def _place(file: str) -> PurePosixPath | None:
    """Where a loose file goes in the submission folder (None: not part of it)."""
    path = PurePosixPath(file)
    if ".." in path.parts or path.is_absolute():
        return None
    stem, suffix = path.stem, path.suffix
    resubmitted = RESUBMITTED.match(stem)
    if resubmitted and stem not in NOTEBOOKS and stem not in STUB_MODULES:
        stem = resubmitted["stem"]
    if suffix == ".ipynb":
        return PurePosixPath(f"{stem}.ipynb")
    if suffix == ".py" and (stem in STUB_MODULES or path.parent.name == "cs231n_core"):
        return PurePosixPath("cs231n_core", f"{stem}.py")
    return PurePosixPath(*path.parts[:-1], f"{stem}{suffix}") if len(path.parts) > 1 else None


def _unpack(zf: zipfile.ZipFile, upload: Upload, work: Path, max_bytes: int) -> Path:
    """One student's upload as a zip or folder under ``work``, ready for ``submit``."""
    if len(upload.members) == 1 and upload.members[0][1].lower().endswith(".zip"):
        info = upload.members[0][0]
        target = work / "upload.zip"
        with zf.open(info) as src, open(target, "xb") as out:
            copy_stream(src, out, min(info.file_size, max_bytes), f"{upload.name}'s zip")
        return target
    folder = work / ASSIGNMENT
    folder.mkdir()
    left = max_bytes
    for info, file in upload.members:
        place = _place(file)
        if place is None:
            continue
        target = folder.joinpath(*place.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            left -= copy_stream(src, out, min(info.file_size, left), f"{upload.name}: {file}")
    return folder


@dataclass(frozen=True)
class Imported:
    student: str
    lms_id: str
    time: datetime
    late_flag: bool


def import_submissions(course: Course, zip_path: str | os.PathLike,
                       progress: Progress) -> list[Imported]:
    """Hand in every submission of a Canvas or Moodle zip (see the module docstring)."""
    path = Path(zip_path)
    if not zipfile.is_zipfile(path):
        raise CourseError(f"{zip_path} is not a zip file")
    limits = course_limits(course.config)
    done = []
    with zipfile.ZipFile(path) as zf:
        platform, uploads = read_uploads(zf)
        problems = match_students(platform, uploads, class_roster(course))
        if problems:
            raise CourseError(f"nothing imported: {len(problems)} submission(s) match no "
                              f"student: {problems[0]} (import the roster first)")
        twice = [u.student for u in uploads if [v.student for v in uploads].count(u.student) > 1]
        if twice:
            raise CourseError(f"nothing imported: two uploads of student {twice[0]}")
        for upload in uploads:
            assert upload.student is not None
            work = Path(tempfile.mkdtemp(prefix=".lms-"))
            try:
                source = _unpack(zf, upload, work, limits.max_total_bytes)
                submit(course, upload.student, source, limits, when=upload.time)
            except LimitError as exc:
                raise CourseError(f"submission of {upload.student} refused: {exc}") from None
            finally:
                shutil.rmtree(work, ignore_errors=True)
            item = Imported(upload.student, upload.lms_id, upload.time, upload.late_flag)
            done.append(item)
            progress(f"[import] {item.student} ({platform} {item.lms_id}): handed in "
                     f"{show_time(item.time)}{' (LATE says the platform)' * item.late_flag}")
    return done


# --------------------------------------------------------------------------- grades out


def _rounded(value: float, decimals: int) -> str:
    return f"{round(value, decimals):.{decimals}f}" if decimals > 0 else f"{round(value):d}"


def _rows(course: Course) -> list[tuple[StudentScores, RosterEntry]]:
    people = {p.id: p for p in class_roster(course)}
    return [(row, people.get(row.student, RosterEntry(row.student)))
            for row in gradebook_scores(course)]


def _write_csv(path: str | os.PathLike, lines: list[list[str]]) -> None:
    target = Path(path)
    if not target.parent.is_dir():
        raise CourseError(f"folder {target.parent} does not exist")
    with open(target, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(lines)


def canvas_csv(course: Course, path: str | os.PathLike, column: str = ASSIGNMENT,
               decimals: int = 2) -> int:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, the column.

    ID is the student's ``lms_user_id`` (Canvas's user id), SIS User ID the course id,
    SIS Login ID the email. The second row gives the points possible, as Canvas's own
    export does. Returns the number of students.
    """
    rows = _rows(course)
    max_total = max((r.totals.max for r, _ in rows), default=0.0)
    lines = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
             ["Points Possible", "", "", "", "", _rounded(max_total, decimals)]]
    for row, person in rows:
        name = ", ".join(n for n in (person.last_name, person.first_name) if n) or person.id
        lines.append([name, person.lms_user_id, person.id, person.email, "",
                      _rounded(row.totals.score, decimals)])
    _write_csv(path, lines)
    return len(rows)


def moodle_csv(course: Course, path: str | os.PathLike, column: str = ASSIGNMENT,
               decimals: int = 2) -> int:
    """Moodle's "Import grades from CSV": names, ID number, email address, the grade column.

    In Moodle, map "Email address" (or "ID number") to the user and the grade column to
    the assignment. Returns the number of students.
    """
    lines = [["First name", "Last name", "ID number", "Email address", column]]
    rows = _rows(course)
    for row, person in rows:
        lines.append([person.first_name, person.last_name, person.id, person.email,
                      _rounded(row.totals.score, decimals)])
    _write_csv(path, lines)
    return len(rows)


def lti_scores(course: Course, path: str | os.PathLike, decimals: int = 2,
               now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> int:
    """A JSON array of LTI 1.3 AGS score objects, one per student (userId: lms_user_id).

    A submission whose written answers await grading is ``Submitted`` / ``PendingManual``
    (its score so far), else ``Completed`` / ``FullyGraded``. Returns the number of scores.
    """
    stamp = now().isoformat(timespec="seconds")
    scores = []
    for row, person in _rows(course):
        comment = f"{ASSIGNMENT}: {_rounded(row.totals.score, decimals)} / {row.totals.max:g}"
        if row.totals.penalty:
            comment += f", after a late penalty of {_rounded(row.totals.penalty, decimals)}"
        scores.append({
            "userId": person.lms_user_id or person.id,
            "scoreGiven": round(row.totals.score, decimals),
            "scoreMaximum": row.totals.max,
            "comment": comment,
            "timestamp": stamp,
            "activityProgress": "Submitted" if row.needs_manual_grade else "Completed",
            "gradingProgress": "PendingManual" if row.needs_manual_grade else "FullyGraded",
        })
    target = Path(path)
    if not target.parent.is_dir():
        raise CourseError(f"folder {target.parent} does not exist")
    target.write_text(json.dumps(scores, indent=1) + "\n")
    return len(scores)
