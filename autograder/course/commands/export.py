"""``cs231n-course export``: export the gradebook as CSV, and as the learning platform imports it.

--csv: one row per student with score, maximum, manual-grading flag, late penalty and every
grade cell's score. --canvas / --moodle: the grade import CSV of Canvas / Moodle; --lti: LTI
1.3 score objects (JSON). Those three hold each student's total after the late penalty,
rounded to --decimals, under the column --column.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said
from autograder.course.gradebook import export_csv
from autograder.course.layout import ASSIGNMENT, CourseError
from autograder.course.lms import canvas_csv, lti_scores, moodle_csv


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--csv", metavar="FILE", help="every grade cell's score (CSV)")
    p.add_argument("--canvas", metavar="FILE", help="Canvas gradebook import (CSV)")
    p.add_argument("--moodle", metavar="FILE", help="Moodle grade import (CSV)")
    p.add_argument("--lti", metavar="FILE", help="LTI 1.3 AGS score objects (JSON)")
    p.add_argument("--column", default=ASSIGNMENT,
                   help=f"the grade column's name in the platform (default {ASSIGNMENT})")
    p.add_argument("--decimals", type=int, default=2, choices=range(0, 7), metavar="N",
                   help="round totals to N decimals (default 2)")


def run(args: argparse.Namespace) -> int:
    if not (args.csv or args.canvas or args.moodle or args.lti):
        raise CourseError("give at least one of --csv, --canvas, --moodle, --lti")
    course = open_course(args.course_dir)
    lines = []
    if args.csv:
        lines.append(f"wrote {export_csv(course, args.csv)} student row(s) to {args.csv}")
    if args.canvas:
        n = canvas_csv(course, args.canvas, args.column, args.decimals)
        lines.append(f"wrote {n} student row(s) to {args.canvas} (Canvas)")
    if args.moodle:
        n = moodle_csv(course, args.moodle, args.column, args.decimals)
        lines.append(f"wrote {n} student row(s) to {args.moodle} (Moodle)")
    if args.lti:
        lines.append(f"wrote {lti_scores(course, args.lti, args.decimals)} score(s) to "
                     f"{args.lti} (LTI 1.3)")
    return said("\n".join(lines))
