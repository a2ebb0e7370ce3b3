"""``cs231n-course regrade``: grade chosen tasks again, keeping everything else.

The trusted grader grades only the --task (repeatable) of every submission, or of each
--student, and writes their scores and feedback through the gradebook, out of the points
the course released: manual grades, comments, overrides and the other tasks stay as they are.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import (
    add_allow_unsandboxed,
    allow_unsandboxed,
    open_course,
    table_of,
)
from autograder.course.regrade import regrade


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--task", action="append", required=True, metavar="ID",
                   help="the task to grade again, by its registry id (repeatable)")
    p.add_argument("--student", action="append", metavar="ID",
                   help="regrade only this student (repeatable; default: every submission)")
    add_allow_unsandboxed(p)


def run(args: argparse.Namespace) -> int:
    allow_unsandboxed(args)
    course = open_course(args.course_dir)
    results = regrade(course, args.task, args.student)
    return table_of(course, results, "regrade")
