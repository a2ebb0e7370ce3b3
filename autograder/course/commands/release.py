"""``cs231n-course release``: build the student release (or a perfect submission).

nbgrader generate_assignment into COURSE_DIR/release, failing if any solution text reaches
it. With --with-solutions OUT_DIR, write instead a student-shaped folder holding the
reference solution.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import open_course, said
from autograder.course.layout import CourseError
from autograder.course.setup import release_course, write_solutions_folder


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR", nargs="?")
    p.add_argument("--with-solutions", metavar="OUT_DIR",
                   help="write the perfect submission (notebooks + solved cs231n_core) to OUT_DIR")
    p.add_argument("--assignments", metavar="DIR",
                   help="source notebooks for --with-solutions without COURSE_DIR "
                        "(default: the repository's assignments/training_nn)")


def run(args: argparse.Namespace) -> int:
    if args.with_solutions:
        source = args.assignments
        if args.course_dir:
            source = open_course(args.course_dir).source
        out = write_solutions_folder(args.with_solutions, source)
        print(f"perfect submission: {out}")
        return 0
    if not args.course_dir:
        raise CourseError("give COURSE_DIR (or --with-solutions OUT_DIR)")
    return said(f"release: {release_course(open_course(args.course_dir))}")
