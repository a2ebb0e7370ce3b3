"""``cs231n-course import-lms``: hand in every submission of a Canvas or Moodle zip.

The platform's "download all submissions" zip: each student's files are found by the
platform's file names, matched to a student of the gradebook by LMS user id (the
roster's lms_user_id) or name, and handed in as by `submit`, with the time the platform
gave the upload. Nothing is handed in while an entry matches no student.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said
from autograder.course.layout import stderr_progress
from autograder.course.lms import import_submissions

NAME = "import-lms"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("zip", metavar="ZIP", help="the platform's 'download all submissions' zip")


def run(args: argparse.Namespace) -> int:
    done = import_submissions(open_course(args.course_dir), args.zip, stderr_progress)
    return said(f"{len(done)} submission(s) handed in from {args.zip}")
