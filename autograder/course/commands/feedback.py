"""``cs231n-course feedback``: write feedback pages for autograded students.

nbgrader generate_feedback plus COURSE_DIR/feedback/<student>/training_nn/index.html with a
per-task table (no hidden test code).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograder.course.commands.common import open_course, said
from autograder.course.feedback import write_feedback
from autograder.course.layout import stderr_progress


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")


def run(args: argparse.Namespace) -> int:
    pages = write_feedback(open_course(args.course_dir), stderr_progress)
    return said(f"{len(pages)} feedback page(s) in {Path(args.course_dir).resolve() / 'feedback'}")
