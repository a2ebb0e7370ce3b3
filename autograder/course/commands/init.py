"""``cs231n-course init``: create a ready nbgrader course directory.

Create an nbgrader course directory: config with the trusted grader, source/training_nn
(notebooks + stub cs231n_core), gradebook, checked release.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import positive_int, said
from autograder.course.layout import DEFAULT_TIMEOUT
from autograder.course.setup import init_course


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--assignments", metavar="DIR",
                   help="folder with the source notebooks (default: the repository's "
                        "assignments/training_nn)")
    p.add_argument("--timeout", type=positive_int, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time limit per notebook cell under autograde (default {DEFAULT_TIMEOUT})")
    p.add_argument("--force", action="store_true",
                   help="rebuild config and source in an existing course (keeps gradebook and "
                        "submissions)")


def run(args: argparse.Namespace) -> int:
    course = init_course(
        args.course_dir, args.assignments, timeout=args.timeout, force=args.force
    )
    return said(f"course ready: {course.root}")
