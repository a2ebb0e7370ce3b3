"""The grading queue on SQLite and PostgreSQL: order, supersede, leases, exactly-once results."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from autograder.course.autograde import GradedSubmission
from autograder.course.layout import Course
from autograder.service import queue
from autograder.service.database import ServiceDatabase
from autograder.service.models import Attempt, Result
from autograder.service.runner import grade_one

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
LEASE = 60.0


def received(db: ServiceDatabase, student: str, at: datetime) -> Attempt:
    return queue.enqueue(db, Attempt(student=student, received_at=at, sha256="0" * 64, size=1,
                                     folder=""))


def graded(student: str, score: float = 3.0) -> GradedSubmission:
    return GradedSubmission(student, True, 0.5, record={"timestamp": T0, "notebooks": {}},
                            files={"a.ipynb": (0o644, b"{}")}, notes=["n"], score=score,
                            max_score=4.0)


def state(db: ServiceDatabase, attempt_id: int) -> str:
    with db.session() as s:
        return s.get(Attempt, attempt_id).state


def results(db: ServiceDatabase) -> int:
    with db.session() as s:
        return s.execute(select(func.count(Result.id))).scalar_one()


def test_order_supersede_and_position(db: ServiceDatabase) -> None:
    a1 = received(db, "ann", T0)
    b1 = received(db, "bob", T0 + timedelta(seconds=1))
    a2 = received(db, "ann", T0 + timedelta(seconds=2))  # supersedes a1
    c1 = received(db, "cat", T0 + timedelta(seconds=3))
    assert state(db, a1.id) == "superseded"
    assert [queue.position(db, x.id, T0) for x in (a1, b1, a2, c1)] == [None, 1, 2, 3]

    first = queue.claim(db, "w1", LEASE, T0)
    assert first is not None and first.id == b1.id and first.state == "running"
    assert first.lease_owner == "w1" and first.lease_until == T0 + timedelta(seconds=LEASE)
    assert queue.finish(db, b1.id, "w1", graded("bob"), T0)
    # bob, just graded, submits again: ann and cat, with nothing graded lately, go first.
    b2 = received(db, "bob", T0 + timedelta(seconds=4))
    assert [queue.position(db, x.id, T0) for x in (a2, c1, b2)] == [1, 2, 3]
    order = [queue.claim(db, "w1", LEASE, T0) for _ in range(4)]
    assert [o.id if o else None for o in order] == [a2.id, c1.id, b2.id, None]
    assert [x.id for x in queue.attempts_of(db, "ann")] == [a2.id, a1.id]


def test_finish_once_and_late_finish_ignored(db: ServiceDatabase) -> None:
    a = received(db, "ann", T0)
    assert queue.claim(db, "w1", LEASE, T0).id == a.id
    assert not queue.finish(db, a.id, "w2", graded("ann"), T0)  # not w2's lease
    assert queue.heartbeat(db, a.id, "w1", LEASE, T0 + timedelta(seconds=30))
    # The lease (extended to 90 s) runs out: back in the queue, not the student's fault.
    assert queue.requeue_expired(db, T0 + timedelta(seconds=80)) == 0
    assert queue.requeue_expired(db, T0 + timedelta(seconds=91)) == 1
    assert not queue.heartbeat(db, a.id, "w1", LEASE, T0 + timedelta(seconds=92))
    again = queue.claim(db, "w2", LEASE, T0 + timedelta(seconds=92))
    assert again.id == a.id and again.infra_retries == 1
    assert not queue.finish(db, a.id, "w1", graded("ann", 1.0), T0)  # the late one
    assert queue.finish(db, a.id, "w2", graded("ann", 3.0), T0 + timedelta(seconds=95))
    assert not queue.finish(db, a.id, "w2", graded("ann", 2.0), T0)  # twice
    with db.session() as s:
        row = s.get(Attempt, a.id)
        assert (row.state, row.score, row.max_score, row.lease_owner) == ("graded", 3.0, 4.0,
                                                                          None)
    assert results(db) == 1
    stored = queue.result_of(db, a.id)
    assert stored is not None and stored.worker == "w2" and '"n"' in stored.notes_json


def test_failure_is_the_submissions_and_release_is_ours(db: ServiceDatabase) -> None:
    a, b = received(db, "ann", T0), received(db, "bob", T0)
    queue.claim(db, "w1", LEASE, T0)
    queue.claim(db, "w1", LEASE, T0)
    bad = GradedSubmission("ann", False, 0.2, "the notebook is not valid JSON\nmore")
    assert queue.finish(db, a.id, "w1", bad, T0)
    with db.session() as s:
        assert (s.get(Attempt, a.id).state, s.get(Attempt, a.id).message) == (
            "failed", "the notebook is not valid JSON")
    for n in range(queue.MAX_INFRA_RETRIES):
        queue.release(db, b.id, "w1", "disk full")
        expected = "queued" if n + 1 < queue.MAX_INFRA_RETRIES else "failed"
        assert state(db, b.id) == expected
        if expected == "queued":
            assert queue.claim(db, "w1", LEASE, T0).id == b.id
    with db.session() as s:
        assert "does not count" in s.get(Attempt, b.id).message


def test_requeued_behind_a_newer_submission_is_superseded(db: ServiceDatabase) -> None:
    a1 = received(db, "ann", T0)
    queue.claim(db, "w1", LEASE, T0)
    a2 = received(db, "ann", T0 + timedelta(seconds=5))  # a1 is running: not superseded yet
    assert state(db, a1.id) == "running"
    queue.requeue_expired(db, T0 + timedelta(seconds=LEASE + 1))
    assert (state(db, a1.id), state(db, a2.id)) == ("superseded", "queued")


def test_concurrent_claimers_each_attempt_once(db_url: str) -> None:
    """Four claimers, each with its own engine, race over 40 attempts and finish twice each."""
    setup = ServiceDatabase(db_url)
    ids = [received(setup, f"s{i:02d}", T0 + timedelta(milliseconds=i)).id for i in range(40)]
    claims: list[tuple[str, int]] = []
    finished: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        db = ServiceDatabase(db_url)
        try:
            while (attempt := queue.claim(db, name, LEASE, T0)) is not None:
                ok = queue.finish(db, attempt.id, name, graded(attempt.student), T0)
                late = queue.finish(db, attempt.id, name, graded(attempt.student), T0)
                with lock:
                    claims.append((name, attempt.id))
                    finished.extend([attempt.id] * (ok + late))
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(i for _, i in claims) == ids
    assert Counter(finished) == Counter(ids)
    assert results(setup) == 40
    with setup.session() as s:
        assert set(s.execute(select(Attempt.state)).scalars()) == {"graded"}
    setup.close()


def test_a_failure_of_the_grading_machinery_puts_the_attempt_back(db: ServiceDatabase,
                                                                  tmp_path: Path) -> None:
    a = received(db, "ann", T0)

    def broken(root: str, student: str, execute: bool, folder: str) -> GradedSubmission:
        raise OSError("no space left on device")

    claimed = queue.claim(db, "w1", LEASE, T0)
    assert not grade_one(Course(tmp_path), db, "w1", claimed, False, LEASE, broken)
    with db.session() as s:
        row = s.get(Attempt, a.id)
        assert (row.state, row.infra_retries, row.lease_owner) == ("queued", 1, None)
        assert "no space left" in row.message
    assert results(db) == 0
