"""``cs231n-course collect``: zip a finished submission for an LMS upload.

Check that every notebook of SUBMISSION_DIR ran top to bottom without errors and that no
required file is missing, then zip the notebooks and cs231n_core/.
"""

from __future__ import annotations

import argparse

from autograder.course.collect import collect
from autograder.course.commands.common import said


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("submission_dir", metavar="SUBMISSION_DIR")
    p.add_argument("--out", required=True, metavar="FILE.zip", help="zip file to write")


def run(args: argparse.Namespace) -> int:
    path = collect(args.submission_dir, args.out)
    return said(f"submission zip: {path.resolve()}")
