"""Workers that grade the queue: local processes, or tasks on a Dask cluster."""

from __future__ import annotations

from autograder.course.layout import Course


class WorkerPool:
    """``workers`` local processes (spawned), or Dask workers when ``dask_scheduler`` is given."""

    def __init__(self, course: Course, db_url: str, workers: int,
                 dask_scheduler: str | None = None) -> None:
        self.course = course
        self.db_url = db_url
        self.workers = workers
        self.dask_scheduler = dask_scheduler

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError
