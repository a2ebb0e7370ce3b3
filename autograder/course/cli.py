"""``cs231n-course``: the instructor's command line (nbgrader course pipeline and trusted grading).

Every sub-command has ``--help``; errors end the command with one line on
stderr and a non-zero exit status; progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from autograder.course.autograde import autograde
from autograder.course.collect import collect
from autograder.course.demo import run_demo
from autograder.course.feedback import write_feedback
from autograder.course.gradebook import export_csv, format_table, gradebook_scores
from autograder.course.layout import DEFAULT_TIMEOUT, Course, CourseError, stderr_progress
from autograder.course.report import write_report
from autograder.course.setup import init_course, release_course, write_solutions_folder
from autograder.grade_cells import NotebookError
from autograder.grading import grade_submission

PROG = "cs231n-course"


def _course(path: str) -> Course:

    return Course.open(path)


def cmd_init(args: argparse.Namespace) -> int:

    course = init_course(args.course_dir, args.assignments, timeout=args.timeout, force=args.force)
    print(f"course ready: {course.root}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:

    if args.with_solutions:
        source = args.assignments
        if args.course_dir:
            source = _course(args.course_dir).source
        out = write_solutions_folder(args.with_solutions, source)
        print(f"perfect submission: {out}")
        return 0
    if not args.course_dir:
        raise CourseError("give COURSE_DIR (or --with-solutions OUT_DIR)")
    print(f"release: {release_course(_course(args.course_dir))}")
    return 0


def cmd_autograde(args: argparse.Namespace) -> int:

    course = _course(args.course_dir)
    results = autograde(course, args.student, jobs=args.jobs, execute=args.execute,
                        dask_scheduler=args.dask_scheduler)
    graded = {r.student for r in results if r.ok}
    rows = [r for r in gradebook_scores(course) if r.student in graded]
    if rows:
        print(format_table(rows))
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"{PROG}: autograde failed for {r.student}: {r.message}", file=sys.stderr)
    return 1 if failed else 0


def cmd_feedback(args: argparse.Namespace) -> int:

    pages = write_feedback(_course(args.course_dir), stderr_progress)
    print(f"{len(pages)} feedback page(s) in {Path(args.course_dir).resolve() / 'feedback'}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:

    n = export_csv(_course(args.course_dir), args.csv)
    print(f"wrote {n} student row(s) to {args.csv}")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    folder = Path(args.submission_dir)
    if not folder.is_dir():
        raise CourseError(f"submission folder {folder} does not exist")
    if not args.json:
        print(f"grading {folder.resolve()} ...", file=sys.stderr, flush=True)
    with _stdout_to_stderr():  # --json: nothing but the one JSON object reaches stdout
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
    print(f"total: {report.total:g} / {report.max_total:g}")
    return 0


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def cmd_demo(args: argparse.Namespace) -> int:

    root, table = run_demo(args.dir, args.assignments, jobs=args.jobs)
    print(f"course directory: {root}")
    print(table)
    return 0


def cmd_report(args: argparse.Namespace) -> int:

    path = write_report(_course(args.course_dir), args.out)
    print(f"class report: {path.resolve()}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:

    path = collect(args.submission_dir, args.out)
    print(f"submission zip: {path.resolve()}")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run the 'Training Neural Networks' course: nbgrader plus the trusted grader.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("init", help="create a ready nbgrader course directory",
                       description="Create an nbgrader course directory: config with the trusted "
                       "grader, source/training_nn (notebooks + stub cs231n_core), gradebook, "
                       "checked release.")
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--assignments", metavar="DIR",
                   help="folder with the source notebooks (default: the repository's "
                        "assignments/training_nn)")
    p.add_argument("--timeout", type=_positive_int, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time limit per notebook cell under autograde (default {DEFAULT_TIMEOUT})")
    p.add_argument("--force", action="store_true",
                   help="rebuild config and source in an existing course (keeps gradebook and "
                        "submissions)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("release", help="build the student release (or a perfect submission)",
                       description="nbgrader generate_assignment into COURSE_DIR/release, failing "
                       "if any solution text reaches it. With --with-solutions OUT_DIR, write "
                       "instead a student-shaped folder holding the reference solution.")
    p.add_argument("course_dir", metavar="COURSE_DIR", nargs="?")
    p.add_argument("--with-solutions", metavar="OUT_DIR",
                   help="write the perfect submission (notebooks + solved cs231n_core) to OUT_DIR")
    p.add_argument("--assignments", metavar="DIR",
                   help="source notebooks for --with-solutions without COURSE_DIR "
                        "(default: the repository's assignments/training_nn)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("autograde", help="autograde submissions into the gradebook",
                       description="nbgrader autograde of COURSE_DIR/submitted/<student>/"
                       "training_nn, with every task scored by the trusted grader.")
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--student", action="append", metavar="ID",
                   help="grade only this student (repeatable; default: every submission)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="submissions graded at once in local worker processes (default 1)")
    p.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="grade on the Dask cluster at ADDRESS (e.g. tcp://host:8786; needs the "
                   "'dask' extra; workers must see COURSE_DIR at the same path)")
    p.add_argument("--execute", action="store_true",
                   help="also re-run the notebooks (fast mode) for fresh outputs in the feedback; "
                   "scores never depend on it; the kernels run in the bubblewrap sandbox when "
                   "it is available")
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("feedback", help="write feedback pages for autograded students",
                       description="nbgrader generate_feedback plus COURSE_DIR/feedback/<student>/"
                       "training_nn/index.html with a per-task table (no hidden test code).")
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="export the gradebook as CSV",
                       description="One row per student: score, maximum, manual-grading flag and "
                       "every grade cell's score.")
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--csv", required=True, metavar="FILE", help="CSV file to write")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("grade", help="trusted grading of one student-shaped folder",
                       description="Grade every registry task of SUBMISSION_DIR (notebooks + "
                       "cs231n_core/) with the trusted grader; no gradebook is touched.")
    p.add_argument("submission_dir", metavar="SUBMISSION_DIR")
    p.add_argument("--json", action="store_true",
                   help="print exactly one JSON object: total, max_total and every task")
    p.add_argument("--seed", type=int, help="seed of the hidden inputs (default: fresh)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("demo", help="run a whole course on a small class",
                       description="Build a course in a fresh folder, release it, submit a small "
                       "class (perfect, untouched stubs, buggy students), autograde it through "
                       "nbgrader, write feedback and print the gradebook.")
    p.add_argument("dir", metavar="DIR", nargs="?",
                   help="new or empty folder for the demo (default: a fresh temporary folder)")
    p.add_argument("--assignments", metavar="DIR",
                   help="source notebooks (default: the repository's assignments/training_nn)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="submissions graded at once (default 1)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("report", help="write the HTML class report after autograde",
                       description="One self-contained HTML page: pass rate per task, the "
                       "distribution of total scores (inline PNG plots) and a table per "
                       "notebook, read from the gradebook.")
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--out", metavar="FILE",
                   help="HTML file to write (default COURSE_DIR/reports/class_report.html)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("collect", help="zip a finished submission for an LMS upload",
                       description="Check that every notebook of SUBMISSION_DIR ran top to "
                       "bottom without errors and that no required file is missing, then zip "
                       "the notebooks and cs231n_core/.")
    p.add_argument("submission_dir", metavar="SUBMISSION_DIR")
    p.add_argument("--out", required=True, metavar="FILE.zip", help="zip file to write")
    p.set_defaults(func=cmd_collect)
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
