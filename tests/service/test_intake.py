"""Receiving submissions: zips and nbgrader's exchange, refused whole before anything is stored."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeReleaseAssignment, ExchangeSubmit
from nbgrader.utils import parse_utc
from traitlets.config import Config

from autograder.course.late import read_timestamp
from autograder.course.layout import ASSIGNMENT, Course
from autograder.service import queue
from autograder.service.database import ServiceDatabase, open_database, service_dir
from autograder.service.intake import Refused, receive_from_exchange, receive_zip
from tests.fixtures.course_notebook import NOTEBOOK, new_fixture_course

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Course, Path]:
    return new_fixture_course(tmp_path_factory.mktemp("intake"))


@pytest.fixture
def course(built: tuple[Course, Path]) -> Course:
    """The module's course with an empty service (each test starts without attempts)."""
    course = built[0]
    folder = course.root / "service"
    shutil.rmtree(folder, ignore_errors=True)
    return course


def zipped(folder: Path, extra: dict[str, bytes] | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"training_nn/{path.relative_to(folder).as_posix()}")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    buffer.seek(0)
    return buffer


def stored(course: Course) -> list[str]:
    base = service_dir(course) / "attempts"
    return sorted(p.name for p in base.iterdir()) if base.is_dir() else []


def test_zip_stored_queued_and_superseded(course: Course, built: tuple[Course, Path]) -> None:
    perfect = built[1]
    db = open_database(course)
    first = receive_zip(course, db, "ann", zipped(perfect), NOW)
    second = receive_zip(course, db, "ann", zipped(perfect), NOW + timedelta(minutes=1))
    folder = service_dir(course) / second.folder
    assert (folder / f"{NOTEBOOK}.ipynb").read_bytes() == \
        (perfect / f"{NOTEBOOK}.ipynb").read_bytes()
    assert read_timestamp(folder) == datetime(2026, 12, 1, 12, 1)  # nbgrader's naive UTC
    assert (service_dir(course).stat().st_mode & 0o777) == 0o700
    assert [a.state for a in queue.attempts_of(db, "ann")] == ["queued", "superseded"]
    assert first.sha256 == second.sha256 and first.size == second.size > 0
    assert stored(course) == sorted([str(first.id), str(second.id)])


@pytest.mark.parametrize(("student", "upload", "expected"), [
    ("ann", b"not a zip", "not a zip file"),
    ("../bob", None, "invalid student id"),
    ("ann", {"training_nn/../../evil.py": b"x"}, "path traversal"),
    ("ann", {"training_nn/big.bin": b"0" * 3_000_000}, "limit"),
])
def test_refused_whole_and_nothing_stored(course: Course, built: tuple[Course, Path],
                                          student: str, upload: object, expected: str) -> None:
    db = open_database(course)
    if isinstance(upload, bytes):
        data = io.BytesIO(upload)
    else:
        data = zipped(built[1], upload if isinstance(upload, dict) else None)
    config = course.config.read_text()
    course.config.write_text(config + "\nc.SubmissionLimits.max_file_bytes = 2000000\n")
    try:
        with pytest.raises(Refused, match=expected) as refused:
            receive_zip(course, db, student, data, NOW)
    finally:
        course.config.write_text(config)
    assert "\n" not in str(refused.value)
    assert queue.attempts_of(db, student) == [] and stored(course) == []


def _nbgrader_submit(exchange: Config, folder: Path, student: str) -> None:
    """``nbgrader submit`` of ``folder/training_nn`` as ``student``: nbgrader's own exchange."""
    config = Config(exchange)
    config.CourseDirectory.student_id = student
    config.Exchange.assignment_dir = str(folder)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = ASSIGNMENT
    ExchangeSubmit(coursedir=coursedir, authenticator=Authenticator(config=config),
                   config=config).start()


def test_exchange_pickup(course: Course, built: tuple[Course, Path], tmp_path: Path) -> None:
    """Submissions made by nbgrader's exchange (release, then two submits) are picked up."""
    config = course.config.read_text()
    course.config.write_text(config + f"\nc.Exchange.root = {str(tmp_path / 'exchange')!r}\n"
                             "c.CourseDirectory.course_id = 'cs231n'\n")
    exchange = Config()
    exchange.Exchange.root = str(tmp_path / "exchange")
    exchange.Exchange.cache = str(tmp_path / "cache")
    exchange.CourseDirectory.course_id = "cs231n"
    exchange.CourseDirectory.root = str(tmp_path / "instructor")
    released = tmp_path / "instructor" / "release" / ASSIGNMENT
    shutil.copytree(built[1], released)
    (tmp_path / "exchange").mkdir()
    coursedir = CourseDirectory(config=exchange)
    coursedir.assignment_id = ASSIGNMENT
    ExchangeReleaseAssignment(coursedir=coursedir, authenticator=Authenticator(config=exchange),
                              config=exchange).start()
    student = tmp_path / "ann-home"
    shutil.copytree(built[1], student / ASSIGNMENT)
    db: ServiceDatabase = open_database(course)
    try:
        with pytest.raises(Refused, match="no submission"):
            receive_from_exchange(course, db, "ann", NOW)
        _nbgrader_submit(exchange, student, "ann")
        (student / ASSIGNMENT / "extra.txt").write_text("newest")
        _nbgrader_submit(exchange, student, "ann")
        inbound = sorted((tmp_path / "exchange" / "cs231n" / "inbound").iterdir())
        assert len(inbound) == 2 and all(p.name.startswith("ann+training_nn+") for p in inbound)
        attempt = receive_from_exchange(course, db, "ann", NOW)
        folder = service_dir(course) / attempt.folder
        assert (folder / "extra.txt").read_text() == "newest"  # the newest one
        newest = max((p / "timestamp.txt").read_text() for p in inbound)
        assert read_timestamp(folder) == parse_utc(newest).replace(tzinfo=None)
        with pytest.raises(Refused, match="already received"):
            receive_from_exchange(course, db, "ann", NOW)
        assert len(queue.attempts_of(db, "ann")) == 1
    finally:
        course.config.write_text(config)
