"""nbgrader's own work in an autograde task: its run's CPU time, forked as the warm server does.

The perfect submission of a one-student course is graded first, and its report
written where ``TrustedGrades`` reads it, so the runs measure nbgrader alone (no wait
for the grader). Each run is forked from this process after the warm server's
``warm_up`` and executed by the server's own ``run_process``; its CPU seconds
(user + system) come from ``wait4``. With ``--profile FILE`` the last run is profiled
with cProfile (which about doubles its time) and the statistics written to FILE.

    python -m benchmarks.nbgrader_run [--runs 5] [--profile nbgrader.prof]
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from autograder.course.autograde import make_scratch_course
from autograder.course.grade_beside import write_report
from autograder.course.gradebook import assignment_task_ids
from autograder.course.layout import ASSIGNMENT, nbgrader_env
from autograder.course.nbgrader_server import remember_course_markdown, run_process, warm_up
from autograder.course.shared_engine import shared_engines
from autograder.grading import grade_submission
from benchmarks.classrun import PERFECT, build_class


def forked_run(request: dict, profile: str | None) -> float:
    """CPU seconds of one nbgrader run forked from this process."""
    pid = os.fork()
    if pid == 0:
        if profile:
            profiler = cProfile.Profile()
            # run_process runs the atexit hooks before it ends the forked process.
            atexit.register(profiler.dump_stats, profile)
            atexit.register(profiler.disable)  # hooks run last registered first
            profiler.enable()
        run_process(request, os.getppid())
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"nbgrader failed; see {request['log']}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs measured (default 5)")
    parser.add_argument("--profile", metavar="FILE", help="profile the last run into FILE")
    args = parser.parse_args()
    # Not a TemporaryDirectory: its cleanup runs at exit, and each forked run exits.
    tmp = tempfile.mkdtemp(prefix="cs231n-nbgrader-run-")
    try:
        root, _ = build_class(Path(tmp) / "build", 1)
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        course, _ = make_scratch_course(root, PERFECT, scratch, None)
        report = Path(tmp) / "report.json"
        write_report(report, grade_submission(course.submitted(PERFECT),
                                              task_ids=assignment_task_ids(course)))
        # The environment of autograde's runs (autograde_one), without --execute.
        os.environ.update({**nbgrader_env(), "CS231N_EXECUTE_NOTEBOOKS": "0",
                           "NBGRADER_EXECUTION": "1", "OPENBLAS_NUM_THREADS": "1",
                           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
        warm_up()
        remember_course_markdown(course.root, set())
        request = {"cwd": str(course.root), "log": str(Path(tmp) / "nbgrader.log"),
                   "args": ["autograde", ASSIGNMENT, "--student", PERFECT, "--force",
                            f"--TrustedGrades.report_file={report}"]}
        with shared_engines():
            forked_run(request, None)  # warm-up
            seconds = [forked_run(request, None) for _ in range(args.runs)]
            if args.profile:
                forked_run(request, str(Path(args.profile).resolve()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"nbgrader's autograde run, CPU seconds over {args.runs} runs: "
          f"median {statistics.median(seconds):.2f}, min {min(seconds):.2f}")


if __name__ == "__main__":
    main()
