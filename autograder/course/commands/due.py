"""``cs231n-course due``: show or set the assignment's due date (nbgrader's gradebook).

With DATE, set the due date of training_nn (UTC unless the date names a zone, e.g.
2026-12-01T17:00+01:00); with --clear, remove it and the extensions; with neither, show it. Late
penalties follow c.LatePolicy in the course's nbgrader_config.py.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said, time_arg
from autograder.course.late import apply_penalties, due_date, set_due_date, show_time


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("date", nargs="?", type=time_arg, metavar="DATE",
                   help="the due date, e.g. 2026-12-01T17:00+01:00 (UTC without a zone)")
    p.add_argument("--clear", action="store_true", help="remove the due date")


def run(args: argparse.Namespace) -> int:
    course = open_course(args.course_dir)
    if args.clear or args.date is not None:
        removed = set_due_date(course, None if args.clear else args.date)
        late = apply_penalties(course)
        gone = f"; {removed} extension(s) removed with it" if removed else ""
        return said(f"due date: {show_time(due_date(course))} ({late} late submission(s) "
                    f"graded so far{gone})")
    return said(f"due date: {show_time(due_date(course))}")
