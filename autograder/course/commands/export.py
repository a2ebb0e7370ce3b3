"""``cs231n-course export``: export the gradebook as CSV.

One row per student: score, maximum, manual-grading flag and every grade cell's score.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said
from autograder.course.gradebook import export_csv


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--csv", required=True, metavar="FILE", help="CSV file to write")


def run(args: argparse.Namespace) -> int:
    n = export_csv(open_course(args.course_dir), args.csv)
    return said(f"wrote {n} student row(s) to {args.csv}")
