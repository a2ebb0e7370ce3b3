"""``cs231n-course submit``: hand in one student's folder or zip as submitted/<student>/training_nn.

The submission is checked against the course's size limits (nbgrader_config.py,
SubmissionLimits) before anything is copied; a zip is checked from its central directory
(no member may be a link, a special file or a path out of the folder) and its bytes are
counted while it is extracted. A submission over a limit is refused whole.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said
from autograder.course.submissions import submit


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("student", metavar="STUDENT", help="the student's id")
    p.add_argument("source", metavar="FOLDER_OR_ZIP",
                   help="the student's folder, or the zip `cs231n-course collect` wrote")


def run(args: argparse.Namespace) -> int:
    dest = submit(open_course(args.course_dir), args.student, args.source)
    return said(f"submission of {args.student}: {dest}")
