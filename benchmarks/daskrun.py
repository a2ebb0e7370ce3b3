"""Autograde of a synthetic class on a Dask ``LocalCluster``, measured at 1, 2 and 4 workers.

The class: a course with one of the real source notebooks (the lightest,
``01_activations_preprocessing``, so that hundreds of submissions fit in minutes)
and ``n`` students, alternately the perfect submission and the untouched
release. For each worker count ``k`` a fresh copy of the ungraded course is graded
through ``--dask-scheduler``'s path (``autograde.run_dask``) on a ``LocalCluster``
of ``k`` single-threaded worker processes that this benchmark starts, and the
coordinator stores each result as ``autograde`` does (``autograde.store_result``).

Measured per run: wall time from the first task sent to the last result stored
(throughput), the coordinator's seconds per submission (``store_result``: the
autograded folder installed and one gradebook transaction), and, on the graded
copy afterwards, gradebook writes per second (``write_record`` of stored records
again, nothing else). The worker start-up (``S``) is timed separately: the cluster's
start plus one warm-up task per worker (imports and the warm nbgrader server).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.course.autograde import (
    GradedSubmission,
    grade_in_scratch,
    run_dask,
    store_result,
    write_record,
)
from autograder.course.layout import DEFAULT_ASSIGNMENT_DIR, Course
from autograder.course.setup import init_course, write_solutions_folder
from autograder.course.submissions import submit

NOTEBOOK = "01_activations_preprocessing"
REWRITES = 50  # write_record calls timed for the gradebook's writes per second


@dataclass(frozen=True)
class DaskPoint:
    """One measured run: ``n`` submissions on ``k`` worker processes of ``cores`` CPUs."""

    n: int
    k: int
    cores: int
    wall: float  # first task sent to last result stored
    startup: float  # the cluster and one warm-up task per worker
    coordinator: float  # store_result seconds per submission
    task: float  # mean seconds of one grading task, as the worker timed it
    writes_per_second: float  # write_record alone, on the graded gradebook


def quiet(_message: str) -> None:
    pass


def build_class(root: Path, n: int) -> tuple[Course, list[str]]:
    """An ungraded one-notebook course under ``root`` with ``n`` submissions."""
    assignment = root / "assignment" / "training_nn"
    assignment.mkdir(parents=True)
    shutil.copy2(Path(DEFAULT_ASSIGNMENT_DIR) / f"{NOTEBOOK}.ipynb", assignment)
    course = init_course(root / "course", assignment, progress=quiet)
    perfect = write_solutions_folder(root / "perfect", course.source, progress=quiet)
    students = [f"s{i:04d}" for i in range(n)]
    for i, student in enumerate(students):
        submit(course, student, perfect if i % 2 == 0 else course.release)
    return course, students


def measure_k(template: Course, students: list[str], k: int, work: Path) -> DaskPoint:
    """Grade a fresh copy of ``template`` on a LocalCluster of ``k`` worker processes."""
    from distributed import Client, LocalCluster  # the optional dask extra

    course = Course.open(shutil.copytree(template.root, work / f"k{k}", symlinks=True))
    root = str(course.root)
    start = time.perf_counter()
    with LocalCluster(n_workers=k, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # Warm-up: one task per worker (a student graded again later, into nothing).
        warm = [client.submit(grade_in_scratch, root, students[0], workers=[w], pure=False)
                for w in client.scheduler_info()["workers"]]
        assert all(f.result().ok for f in warm)
        startup = time.perf_counter() - start
        print(f"  dask k={k}: started in {startup:.1f} s, grading {len(students)} ...",
              file=sys.stderr, flush=True)
        results: list[GradedSubmission] = []
        stored = 0.0
        begin = time.perf_counter()
        for result in run_dask(root, students, False, cluster.scheduler_address):
            t0 = time.perf_counter()
            store_result(course, result)
            stored += time.perf_counter() - t0
            results.append(result)
        wall = time.perf_counter() - begin
    failed = [r for r in results if not r.ok]
    assert not failed and len(results) == len(students), failed[:1]
    again = [r for r in results if r.record is not None][:REWRITES]
    t0 = time.perf_counter()
    for result in again:
        assert result.record is not None
        write_record(course, result.student, result.record)
    writes = len(again) / (time.perf_counter() - t0)
    shutil.rmtree(course.root, ignore_errors=True)
    return DaskPoint(n=len(students), k=k, cores=os.cpu_count() or 1, wall=wall,
                     startup=startup, coordinator=stored / len(results),
                     task=sum(r.seconds for r in results) / len(results),
                     writes_per_second=writes)


def run(work: Path, n: int, workers: list[int],
        on_point: Callable[[list[DaskPoint]], None] = lambda _points: None) -> list[DaskPoint]:
    """The class built once, then graded once per worker count (``on_point`` after each)."""
    print(f"  dask: building a class of {n} ...", file=sys.stderr, flush=True)
    template, students = build_class(work / "template", n)
    points: list[DaskPoint] = []
    for k in workers:
        points.append(measure_k(template, students, k, work))
        on_point(points)
    return points


def rows(points: list[DaskPoint]) -> list[tuple[str, str, str, str]]:
    """Table rows: throughput per worker count against one worker, then the coordinator."""
    one = next((p for p in points if p.k == 1), points[0])
    out = []
    for p in points:
        out.append((f"dask, {p.n} submissions, {p.k} worker process(es)",
                    f"{p.wall:.1f} s = {p.n / p.wall:.2f} submissions/s",
                    f"task {p.task:.2f} s, start-up {p.startup:.1f} s",
                    f"{(p.n / p.wall) / (one.n / one.wall):.2f}x one worker's throughput"))
    for p in points:
        out.append((f"dask coordinator, {p.k} worker(s)",
                    f"{p.coordinator * 1e3:.0f} ms/submission",
                    f"gradebook {p.writes_per_second:.1f} writes/s", ""))
    return out


def as_json(points: list[DaskPoint]) -> list[dict]:
    return [asdict(p) for p in points]
