"""``cs231n-course demo``: run a whole course on a small class.

Build a course in a fresh folder, release it, submit a small class (perfect, untouched
stubs, buggy students), autograde it through nbgrader, write feedback and print the
gradebook.
"""

from __future__ import annotations

import argparse

from autograder.course.commands.common import (
    add_allow_unsandboxed,
    allow_unsandboxed,
    positive_int,
)
from autograder.course.demo import run_demo


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", nargs="?",
                   help="new or empty folder for the demo (default: a fresh temporary folder)")
    p.add_argument("--assignments", metavar="DIR",
                   help="source notebooks (default: the repository's assignments/training_nn)")
    p.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="submissions graded at once (default 1)")
    add_allow_unsandboxed(p)


def run(args: argparse.Namespace) -> int:
    allow_unsandboxed(args)
    root, table = run_demo(args.dir, args.assignments, jobs=args.jobs)
    print(f"course directory: {root}")
    print(table)
    return 0
