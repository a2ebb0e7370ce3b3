"""``cs231n-course submit``: hand in one student's folder or zip as submitted/<student>/training_nn.

The submission is checked against the course's size limits (nbgrader_config.py,
SubmissionLimits) before anything is copied; a zip is checked from its central directory
(no member may be a link, a special file or a path out of the folder) and its bytes are
counted while it is extracted. A submission over a limit is refused whole. The hand-in
time (--time, else a zip's newest entry time) is recorded for the late policy.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said, time_arg
from autograder.course.late import read_timestamp, show_time
from autograder.course.submissions import submit


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("student", metavar="STUDENT", help="the student's id")
    p.add_argument("source", metavar="FOLDER_OR_ZIP",
                   help="the student's folder, or the zip `cs231n-course collect` wrote")


    p.add_argument("--time", type=time_arg, metavar="WHEN",
                   help="when it was handed in, e.g. 2026-12-01T17:05+01:00 (UTC without a "
                   "zone); default for a zip: its newest entry time")


def run(args: argparse.Namespace) -> int:
    dest = submit(open_course(args.course_dir), args.student, args.source, when=args.time)
    return said(f"submission of {args.student}: {dest} "
                f"(handed in: {show_time(read_timestamp(dest))})")
