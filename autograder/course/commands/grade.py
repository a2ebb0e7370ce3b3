"""``cs231n-course grade``: trusted grading of one student-shaped folder.

Grade every registry task of SUBMISSION_DIR (notebooks + cs231n_core/) with the trusted
grader; no gradebook is touched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from autograder.course.commands.common import (
    PROG,
    add_allow_unsandboxed,
    allow_unsandboxed,
    said,
)
from autograder.course.gradebook import Totals
from autograder.course.layout import CourseError
from autograder.grade_cells import notebook_cell_points
from autograder.grading import grade_submission


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("submission_dir", metavar="SUBMISSION_DIR")
    p.add_argument("--json", action="store_true",
                   help="print exactly one JSON object: total, max_total and every task")
    p.add_argument("--seed", type=int, help="seed of the hidden inputs (default: fresh)")
    add_allow_unsandboxed(p)


def run(args: argparse.Namespace) -> int:
    allow_unsandboxed(args)
    folder = Path(args.submission_dir)
    if not folder.is_dir():
        raise CourseError(f"submission folder {folder} does not exist")
    if not args.json:
        print(f"grading {folder.resolve()} ...", file=sys.stderr, flush=True)
    with stdout_to_stderr():  # --json: nothing but the one JSON object reaches stdout
        report = grade_submission(folder, seed=args.seed)
    for notice in getattr(report, "notices", None) or (
        [] if report.sandboxed else ["graded WITHOUT sandbox isolation"]
    ):
        print(f"{PROG}: notice: {notice}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict()))
        return 0
    width = max(len(t.id) for t in report.tasks)
    for t in report.tasks:
        first = t.feedback.strip().splitlines()[0] if t.feedback.strip() else ""
        mark = "ok " if t.points >= t.max_points else "   "
        print(f"{mark}{t.id.ljust(width)}  {t.points:5g} / {t.max_points:g}  {first}")
    # As autograde counts it: the notebooks' written answers and test cells are in the
    # maximum, not graded here (in a course: by hand in the formgrader, and by autograde).
    others = notebook_cell_points(folder)
    totals = Totals(auto=report.total, manual=0.0, pending=others, max=report.max_total + others)
    return said(f"total: {totals.text()}" + (
        f"; tasks: {report.total:g} / {report.max_total:g}" if others else ""))


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
