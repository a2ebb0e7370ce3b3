"""``cs231n-course extend``: give students extensions of the due date (nbgrader's gradebook).

One student (STUDENT with --days/--hours/--minutes; all zero removes the extension) or
many from a CSV (--csv FILE: a student_id column and any of weeks, days, hours, minutes).
An extension replaces the student's earlier one; penalties are recomputed at once.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from autograder.course.commands.common import open_course, said
from autograder.course.late import apply_penalties, grant_extension, read_extensions
from autograder.course.layout import CourseError
from autograder.course.submissions import check_student_id


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("student", nargs="?", metavar="STUDENT", help="the student's id")
    p.add_argument("--days", type=float, default=0.0)
    p.add_argument("--hours", type=float, default=0.0)
    p.add_argument("--minutes", type=float, default=0.0)
    p.add_argument("--csv", metavar="FILE", help="extensions of many students")


def run(args: argparse.Namespace) -> int:
    course = open_course(args.course_dir)
    if (args.student is None) == (args.csv is None):
        raise CourseError("give either one STUDENT or --csv FILE")
    if args.csv:
        extensions = read_extensions(args.csv)
    else:
        extensions = {args.student: timedelta(days=args.days, hours=args.hours,
                                              minutes=args.minutes)}
    for student in extensions:  # every id is checked before anything is written
        check_student_id(student)
    for student, extension in extensions.items():
        grant_extension(course, student, extension)
    late = apply_penalties(course)
    lines = [f"{student}: extension of {extension.total_seconds() / 3600:g} hour(s)"
             for student, extension in extensions.items()]
    return said("\n".join([*lines, f"({late} late submission(s) graded so far)"]))
