"""``cs231n-course report``: write the HTML class report after autograde.

One self-contained HTML page: pass rate per task, the distribution of total scores (inline
PNG plots) and a table per notebook, read from the gradebook.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said
from autograder.course.report import write_report


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--out", metavar="FILE",
                   help="HTML file to write (default COURSE_DIR/reports/class_report.html)")


def run(args: argparse.Namespace) -> int:
    path = write_report(open_course(args.course_dir), args.out)
    return said(f"class report: {path.resolve()}")
