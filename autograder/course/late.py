"""Late work: submission times, the due date, extensions and the late policy, all in nbgrader.

nbgrader holds every fact: the assignment's due date (``Assignment.duedate``), a
student's extension (``SubmittedAssignment.extension``, set with nbgrader's
``Gradebook.grant_extension``), the submission time (``SubmittedAssignment.timestamp``,
read by ``nbgrader autograde`` from the submission's ``timestamp.txt``) and the
penalty of each notebook (``SubmittedNotebook.late_submission_penalty``).

The policy is ``LatePolicy``, an nbgrader late-submission plugin configured in the
course's ``nbgrader_config.py`` (``c.LatePolicy.*``). nbgrader's ``AssignLatePenalties``
applies it to each notebook it autogrades; ``apply_penalties`` applies it again to every
notebook of a submission, those graded without nbgrader (not handed in) included, and
to scores given by hand since. Every command that reads the gradebook calls it first,
so the table, the CSV, the feedback and the report all show the same penalty.
"""

from __future__ import annotations

import csv
import math
import struct
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nbgrader.api import MissingEntry, SubmittedAssignment
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import AssignLatePenalties
from nbgrader.utils import parse_utc
from traitlets import Enum, Float
from traitlets.config.loader import PyFileConfigLoader

from autograder.course.layout import ASSIGNMENT, Course, CourseError, open_gradebook

TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's name, in submitted/<student>/<assignment>/
HOUR = 3600.0
DAY = 24 * HOUR
UNIX_TIME_EXTRA = 0x5455  # a zip entry's "extended timestamp" field: mtime in UTC


class LatePolicy(LateSubmissionPlugin):
    """nbgrader late-submission plugin with presets: zero, percent per hour or day, cap, cut-off.

    The penalty of a notebook is a share of its score: ``percent`` for every started
    hour (``per_hour``) or day (``per_day``) past the due date, at most ``max_percent``;
    past ``zero_after_days`` days it is the whole score. ``zero`` takes the whole score
    of any late submission, ``none`` nothing. Lateness within ``grace_minutes`` is forgiven.
    """

    penalty_method = Enum(
        ("none", "zero", "per_hour", "per_day"), default_value="none",
        help="none; zero (a late submission scores 0); per_hour / per_day (percent of the "
        "score for every started hour / day late)",
    ).tag(config=True)
    percent = Float(10.0, min=0.0, help="Percent of the score lost per started hour or day late.") \
        .tag(config=True)
    max_percent = Float(100.0, min=0.0, max=100.0,
                        help="The most a per_hour / per_day penalty takes, in percent.") \
        .tag(config=True)
    zero_after_days = Float(None, allow_none=True, min=0.0,
                            help="Later than this many days, the score is 0 "
                            "(per_hour / per_day).").tag(config=True)
    grace_minutes = Float(0.0, min=0.0, help="Lateness up to this many minutes is no lateness.") \
        .tag(config=True)

    def fraction(self, seconds_late: float) -> float:
        """The share of the score a submission ``seconds_late`` after its due date loses."""
        seconds = seconds_late if seconds_late > self.grace_minutes * 60 else 0.0
        if seconds <= 0 or self.penalty_method == "none":
            return 0.0
        if self.penalty_method == "zero":
            return 1.0
        if self.zero_after_days is not None and seconds > self.zero_after_days * DAY:
            return 1.0
        unit = HOUR if self.penalty_method == "per_hour" else DAY
        started = math.ceil(seconds / unit)
        return min(self.percent * started, self.max_percent) / 100.0

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float | None:
        """nbgrader's hook: the points taken from one notebook of ``score`` points."""
        share = self.fraction(total_seconds_late)
        return score * share if share > 0 else None


# --------------------------------------------------------------------------- times


def parse_time(text: str) -> datetime:
    """A date and time as nbgrader stores it (naive UTC); text without a zone is UTC."""
    try:
        value = parse_utc(text.strip())
    except (ValueError, OverflowError):
        raise CourseError(f"{text!r} is not a date and time (write e.g. 2026-12-01T17:00+01:00; "
                          f"without a zone it is UTC)") from None
    if value is None:
        raise CourseError("no date given")
    return value


def show_time(value: datetime | None) -> str:
    return "none" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def write_timestamp(folder: Path, when: datetime) -> None:
    """Record a submission's time where nbgrader reads it (``timestamp.txt``)."""
    (folder / TIMESTAMP_FILE).write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC\n")


def read_timestamp(folder: Path) -> datetime | None:
    path = folder / TIMESTAMP_FILE
    if not path.is_file():
        return None
    text = path.read_text(errors="replace").strip()
    return parse_time(text) if text else None


def entry_time(info: zipfile.ZipInfo) -> datetime:
    """The time of one zip entry in UTC (naive).

    The extended-timestamp field, when the zip has one, is UTC; otherwise the
    entry's DOS time carries no zone and is read in this machine's zone (``TZ``).
    """
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        body = extra[4:4 + size]
        if kind == UNIX_TIME_EXTRA and len(body) >= 5 and body[0] & 1:
            (seconds,) = struct.unpack("<i", body[1:5])
            return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None)
        extra = extra[4 + size:]
    local = datetime(*info.date_time).astimezone()
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def zip_time(zf: zipfile.ZipFile) -> datetime | None:
    """The newest entry time of a zip (when it was made), or None for an empty zip."""
    times = [entry_time(i) for i in zf.infolist() if not i.is_dir()]
    return max(times) if times else None


# --------------------------------------------------------------------------- due date, extensions


def due_date(course: Course) -> datetime | None:
    """The assignment's due date (None: none set, or no gradebook yet)."""
    if not course.gradebook.is_file():
        return None
    with open_gradebook(course) as gb:
        try:
            return gb.find_assignment(ASSIGNMENT).duedate
        except MissingEntry:
            raise CourseError("the gradebook has no assignment training_nn (run init)") from None


def set_due_date(course: Course, when: datetime | None) -> int:
    """Set (or, with None, clear) the assignment's due date in the gradebook.

    Clearing it removes the extensions too (nbgrader cannot extend no due date: its
    autograde fails on such a submission). Returns how many extensions were removed.
    """
    removed = 0
    with open_gradebook(course) as gb:
        try:
            assignment = gb.find_assignment(ASSIGNMENT)
        except MissingEntry:
            raise CourseError("the gradebook has no assignment training_nn (run init)") from None
        assignment.duedate = when
        if when is None:
            for sub in assignment.submissions:
                removed += sub.extension is not None
                sub.extension = None
        gb.db.commit()
    return removed


def seconds_late(sub: SubmittedAssignment) -> float:
    """How late a submission is, past its due date and extension (0 without a due date)."""
    if sub.timestamp is None or sub.assignment.duedate is None:
        return 0.0
    return float(sub.total_seconds_late)


def grant_extension(course: Course, student: str, extension: timedelta) -> None:
    """Give ``student`` an extension (replacing any earlier one; zero removes it).

    nbgrader keeps extensions on the submission, so a student who has not handed
    in yet gets an empty submission row, which autograde fills later.
    """
    if extension < timedelta(0):
        raise CourseError(f"the extension of {student} is negative")
    if extension and due_date(course) is None:
        raise CourseError("the assignment has no due date to extend: set it first "
                          "(cs231n-course due)")
    minutes = extension.total_seconds() / 60
    with open_gradebook(course) as gb:
        gb.update_or_create_student(student)
        try:
            gb.find_submission(ASSIGNMENT, student)
        except MissingEntry:
            gb.add_submission(ASSIGNMENT, student)
        gb.grant_extension(ASSIGNMENT, student, minutes=minutes)


EXTENSION_UNITS = {"weeks": 7 * DAY, "days": DAY, "hours": HOUR, "minutes": 60.0}


def read_extensions(path: str | Path) -> dict[str, timedelta]:
    """Extensions from a CSV: a ``student_id`` column and any of weeks, days, hours, minutes."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in reader.fieldnames or []]
            units = [c for c in columns if c in EXTENSION_UNITS]
            if "student_id" not in columns or not units:
                raise CourseError(f"{path}: needs a student_id column and one of "
                                  f"{', '.join(EXTENSION_UNITS)} (it has {', '.join(columns)})")
            out: dict[str, timedelta] = {}
            for line, row in enumerate(reader, start=2):
                row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                try:
                    seconds = sum(float(row[u] or 0) * EXTENSION_UNITS[u] for u in units)
                except ValueError:
                    raise CourseError(f"{path}, line {line}: not a number in "
                                      f"{', '.join(units)}") from None
                if not row["student_id"]:
                    raise CourseError(f"{path}, line {line}: no student_id")
                out[row["student_id"]] = timedelta(seconds=seconds)
            return out
    except OSError as exc:
        raise CourseError(f"cannot read {path}: {exc.strerror}") from None


# --------------------------------------------------------------------------- the policy


def course_policy(course: Course) -> LateSubmissionPlugin:
    """The late-submission plugin the course's ``nbgrader_config.py`` configures."""
    config = PyFileConfigLoader(course.config.name, path=str(course.root)).load_config()
    step = AssignLatePenalties(config=config)
    step.init_plugin()
    plugin = step.plugin_inst
    if not isinstance(plugin, LateSubmissionPlugin):
        raise CourseError(f"{course.config.name}: AssignLatePenalties.plugin_class is not a "
                          f"late-submission plugin")
    return plugin


def apply_penalties(course: Course, students: list[str] | None = None) -> int:
    """Write the policy's penalty into every notebook of every (or each named) submission.

    The penalty of a notebook is computed from its current score, hand-given points
    included, so a whole late submission loses the same share. Returns how many
    submissions are late.
    """
    plugin = course_policy(course)
    late = 0
    with open_gradebook(course) as gb:
        try:
            submissions = gb.assignment_submissions(ASSIGNMENT)
        except MissingEntry:
            return 0
        for sub in submissions:
            if students is not None and sub.student.id not in students:
                continue
            seconds = seconds_late(sub)
            late += seconds > 0
            for nb in sub.notebooks:
                penalty = None
                if seconds > 0:
                    score = float(nb.score)
                    penalty = plugin.late_submission_penalty(sub.student.id, score, seconds)
                    penalty = None if penalty is None else min(max(float(penalty), 0.0), score)
                if nb.late_submission_penalty != penalty:  # reads write nothing when unchanged
                    nb.late_submission_penalty = penalty
        gb.db.commit()
    return late
