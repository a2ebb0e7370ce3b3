"""The instructor's dashboard figures: the queue, the workers, time to feedback, pass rates.

Time to feedback is from receipt to the stored result (graded or failed) of the attempts
finished in the last day; the percentiles are nearest-rank. A task's pass rate is the
share of students whose latest graded attempt has the task's full points.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from autograder.course.layout import ASSIGNMENT, Course, open_gradebook
from autograder.course.roster import class_roster
from autograder.grade_cells import task_id_of
from autograder.service.database import ServiceDatabase
from autograder.service.models import FAILED, GRADED, QUEUED, RUNNING, Attempt, Result, Worker
from autograder.service.runner import LEASE_SECONDS

WINDOW = timedelta(days=1)
ALIVE = timedelta(seconds=LEASE_SECONDS)  # a worker renews its lease at least this often


@dataclass
class ServiceStats:
    """What the dashboard shows."""

    queued: int
    running: int
    workers_alive: int
    feedback_seconds_p50: float | None
    feedback_seconds_p95: float | None
    pass_rates: dict[str, float] = field(default_factory=dict)  # task id -> share passing
    not_submitted: list[str] = field(default_factory=list)  # roster students, no attempt


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def task_maxima(course: Course) -> dict[tuple[str, str], tuple[str, float]]:
    """(notebook, grade id) -> (task id, points) of every registry task's grade cell."""
    out = {}
    with open_gradebook(course) as gb:
        for nb in gb.find_assignment(ASSIGNMENT).notebooks:
            for cell in nb.grade_cells:
                task = task_id_of(cell.name)
                if task:
                    out[(nb.name, cell.name)] = (task, float(cell.max_score))
    return out


def pass_rates(course: Course, records: list[dict]) -> dict[str, float]:
    """Task id -> the share of ``records`` (gradebook fields of attempts) with full points."""
    maxima = task_maxima(course)
    passed: dict[str, int] = {task: 0 for task, _ in maxima.values()}
    for record in records:
        for nb_name, nb in (record.get("notebooks") or {}).items():
            for cell, (score, _needs) in nb.get("grades", {}).items():
                task, most = maxima.get((nb_name, cell), ("", 0.0))
                if task and score is not None and score >= most:
                    passed[task] += 1
    return {task: n / len(records) for task, n in passed.items()} if records else {}


def service_stats(course: Course, db: ServiceDatabase, now: datetime) -> ServiceStats:
    """The dashboard's figures now."""
    with db.session() as session:
        counts = dict(session.execute(select(Attempt.state, func.count(Attempt.id))
                                      .group_by(Attempt.state)).all())
        alive = session.execute(select(func.count(Worker.name))
                                .where(Worker.last_seen >= now - ALIVE)).scalar_one()
        done = session.execute(select(Attempt.received_at, Attempt.finished_at).where(
            Attempt.state.in_([GRADED, FAILED]), Attempt.finished_at >= now - WINDOW)).all()
        latest = (select(func.max(Attempt.id)).where(Attempt.state == GRADED)
                  .group_by(Attempt.student))
        records = [json.loads(r) for r in session.execute(
            select(Result.record_json).where(Result.attempt_id.in_(latest))).scalars()]
        students = set(session.execute(select(Attempt.student).distinct()).scalars())
    seconds = [(finished - received).total_seconds() for received, finished in done]
    roster = [entry.id for entry in class_roster(course)]
    return ServiceStats(
        queued=int(counts.get(QUEUED, 0)), running=int(counts.get(RUNNING, 0)),
        workers_alive=int(alive),
        feedback_seconds_p50=percentile(seconds, 0.5),
        feedback_seconds_p95=percentile(seconds, 0.95),
        pass_rates=pass_rates(course, [r for r in records if r]),
        not_submitted=sorted(s for s in roster if s not in students))
