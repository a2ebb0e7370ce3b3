"""``cs231n-course autograde``: autograde submissions into the gradebook.

nbgrader autograde of COURSE_DIR/submitted/<student>/training_nn, with every task scored by
the trusted grader.
"""

from __future__ import annotations

import argparse

from autograder.course.autograde import autograde
from autograder.course.commands.common import (
    add_allow_unsandboxed,
    allow_unsandboxed,
    open_course,
    positive_int,
    table_of,
)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--student", action="append", metavar="ID",
                   help="grade only this student (repeatable; default: every submission)")
    p.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="submissions graded at once in local worker processes (default 1)")
    p.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="grade on the Dask cluster at ADDRESS (e.g. tcp://host:8786; needs the "
                   "'dask' extra; workers must see COURSE_DIR at the same path)")
    p.add_argument("--execute", action="store_true",
                   help="also re-run the notebooks (fast mode) for fresh outputs in the feedback; "
                   "scores never depend on it; the kernels run in the bubblewrap sandbox when "
                   "it is available")
    add_allow_unsandboxed(p)


def run(args: argparse.Namespace) -> int:
    allow_unsandboxed(args)
    course = open_course(args.course_dir)
    results = autograde(course, args.student, jobs=args.jobs, execute=args.execute,
                        dask_scheduler=args.dask_scheduler)
    return table_of(course, results, "autograde")
