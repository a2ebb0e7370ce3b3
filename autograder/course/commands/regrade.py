"""``cs231n-course regrade``: grade chosen tasks again, keeping everything else.

The trusted grader grades only the --task (repeatable) of every submission, or of each
--student, and writes their scores and feedback through the gradebook, out of the points
the course released: manual grades, comments, overrides and the other tasks stay as they are.
"""

from __future__ import annotations

import argparse
import sys

from autograder.course.commands.common import (
    PROG,
    add_allow_unsandboxed,
    allow_unsandboxed,
    open_course,
)
from autograder.course.gradebook import format_table, gradebook_scores
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
    done = {r.student for r in results if r.ok}
    rows = [r for r in gradebook_scores(course) if r.student in done]
    if rows:
        print(format_table(rows))
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"{PROG}: regrade failed for {r.student}: {r.message}", file=sys.stderr)
    return 1 if failed else 0
