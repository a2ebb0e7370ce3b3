"""``cs231n-course feedback``: write feedback pages for autograded students.

Annotated notebooks (nbgrader's feedback converter, in-process) plus
COURSE_DIR/feedback/<student>/training_nn/index.html with a per-task table (no hidden test
code), the written answers and the grader's comments. Only students whose grades or
notebooks changed since their pages were written get new pages, unless --force.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograder.course.commands.common import open_course, positive_int, said
from autograder.course.feedback import write_feedback
from autograder.course.layout import stderr_progress


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--student", action="append", metavar="ID",
                   help="only this student (repeatable; default: every autograded student)")
    p.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="students rendered at once in local worker processes (default 1)")
    p.add_argument("--force", action="store_true",
                   help="rewrite every page, also those whose grades did not change")


def run(args: argparse.Namespace) -> int:
    pages = write_feedback(open_course(args.course_dir), stderr_progress, students=args.student,
                           jobs=args.jobs, force=args.force)
    return said(f"{len(pages)} feedback page(s) written in "
                f"{Path(args.course_dir).resolve() / 'feedback'}")
