"""The grading queue: attempts leased to workers, each result written exactly once.

A worker ``claim``s a queued attempt: it becomes "running" with a lease (an owner
and an expiry) that the worker's ``heartbeat`` extends. ``finish`` stores the result
only while the lease is still the worker's: the UPDATE's WHERE names the attempt,
the state "running" and the owner, its row count says whether it happened, and
the result row's attempt id is UNIQUE, so a late or repeated finish changes
nothing. A lease that runs out (a worker killed, a machine gone) is put back in the
queue by ``requeue_expired``; like ``release`` (a failure of ours) it adds to
``infra_retries`` and never to the student's attempts. A student's newer
submission supersedes their queued older ones (``enqueue``).

Claiming: on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` picks a row no other
claimer holds; on SQLite (one writer at a time) a compare-and-set
``UPDATE ... WHERE state = 'queued'`` does, retried on the next candidate when
another claimer won the row.
"""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from autograder.course.autograde import GradedSubmission
from autograder.service.database import ServiceDatabase
from autograder.service.models import (
    FAILED,
    GRADED,
    QUEUED,
    RUNNING,
    SUPERSEDED,
    Attempt,
    Result,
    Worker,
)

# A lease that ran out this many times (workers killed while grading it) is not tried again:
# the attempt is "failed" with a message that says the fault was ours and it does not count.
MAX_INFRA_RETRIES = 3
INFRA_GAVE_UP = ("grading failed on the service's side {n} times; this attempt does not count "
                 "against you: please submit again")
# How far back "graded recently" looks when the queue orders students fairly.
FAIRNESS_WINDOW = timedelta(hours=1)
CLAIM_TRIES = 20  # SQLite: candidates tried when other claimers keep winning the race


def _recently_graded(now: datetime) -> ColumnElement[int]:
    """The number of the same student's attempts graded within FAIRNESS_WINDOW of ``now``."""
    other = aliased(Attempt)
    return (
        select(func.count(other.id))
        .where(other.student == Attempt.student, other.state == GRADED,
               other.finished_at >= now - FAIRNESS_WINDOW)
        .scalar_subquery()
    )


def _queue_order(now: datetime) -> list[ColumnElement[object]]:
    """The order in which queued attempts are graded.

    Supersede leaves each student at most one queued attempt, their newest, so the
    order is between students. First the students with fewer attempts graded in the
    last hour: in a deadline rush a student who resubmits every minute must not hold
    back one who submits once. Among equals, the oldest newest-submission first
    (first come, first served): a student's wait is bounded by those ahead, and a
    resubmission goes to the back rather than jumping the line.
    """
    return [_recently_graded(now).asc(), Attempt.received_at.asc(), Attempt.id.asc()]


def enqueue(db: ServiceDatabase, attempt: Attempt,
            place: Callable[[int], str] | None = None) -> Attempt:
    """Store a new attempt as queued; the student's older queued attempts become superseded.

    ``place(attempt id)`` puts the submission's files where they belong and returns
    that folder; it runs inside the transaction, so no worker sees the attempt before
    its files are in place, and an attempt whose files failed is never stored.
    """
    attempt.state = QUEUED
    with db.session() as session:
        session.add(attempt)
        session.flush()  # its id
        if place is not None:
            attempt.folder = place(attempt.id)
        session.execute(
            update(Attempt)
            .where(Attempt.student == attempt.student, Attempt.state == QUEUED,
                   Attempt.id < attempt.id)
            .values(state=SUPERSEDED, message=f"superseded by attempt {attempt.id}")
        )
    return attempt


def claim(db: ServiceDatabase, worker: str, lease_seconds: float,
          now: datetime) -> Attempt | None:
    """Lease the next queued attempt to ``worker`` (None: the queue is empty)."""
    lease = {"state": RUNNING, "lease_owner": worker,
             "lease_until": now + timedelta(seconds=lease_seconds), "started_at": now}
    for _ in range(CLAIM_TRIES):
        with db.session() as session:
            query = select(Attempt.id).where(Attempt.state == QUEUED) \
                .order_by(*_queue_order(now)).limit(1)
            if not db.is_sqlite:
                query = query.with_for_update(skip_locked=True, of=Attempt)
            attempt_id = session.execute(query).scalar()
            if attempt_id is None:
                return None
            # The compare-and-set: only a still-queued attempt is taken.
            done = session.execute(
                update(Attempt).where(Attempt.id == attempt_id, Attempt.state == QUEUED)
                .values(**lease)
            )
            if done.rowcount == 1:
                return session.get(Attempt, attempt_id, populate_existing=True)
    return None


def _leased(attempt_id: int, worker: str) -> ColumnElement[bool]:
    return and_(Attempt.id == attempt_id, Attempt.state == RUNNING,
                Attempt.lease_owner == worker)


def heartbeat(db: ServiceDatabase, attempt_id: int, worker: str, lease_seconds: float,
              now: datetime) -> bool:
    """Extend ``worker``'s lease; False when it is no longer the worker's (stop grading)."""
    with db.session() as session:
        done = session.execute(
            update(Attempt).where(_leased(attempt_id, worker))
            .values(lease_until=now + timedelta(seconds=lease_seconds))
        )
        return bool(done.rowcount == 1)


def _files_json(files: dict[str, tuple[int, bytes]] | None) -> str:
    if files is None:
        return "null"
    return json.dumps({rel: [mode, b64encode(data).decode("ascii")]
                       for rel, (mode, data) in files.items()})


def _record_json(record: dict | None) -> str:
    return json.dumps(record, default=lambda v: v.isoformat() if isinstance(v, datetime)
                      else str(v))


def finish(db: ServiceDatabase, attempt_id: int, worker: str, graded: GradedSubmission,
           now: datetime) -> bool:
    """Store ``graded`` as the attempt's result, once. False: ignored (the lease was lost).

    A submission that could not be graded (``graded.ok`` False) is "failed" with its
    one-line message: that is the submission's fault. Failures of ours go to ``release``.
    """
    message = ""
    if not graded.ok:
        message = (graded.message.splitlines() or ["the submission could not be graded"])[0]
    values: dict[str, object] = {
        "state": GRADED if graded.ok else FAILED, "finished_at": now,
        "lease_owner": None, "lease_until": None, "message": message[:500],
        "score": graded.score if graded.ok else None,
        "max_score": graded.max_score if graded.ok else None,
    }
    try:
        with db.session() as session:
            done = session.execute(update(Attempt).where(_leased(attempt_id, worker))
                                   .values(**values))
            if done.rowcount != 1:
                session.rollback()
                return False
            session.add(Result(attempt_id=attempt_id, created_at=now,
                               record_json=_record_json(graded.record),
                               notes_json=json.dumps(graded.notes),
                               files_json=_files_json(graded.files),
                               seconds=graded.seconds, worker=worker))
    except IntegrityError:  # a result exists already: it was written once, this one is not
        return False
    return True


def _back_to_queue(session: Session, where: ColumnElement[bool], reason: str) -> int:
    """Put the attempts matched by ``where`` back in the queue (or give up on them)."""
    gave_up = session.execute(
        update(Attempt).where(where, Attempt.infra_retries + 1 >= MAX_INFRA_RETRIES)
        .values(state=FAILED, lease_owner=None, lease_until=None,
                infra_retries=Attempt.infra_retries + 1,
                message=INFRA_GAVE_UP.format(n=MAX_INFRA_RETRIES))
    ).rowcount
    queued = session.execute(
        update(Attempt).where(where)
        .values(state=QUEUED, lease_owner=None, lease_until=None, started_at=None,
                infra_retries=Attempt.infra_retries + 1, message=reason[:500])
    ).rowcount
    # Back in the queue behind a newer submission of the same student: superseded.
    newer = aliased(Attempt)
    session.execute(
        update(Attempt).where(
            Attempt.state == QUEUED,
            select(newer.id).where(newer.student == Attempt.student, newer.id > Attempt.id,
                                   newer.state != SUPERSEDED).exists())
        .values(state=SUPERSEDED, message="superseded by a newer submission")
    )
    return int(gave_up) + int(queued)


def release(db: ServiceDatabase, attempt_id: int, worker: str, reason: str) -> None:
    """Give a leased attempt back after a failure of ours; it never costs an attempt."""
    with db.session() as session:
        _back_to_queue(session, _leased(attempt_id, worker), reason)


def requeue_expired(db: ServiceDatabase, now: datetime) -> int:
    """Put the attempts whose lease ran out back in the queue; how many."""
    with db.session() as session:
        return _back_to_queue(session, and_(Attempt.state == RUNNING, Attempt.lease_until < now),
                              "the grading worker stopped answering; graded again")


def position(db: ServiceDatabase, attempt_id: int, now: datetime | None = None) -> int | None:
    """The attempt's place in the queue (1: graded next); None once it is not queued."""
    with db.session() as session:
        state = session.execute(select(Attempt.state).where(Attempt.id == attempt_id)).scalar()
        if state != QUEUED:
            return None
        order = _queue_order(now or datetime.now(timezone.utc))
        ids = session.execute(select(Attempt.id).where(Attempt.state == QUEUED)
                              .order_by(*order)).scalars().all()
        return ids.index(attempt_id) + 1 if attempt_id in ids else None


def attempts_of(db: ServiceDatabase, student: str) -> list[Attempt]:
    """A student's attempts, newest first."""
    with db.session() as session:
        return list(session.execute(
            select(Attempt).where(Attempt.student == student)
            .order_by(Attempt.received_at.desc(), Attempt.id.desc())).scalars())


def seen(db: ServiceDatabase, worker: str, now: datetime) -> None:
    """Record that ``worker`` is alive now."""
    with db.session() as session:
        row = session.get(Worker, worker)
        if row is None:
            session.add(Worker(name=worker, last_seen=now))
        else:
            row.last_seen = now


def gone(db: ServiceDatabase, worker: str) -> None:
    """A worker that stopped: no longer counted as alive."""
    with db.session() as session:
        session.execute(delete(Worker).where(Worker.name == worker))


def result_of(db: ServiceDatabase, attempt_id: int) -> Result | None:
    """The stored result of an attempt (None: not graded)."""
    with db.session() as session:
        return session.execute(select(Result).where(Result.attempt_id == attempt_id)) \
            .scalar_one_or_none()
