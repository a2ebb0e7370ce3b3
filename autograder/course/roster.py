"""The class roster: students' ids, names, emails and LMS ids, kept in nbgrader's gradebook.

``import_roster`` reads a CSV with a header row. The columns (in any order; other
columns are ignored):

- ``id`` (also ``student_id``): the student's id, as used by ``submit`` (required);
- ``first_name``, ``last_name``, ``email``, ``lms_user_id`` (optional).

Every row is checked before the gradebook is touched: a file with an error changes
nothing. Students already in the gradebook are updated; an empty cell leaves the
stored value as it was, so a roster of ids and emails keeps the names imported earlier.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from autograder.course.gradebook import display_name, open_gradebook
from autograder.course.layout import Course, CourseError
from autograder.course.submissions import check_student_id

FIELDS = ("first_name", "last_name", "email", "lms_user_id")
# Header spellings accepted for each column (compared lower-cased, spaces as "_").
ALIASES = {
    "id": "id", "student_id": "id", "student": "id",
    "first_name": "first_name", "first": "first_name", "given_name": "first_name",
    "last_name": "last_name", "last": "last_name", "family_name": "last_name",
    "surname": "last_name",
    "email": "email", "e-mail": "email", "email_address": "email",
    "lms_user_id": "lms_user_id", "lms_id": "lms_user_id", "sis_user_id": "lms_user_id",
}
MAX_FIELD = 128  # the width of nbgrader's Student columns


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster; empty strings are values the file did not give."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""

    def values(self) -> dict[str, str]:
        """The fields the file gave (non-empty), to store."""
        return {name: getattr(self, name) for name in FIELDS if getattr(self, name)}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def read_roster(path: str | os.PathLike) -> list[RosterEntry]:
    """The roster CSV's rows, checked: an error names the file's line and what to fix."""
    source = Path(path)
    if not source.is_file():
        raise CourseError(f"roster file {path} does not exist")
    try:
        text = source.read_text(encoding="utf-8-sig")  # spreadsheets often write a BOM
    except UnicodeDecodeError:
        raise CourseError(f"roster file {path} is not UTF-8 text (save it as CSV UTF-8)") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise CourseError(f"roster file {path} is empty (expected a header row: "
                          "id,first_name,last_name,email)")
    columns = {i: ALIASES[key] for i, name in enumerate(header)
               if (key := name.strip().lower().replace(" ", "_")) in ALIASES}
    if "id" not in columns.values():
        raise CourseError(f"roster file {path} has no 'id' column (header: {', '.join(header)})")
    entries: dict[str, RosterEntry] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {field: row[i].strip() for i, field in columns.items() if i < len(row)}
        student = values.pop("id", "")
        where = f"roster file {path}, line {line}"
        try:
            check_student_id(student)
        except CourseError as exc:
            raise CourseError(f"{where}: {exc}") from None
        if student in entries:
            raise CourseError(f"{where}: student {student!r} is listed twice")
        too_long = [k for k, v in values.items() if len(v) > MAX_FIELD]
        if too_long:
            raise CourseError(f"{where}: {too_long[0]} is longer than {MAX_FIELD} characters")
        entries[student] = RosterEntry(student, **values)
    if not entries:
        raise CourseError(f"roster file {path} lists no student")
    return list(entries.values())


def import_roster(course: Course, csv_path: str | os.PathLike) -> list[RosterEntry]:
    """Add or update every student of the roster CSV in the course gradebook; return them."""
    entries = read_roster(csv_path)
    with open_gradebook(course) as gb:
        for entry in entries:
            gb.update_or_create_student(entry.id, **entry.values())
    return entries


def class_roster(course: Course) -> list[RosterEntry]:
    """The students of nbgrader's gradebook, sorted by id."""
    with open_gradebook(course) as gb:
        return [RosterEntry(s.id, s.first_name or "", s.last_name or "", s.email or "",
                            s.lms_user_id or "") for s in sorted(gb.students, key=lambda s: s.id)]


def student_names(course: Course) -> dict[str, str]:
    """The display name of every student in the gradebook (the id where no name is known)."""
    with open_gradebook(course) as gb:
        return {s.id: display_name(s.id, s.first_name, s.last_name) for s in gb.students}
