"""Workers that grade the queue: local processes, or grading tasks on a Dask cluster.

Each worker loops: put expired leases back (``queue.requeue_expired``), ``claim`` an
attempt, grade it with the class autograde's task (``autograde.grade_in_scratch`` on
the attempt's folder) while a thread renews the lease, ``finish``, then update the
student's counted attempt. Local workers are spawned processes, as in the class
autograde's pool: nothing of the service's state is inherited, and they die with it.
With a Dask scheduler the loops run as threads of the service and only the grading
goes to the cluster (its workers need the course directory at the same path).

A failure of ours (the grading process raised, the cluster lost the task) releases
the attempt back to the queue; a worker that dies outright leaves a lease that runs
out. Neither costs the student an attempt (``queue``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from multiprocessing import get_context
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from autograder.course.autograde import (
    GradedSubmission,
    dask_client,
    drop_stale_scratch,
    grade_in_scratch,
)
from autograder.course.layout import Course, CourseError
from autograder.grade_cells import has_plain_test_cells
from autograder.isolation.processes import die_with_parent, kill_tree
from autograder.isolation.sandbox import SandboxUnavailable, require_isolation
from autograder.service import queue
from autograder.service.counting import update_counted
from autograder.service.database import ServiceDatabase, service_dir
from autograder.service.models import Attempt

LEASE_SECONDS = 60.0
POLL_SECONDS = 0.5
SEEN_SECONDS = 5.0  # how often an idle worker records that it is alive
STOP_SECONDS = 30.0  # stop(): how long a worker may take to finish the attempt it grades

Grade = Callable[[str, str, bool, str], GradedSubmission]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def is_ours(graded: GradedSubmission) -> bool:
    """A failure of the service, not of the submission: the grading task itself raised."""
    return not graded.ok and "traceback.log" in graded.logs


class Heartbeat(threading.Thread):
    """Renews a lease every third of its length until stopped; notes when it was lost."""

    def __init__(self, db: ServiceDatabase, attempt_id: int, worker: str, lease: float) -> None:
        super().__init__(daemon=True)
        self.db, self.attempt_id, self.worker, self.lease = db, attempt_id, worker, lease
        self.done = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self.done.wait(self.lease / 3):
            queue.seen(self.db, self.worker, utc_now())
            if not queue.heartbeat(self.db, self.attempt_id, self.worker, self.lease, utc_now()):
                self.lost = True  # the finish will be ignored; grading runs to its end
                return


def grade_one(course: Course, db: ServiceDatabase, worker: str, attempt: Attempt,
              execute: bool, lease: float, grade: Grade = grade_in_scratch) -> bool:
    """Grade one claimed attempt and store what came of it; True when its result was stored."""
    beat = Heartbeat(db, attempt.id, worker, lease)
    beat.start()
    try:
        graded = grade(str(course.root), attempt.student, execute,
                       str(service_dir(course) / attempt.folder))
    except Exception as exc:  # the grading machinery failed (a Dask worker lost, ...)
        graded = GradedSubmission(attempt.student, False, 0.0, f"{type(exc).__name__}: {exc}",
                                  logs={"traceback.log": repr(exc)})
    finally:
        beat.done.set()
        beat.join()
    if is_ours(graded):
        queue.release(db, attempt.id, worker, graded.message)
        return False
    if not queue.finish(db, attempt.id, worker, graded, utc_now()):
        return False
    update_counted(course, db, attempt.student, utc_now())
    return True


def work(course_root: str, db_url: str, worker: str, execute: bool,
         stop: Any = None, lease: float = LEASE_SECONDS, poll: float = POLL_SECONDS,
         grade: Grade = grade_in_scratch, parent: int | None = None) -> None:
    """One worker's loop, until ``stop`` (an Event) is set."""
    if parent is not None:
        die_with_parent(parent)
    course = Course(Path(course_root))
    db = ServiceDatabase(db_url)
    last_seen = 0.0
    try:
        while stop is None or not stop.is_set():
            if time.monotonic() - last_seen > SEEN_SECONDS:
                queue.seen(db, worker, utc_now())
                last_seen = time.monotonic()
            queue.requeue_expired(db, utc_now())
            attempt = queue.claim(db, worker, lease, utc_now())
            if attempt is None:
                if stop is None:
                    return  # one pass over the queue
                stop.wait(poll)
                continue
            try:
                grade_one(course, db, worker, attempt, execute, lease, grade)
            except Exception:  # e.g. the gradebook locked too long: the worker stays
                traceback.print_exc()
                queue.release(db, attempt.id, worker, "the grading worker failed")
    finally:
        queue.gone(db, worker)
        db.close()


def _dask_grade(address: str) -> tuple[Grade, Callable[[], None]]:
    """A grading function that runs ``grade_in_scratch`` on the Dask cluster at ``address``."""
    client = dask_client(address)

    def grade(root: str, student: str, execute: bool, folder: str) -> GradedSubmission:
        future = client.submit(grade_in_scratch, root, student, execute, folder, pure=False,
                               key=f"service-{student}-{time.time_ns()}")
        result: GradedSubmission = future.result()
        return result

    return grade, client.close


class WorkerPool:
    """``workers`` local processes (spawned), or Dask workers when ``dask_scheduler`` is given."""

    def __init__(self, course: Course, db_url: str, workers: int,
                 dask_scheduler: str | None = None, lease_seconds: float = LEASE_SECONDS,
                 poll_seconds: float = POLL_SECONDS) -> None:
        if workers < 1:
            raise CourseError("the service needs at least one worker")
        self.course = course
        self.db_url = db_url
        self.workers = workers
        self.dask_scheduler = dask_scheduler
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.processes: list[BaseProcess] = []
        self.threads: list[threading.Thread] = []
        self._close: Callable[[], None] | None = None
        self._context = get_context("spawn")
        self._stop: Any = None

    def names(self) -> list[str]:
        host = socket.gethostname()
        return [f"{host}-{os.getpid()}-{n}" for n in range(self.workers)]

    def start(self) -> None:
        """Start the workers; refuses (CourseError) when grading could not be sandboxed."""
        try:
            require_isolation()
        except SandboxUnavailable as exc:
            raise CourseError(str(exc)) from None
        drop_stale_scratch()
        execute = has_plain_test_cells(self.course.source)
        root = str(self.course.root)
        if self.dask_scheduler:
            grade, self._close = _dask_grade(self.dask_scheduler)
            self._stop = threading.Event()
            for name in self.names():
                thread = threading.Thread(
                    target=work, name=name, daemon=True,
                    args=(root, self.db_url, name, execute, self._stop, self.lease_seconds,
                          self.poll_seconds, grade))
                thread.start()
                self.threads.append(thread)
            return
        self._stop = self._context.Event()
        for name in self.names():
            process = self._context.Process(
                target=work, name=name, daemon=False,
                args=(root, self.db_url, name, execute, self._stop, self.lease_seconds,
                      self.poll_seconds, grade_in_scratch, os.getpid()))
            process.start()
            self.processes.append(process)

    def stop(self, wait: float = STOP_SECONDS) -> None:
        """Let each worker finish the attempt it grades (up to ``wait`` s), then end them."""
        if self._stop is not None:
            self._stop.set()
        deadline = time.monotonic() + wait
        for process in self.processes:
            process.join(max(deadline - time.monotonic(), 0.0))
            if process.is_alive() and process.pid is not None:
                kill_tree(process.pid)  # its lease runs out: the attempt is graded again
                process.join()
        for thread in self.threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        if self._close is not None:
            self._close()
        self.processes, self.threads, self._close = [], [], None
