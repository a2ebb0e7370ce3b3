"""Feedback at class scale: seconds per student, nbgrader's generate_feedback against ours.

    cs231n-course demo DEMO_DIR          # an autograded class of 5 (the real notebooks)
    python -m benchmarks.feedback DEMO_DIR/course

On a copy of the course each time: plain ``nbgrader generate_feedback --student S``
(one process per student, as the feedback step ran before), then
``feedback.write_feedback`` in this process (first student, then the others, whose shared
cells are already rendered), then a second ``write_feedback`` of the whole class with
nothing changed. Wall-clock and CPU seconds are printed per student; CPU time is the
figure to compare on a loaded machine.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from autograder.course.feedback import write_feedback
from autograder.course.gradebook import gradebook_scores
from autograder.course.layout import ASSIGNMENT, Course, nbgrader_env
from benchmarks.timing import machine_header


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(run: Callable[[], object], cpu: Callable[[], float]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``run()``."""
    wall, used = time.perf_counter(), cpu()
    run()
    return time.perf_counter() - wall, cpu() - used


def quiet(_message: str) -> None:
    pass


def plain_nbgrader(course: Course, student: str) -> None:
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", ASSIGNMENT,
                    "--student", student, "--force"], cwd=course.root, env=nbgrader_env(),
                   check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.feedback",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("course_dir", metavar="COURSE_DIR", help="an autograded course")
    args = parser.parse_args(argv)
    source = Course.open(args.course_dir)
    students = [row.student for row in gradebook_scores(source)]
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="cs231n-feedback-bench-") as tmp:
        plain = Course(Path(shutil.copytree(source.root, Path(tmp) / "plain", symlinks=True)))
        ours = Course(Path(shutil.copytree(source.root, Path(tmp) / "ours", symlinks=True)))
        shutil.rmtree(ours.root / "feedback", ignore_errors=True)
        for student in students:
            rows.append((f"nbgrader generate_feedback, {student}",
                         *timed(partial(plain_nbgrader, plain, student), _children_cpu)))
        for i, student in enumerate(students):
            label = "first student" if i == 0 else "next student"
            rows.append((f"write_feedback ({label}), {student}", *timed(
                partial(write_feedback, ours, quiet, students=[student]), _self_cpu)))
        rows.append((f"write_feedback, all {len(students)}, nothing changed", *timed(
            partial(write_feedback, ours, quiet), _self_cpu)))
    print("\n".join(machine_header()))
    width = max(len(r[0]) for r in rows)
    print(f"{'step'.ljust(width)}  {'wall s':>7}  {'CPU s':>7}")
    for label, wall, cpu in rows:
        print(f"{label.ljust(width)}  {wall:7.2f}  {cpu:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
