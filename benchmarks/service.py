"""The submission service under load: ``cs231n-course serve`` on loopback, students over HTTP.

``build_service_course`` makes the class course of ``benchmarks.classrun``, takes its
submissions back out of ``submitted/`` (the service puts the counted attempts there),
zips each kind of submission with ``cs231n_core.check.handin`` as a student hands it in
(the perfect one and the buggy ones: handin refuses the untouched release, never run),
imports a roster and issues tokens.
``serving`` starts the real server (uvicorn, ``--workers`` grading processes) in a
session of its own. Then:

* ``idle_feedback``: one student submits on the idle service and waits; the time from
  the upload POST to the attempt's graded state in the database;
* ``rush``: every student signs in (its own cookies, the CSRF token of the form) and
  the students submit in bursts, all at once per burst, like a deadline rush; then the
  run waits until nothing is queued or being graded and checks from the database that
  every submission sent is there and was graded (or failed on its own content) with
  exactly one result, or superseded with none.

Times to feedback run from just before the POST to the attempt's ``finished_at``, both
read from this machine's clock. The HTTP client is httpx (the ``dev`` extra).
"""

from __future__ import annotations

import contextlib
import csv
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import httpx
from sqlalchemy import func, select

from autograder.course.layout import Course
from autograder.course.roster import import_roster
from autograder.isolation.processes import kill_tree
from autograder.service.auth import issue_tokens
from autograder.service.database import ServiceDatabase, open_database
from autograder.service.models import FAILED, GRADED, QUEUED, RUNNING, SUPERSEDED, Attempt, Result
from autograder.service.stats import percentile
from benchmarks.classrun import build_class
from cs231n_core.check.handin import make_zip

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
INSTRUCTOR = "staff"
IDLE_STUDENT = "idle"  # submits alone, before the rush, so never under the rush's limits
START_SECONDS = 120.0


@dataclass
class ServiceCourse:
    """A course ready to serve: its students, their tokens and the zips they hand in."""

    course: Course
    students: list[str]  # the rush's students (the roster also holds IDLE_STUDENT)
    tokens: dict[str, str]  # student id -> token
    zips: list[Path]  # one per kind of submission; student i hands in zips[i % len]


def read_tokens(path: Path) -> dict[str, str]:
    """Student id -> token, from the tokens file ``issue_tokens`` wrote."""
    with open(path, newline="") as f:
        return {row["id"]: row["token"] for row in csv.DictReader(f) if row["role"] == "student"}


def prepare(course: Course, students: list[str], zips: list[Path]) -> ServiceCourse:
    """Import a roster of ``students`` and IDLE_STUDENT into ``course`` and issue tokens."""
    roster = course.root / "service-roster.csv"
    roster.write_text("id,first_name,last_name\n"
                      + "".join(f"{s},{s},Student\n" for s in [IDLE_STUDENT, *students]))
    import_roster(course, roster)
    db = open_database(course)
    try:
        path, _ = issue_tokens(course, db, datetime.now(timezone.utc), instructors=[INSTRUCTOR])
    finally:
        db.close()
    return ServiceCourse(course, students, read_tokens(path), zips)


def build_service_course(root: Path, n_students: int) -> ServiceCourse:
    """The class course of ``classrun.build_class``, emptied of submissions, with ``n_students``."""
    course_dir, _ = build_class(root, 1)  # writes every kind under root/students
    course = Course.open(course_dir)
    shutil.rmtree(course.root / "submitted")
    zips = []
    for kind in kinds_in(root / "students"):
        out = root / "zips" / f"{kind}.zip"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not make_zip(root / "students" / kind, out):  # no problems: the zip is written
            zips.append(out)
    assert zips, "no submission of the class could be zipped"
    return prepare(course, [f"s{i:03d}" for i in range(n_students)], zips)


def kinds_in(folder: Path) -> list[str]:
    """The submission folders the class was built from, the perfect one first."""
    return sorted((p.name for p in folder.iterdir() if p.is_dir()),
                  key=lambda name: (name != "perfect", name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(course: Course, log: Path, workers: int = 2,
            lease: int | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``cs231n-course serve`` on a free loopback port until /login answers; (url, process).

    ``lease``: ``serve --lease`` (None: the default).

    On exit it is stopped with SIGINT (uvicorn's clean stop; the worker pool stops with
    it) and, if still running after 30 s, killed with every process it started.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "autograder.course.cli", "serve", str(course.root),
            "--port", str(port), "--workers", str(workers),
            *(["--lease", str(lease)] if lease is not None else [])]
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_up(url, proc, log)
        yield url, proc
    finally:
        stop(proc)


def wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(log.read_text().splitlines()[-15:])
            raise RuntimeError(f"the service did not start:\n{tail}")
        time.sleep(0.25)


def stop(proc: subprocess.Popen) -> None:
    """SIGINT; a server still running 30 s later is killed with every process it started."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        proc.wait()


class Browser:
    """One browser's HTTP: a cookie jar, redirects not followed, the last page's CSRF token."""

    def __init__(self, url: str, timeout: float = 120) -> None:
        self.client = httpx.Client(base_url=url, timeout=timeout)
        self.csrf = ""

    def get(self, path: str) -> httpx.Response:
        response = self.client.get(path)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def close(self) -> None:
        self.client.close()


class Student(Browser):
    """A student signed in with their token, handing in zips."""

    def __init__(self, url: str, student: str, token: str) -> None:
        super().__init__(url)
        self.id = student
        self.get("/login")
        self.client.post("/login", data={"token": token, "csrf": self.csrf})
        if "/logout" not in self.get("/").text:
            raise RuntimeError(f"{student} could not sign in")

    def submit(self, zip_path: Path) -> datetime:
        """Upload ``zip_path``; the time just before the POST. A refusal raises."""
        sent = datetime.now(timezone.utc)
        with open(zip_path, "rb") as f:
            response = self.client.post(
                "/submit", data={"csrf": self.csrf},
                files={"submission": (zip_path.name, f, "application/zip")})
        if response.status_code != 303:
            raise RuntimeError(f"{self.id}: POST /submit answered {response.status_code}: "
                               f"{response.text[:300]}")
        self.get("/")  # the page after the redirect: the flash, and a fresh form
        return sent


def wait_drained(db: ServiceDatabase, timeout: float) -> None:
    """Until no attempt is queued or being graded."""
    deadline = time.monotonic() + timeout
    while True:
        with db.session() as s:
            pending = s.scalar(select(func.count(Attempt.id))
                               .where(Attempt.state.in_((QUEUED, RUNNING))))
        if not pending:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{pending} attempt(s) still waiting after {timeout:.0f} s")
        time.sleep(0.1)


def idle_feedback(url: str, service: ServiceCourse, db: ServiceDatabase,
                  runs: int = 3) -> tuple[list[float], list[float]]:
    """One submission at a time: seconds from the upload POST to the graded state, and
    the seconds of each one's grading task (``Result.seconds``, part of the former)."""
    student = Student(url, IDLE_STUDENT, service.tokens[IDLE_STUDENT])
    times, grading = [], []
    try:
        for _ in range(runs):
            sent = student.submit(service.zips[0])
            wait_drained(db, 300)
            with db.session() as s:
                newest = s.scalars(select(Attempt).where(Attempt.student == IDLE_STUDENT)
                                   .order_by(Attempt.id.desc())).first()
                assert newest is not None and newest.state == GRADED, newest
                assert newest.finished_at is not None
                times.append((newest.finished_at - sent).total_seconds())
                grading.append(s.scalar(select(Result.seconds)
                                        .where(Result.attempt_id == newest.id)) or 0.0)
    finally:
        student.close()
    return times, grading


@dataclass
class RushResult:
    """What the rush measured and what the database holds afterwards."""

    sent: int
    seconds: float  # from the first POST to the last result
    feedback: list[float]  # seconds to feedback of each graded (or failed) attempt
    grading: list[float] = field(default_factory=list)  # their grading tasks' seconds
    states: dict[str, int] = field(default_factory=dict)  # state -> attempts

    @property
    def finished(self) -> int:
        return len(self.feedback)

    def per_minute(self) -> float:
        return 60.0 * self.finished / self.seconds if self.seconds else 0.0


def plan(students: int, submissions: int) -> list[list[int]]:
    """Bursts: in each, every student (index) still owed a submission sends one."""
    bursts = []
    left = submissions
    while left > 0:
        bursts.append(list(range(min(students, left))))
        left -= len(bursts[-1])
    return bursts


def rush(url: str, service: ServiceCourse, db: ServiceDatabase, submissions: int,
         gap: float = 2.0, timeout: float = 1800.0) -> RushResult:
    """Students submit in bursts ``gap`` s apart; wait for the queue to drain; check it.

    Raises AssertionError when a submission sent is missing from the database, an
    attempt is left unfinished, or an attempt has a result count other than one
    (graded or failed) or zero (superseded).
    """
    people = [Student(url, s, service.tokens[s]) for s in service.students]
    bursts = plan(len(people), submissions)
    sent: dict[str, list[datetime]] = {p.id: [] for p in people}
    errors: list[Exception] = []
    barrier = threading.Barrier(len(people))

    def student_loop(index: int) -> None:
        person = people[index]
        zip_path = service.zips[index % len(service.zips)]
        for number, burst in enumerate(bursts):
            barrier.wait()  # the burst starts for everyone at once
            try:
                if index in burst:
                    sent[person.id].append(person.submit(zip_path))
            except Exception as exc:  # reported after the rush; the others go on
                errors.append(exc)
            if number < len(bursts) - 1:
                time.sleep(gap)

    threads = [threading.Thread(target=student_loop, args=(i,)) for i in range(len(people))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        wait_drained(db, timeout)
    finally:
        for p in people:
            p.close()
    return check_rush(db, sent)


def check_rush(db: ServiceDatabase, sent: dict[str, list[datetime]]) -> RushResult:
    """The rush's figures, after checking every submission sent was handled exactly once."""
    with db.session() as s:
        attempts = s.scalars(select(Attempt).where(Attempt.student.in_(list(sent)))
                             .order_by(Attempt.id)).all()
        results = dict(s.execute(select(Result.attempt_id, func.count(Result.id))
                                 .group_by(Result.attempt_id)).all())
        task_seconds = dict(s.execute(select(Result.attempt_id, Result.seconds)).all())
    mine: dict[str, list[Attempt]] = {student: [] for student in sent}
    for a in attempts:
        mine[a.student].append(a)
    feedback: list[float] = []
    grading: list[float] = []
    states: dict[str, int] = {}
    for student, times in sent.items():
        assert len(mine[student]) == len(times), \
            f"{student} sent {len(times)} submission(s), the database holds {len(mine[student])}"
        # One student's submissions are sequential, so the k-th POST made the k-th attempt.
        for when, a in zip(times, mine[student]):
            states[a.state] = states.get(a.state, 0) + 1
            if a.state in (GRADED, FAILED):
                assert results.get(a.id) == 1, f"attempt {a.id} has {results.get(a.id)} results"
                assert a.finished_at is not None
                feedback.append((a.finished_at - when).total_seconds())
                grading.append(task_seconds[a.id])
            else:
                assert a.state == SUPERSEDED, f"attempt {a.id} left {a.state}"
                assert a.id not in results, f"superseded attempt {a.id} has a result"
    first = min(t for times in sent.values() for t in times)
    last = max((a.finished_at for a in attempts if a.finished_at), default=first)
    return RushResult(sum(map(len, sent.values())), (last - first).total_seconds(), feedback,
                      grading, states)


Row = tuple[str, str, str, str]


def rows(idle: tuple[list[float], list[float]], res: RushResult, students: int,
         workers: int) -> list[Row]:
    """The section's lines in the table of ``python -m benchmarks``."""
    one, task = statistics.median(idle[0]), statistics.median(idle[1])
    p50, p95 = percentile(res.feedback, 0.5), percentile(res.feedback, 0.95)
    done = ", ".join(f"{n} {state}" for state, n in sorted(res.states.items()))
    return [
        (f"service, one submission on the idle service (median of {len(idle[0])})",
         f"{one:.2f} s to graded", f"of which grading {task:.2f} s; target 5 s",
         "within target" if one <= 5 else f"OVER target by {one - 5:.1f} s"),
        (f"service rush: {students} students, {res.sent} submissions in bursts",
         f"p50 {p50:.1f} s to feedback" if p50 is not None else "nothing graded",
         f"p95 {p95:.1f} s, target 60 s" if p95 is not None else "",
         "within target" if p95 is not None and p95 <= 60 else "OVER target"),
        (f"service rush: throughput, --workers {workers}", f"{res.per_minute():.1f} graded/min",
         f"{res.seconds:.0f} s first POST to last result, grading task median "
         f"{statistics.median(res.grading) if res.grading else 0:.1f} s",
         f"{done}; none lost, none twice"),
    ]


def run(root: Path, students: int, submissions: int, workers: int = 2,
        gap: float = 2.0) -> list[Row]:
    """Build, serve, measure idle then rush; the section's rows."""
    service = build_service_course(root / "build", students)
    db = open_database(service.course)
    try:
        with serving(service.course, root / "serve.log", workers) as (url, _):
            print("  service: idle submissions ...", file=sys.stderr, flush=True)
            idle = idle_feedback(url, service, db)
            print(f"  service: rush of {students} students, {submissions} submissions ...",
                  file=sys.stderr, flush=True)
            res = rush(url, service, db, submissions, gap)
    finally:
        db.close()
    return rows(idle, res, students, workers)
