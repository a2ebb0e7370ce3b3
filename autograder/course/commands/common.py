"""What every ``cs231n-course`` command shares: the program name, opening a course, output."""

from __future__ import annotations

import argparse
from types import ModuleType

from autograder.course.layout import Course

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
