"""``cs231n-course``: the instructor's command line (nbgrader course pipeline and trusted grading).

Every sub-command has ``--help``; errors end the command with one line on
stderr and a non-zero exit status; progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from autograder.course.commands import (
    autograde,
    collect,
    demo,
    due,
    export,
    extend,
    feedback,
    grade,
    import_lms,
    init,
    regrade,
    release,
    report,
    roster,
    serve,
    submit,
    tokens,
)
from autograder.course.commands.common import PROG, describe
from autograder.course.layout import CourseError
from autograder.grade_cells import NotebookError

# In the order `--help` lists them: a term's order.
COMMANDS: tuple[ModuleType, ...] = (
    init, roster, release, due, extend, tokens, serve, submit, import_lms, autograde, regrade,
    feedback, export, grade, demo, report, collect,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run the 'Training Neural Networks' course: nbgrader plus the trusted grader.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        name = getattr(command, "NAME", command.__name__.rsplit(".", 1)[1])
        help_line, description = describe(command)
        p = sub.add_parser(name, help=help_line, description=description)
        command.configure(p)
        p.set_defaults(func=command.run)
    return parser

def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if not isinstance(exc, (CourseError, NotebookError)):
            message = f"{type(exc).__name__}: {message} (rerun with --debug for details)"
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
