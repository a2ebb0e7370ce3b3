"""What every ``cs231n-course`` command shares: the program name, opening a course, output."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from types import ModuleType
from typing import Protocol

from autograder.course.gradebook import format_table, gradebook_scores
from autograder.course.late import parse_time
from autograder.course.layout import Course, CourseError
from autograder.isolation.sandbox import (
    ALLOW_UNSANDBOXED_ENV,
    SandboxUnavailable,
    require_isolation,
)

PROG = "cs231n-course"


def describe(command: ModuleType) -> tuple[str, str]:
    """A command module's one-line help and its description, both from its docstring.

    The docstring's first line reads "``cs231n-course VERB``: help."; the
    paragraph after it is the description ``VERB --help`` shows.
    """
    first, _, rest = (command.__doc__ or "").strip().partition("\n")
    return first.split(": ", 1)[1].rstrip("."), " ".join(rest.split())


def open_course(path: str) -> Course:
    """The course directory at ``path`` (a clear error when it is not one)."""
    return Course.open(path)


def said(message: str) -> int:
    """Print what a command did; its exit status is 0."""
    print(message)
    return 0


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def time_arg(text: str) -> datetime:
    """An argparse type: a date and time (naive UTC; text without a zone is UTC)."""
    try:
        return parse_time(text)
    except CourseError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_allow_unsandboxed(p: argparse.ArgumentParser) -> None:
    """The explicit opt-out of the refusal to run student code without bubblewrap."""
    p.add_argument("--allow-unsandboxed", action="store_true",
                   help="grade even where the bubblewrap sandbox is unavailable (student code "
                   "then runs with resource limits only and can read what you can read; "
                   "every report says so)")


def allow_unsandboxed(args: argparse.Namespace) -> None:
    """Apply --allow-unsandboxed, then refuse (a clear error) if grading cannot be isolated."""
    if getattr(args, "allow_unsandboxed", False):
        os.environ[ALLOW_UNSANDBOXED_ENV] = "1"  # the nbgrader processes inherit it
    try:
        require_isolation()
    except SandboxUnavailable as exc:
        raise CourseError(str(exc)) from None


class Outcome(Protocol):
    """What grading one student did (autograde's or regrade's result)."""

    student: str
    ok: bool
    message: str


def table_of(course: Course, results: Sequence[Outcome], verb: str) -> int:
    """Print the gradebook table of the students graded and each failure; the exit status."""
    done = {r.student for r in results if r.ok}
    rows = [r for r in gradebook_scores(course) if r.student in done]
    if rows:
        print(format_table(rows))
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"{PROG}: {verb} failed for {r.student}: {r.message}", file=sys.stderr)
    return 1 if failed else 0
