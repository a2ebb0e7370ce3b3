"""Receiving a submission: a zip upload, or a pick-up from nbgrader's exchange.

Each is checked whole against the course's size limits (``course/limits.py``; a zip
from its central directory, ``course/unzip.py``) before a byte of it is stored. It is
then unpacked into a new folder, ``<course>/service/attempts/<id>/training_nn``, which
no later step changes, with nbgrader's ``timestamp.txt`` saying when it was handed in:
the time the service received it (a zip's own entry times come from the student's
machine), or the exchange's time of submission. The attempt is queued in the same
transaction that stores it (``queue.enqueue``).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from nbgrader.utils import parse_utc
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from autograder.course.late import TIMESTAMP_FILE, write_timestamp
from autograder.course.layout import ASSIGNMENT, Course, CourseError
from autograder.course.limits import LimitError, Limits, copy_stream, course_limits, size_text
from autograder.course.submissions import check_student_id, copy_folder
from autograder.course.unzip import check_zip, extract_zip
from autograder.service.database import ServiceDatabase, service_dir
from autograder.service.models import Attempt
from autograder.service.queue import attempts_of, enqueue

ATTEMPTS = "attempts"  # in <course>/service
# A zip's own headers and directory on top of the files' bytes it may carry.
ZIP_OVERHEAD = 1 << 20
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"  # nbgrader's default Exchange.root


class Refused(Exception):
    """A submission that is not stored; the message is one line the student can act on."""


def _place(course: Course, fill: Callable[[Path], None],
           handed_in: datetime) -> Callable[[int], str]:
    """Fill a new folder, then move it to the attempt's place once its id is known."""

    def place(attempt_id: int) -> str:
        base = service_dir(course) / ATTEMPTS
        base.mkdir(mode=0o700, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".incoming-", dir=base))
        try:
            fill(work / ASSIGNMENT)
            (work / ASSIGNMENT / TIMESTAMP_FILE).unlink(missing_ok=True)  # the time is ours
            write_timestamp(work / ASSIGNMENT, handed_in.astimezone(timezone.utc)
                            .replace(tzinfo=None))
            final = base / str(attempt_id)
            if final.exists():  # left by a store whose transaction failed: not an attempt
                shutil.rmtree(final)
            work.rename(final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return f"{ATTEMPTS}/{attempt_id}/{ASSIGNMENT}"

    return place


def _check_student(student: str) -> None:
    try:
        check_student_id(student)
    except CourseError as exc:
        raise Refused(str(exc)) from None


def _limits(course: Course) -> Limits:
    try:
        return course_limits(course.config)
    except LimitError as exc:  # the instructor's config, not the student's doing
        raise CourseError(str(exc)) from None


def receive_zip(course: Course, db: ServiceDatabase, student: str, data: BinaryIO,
                now: datetime) -> Attempt:
    """Check, store and enqueue one zipped submission of ``student``; Refused says why not.

    The upload is read up to the course's limit on a submission's bytes (and a zip's
    overhead), then its central directory is checked (``unzip.check_zip``) before
    anything is written; the members are extracted counting their real bytes.
    """
    _check_student(student)
    limits = _limits(course)
    buffer = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    try:
        try:
            size = copy_stream(data, buffer, limits.max_total_bytes + ZIP_OVERHEAD, "the upload")
        except LimitError:
            raise Refused(f"the upload is larger than the limit of "
                          f"{size_text(limits.max_total_bytes)}: hand in only the assignment "
                          f"folder") from None
        buffer.seek(0)
        digest = hashlib.sha256()
        while chunk := buffer.read(1 << 20):
            digest.update(chunk)
        buffer.seek(0)
        try:
            zf = zipfile.ZipFile(buffer)
        except zipfile.BadZipFile:
            raise Refused("the upload is not a zip file: zip the assignment folder "
                          "(python -m cs231n_core.check.handin)") from None
        with zf:
            try:
                members = check_zip(zf, limits)
            except LimitError as exc:
                raise Refused(f"the zip was refused: {exc} ({limits.describe()})") from None
            if not members:
                raise Refused("the zip holds no files: zip the assignment folder")

            def fill(dest: Path) -> None:
                try:
                    extract_zip(zf, members, dest, limits)
                except (LimitError, zipfile.BadZipFile, EOFError) as exc:
                    raise Refused(f"the zip was refused: {exc}") from None

            attempt = Attempt(student=student, received_at=now.astimezone(timezone.utc),
                              sha256=digest.hexdigest(),
                              size=size)
            return enqueue(db, attempt, _place(course, fill, now))
    finally:
        buffer.close()


# --------------------------------------------------------------------------- nbgrader's exchange


def exchange_inbound(course: Course) -> Path:
    """``<Exchange.root>/<CourseDirectory.course_id>/inbound``, from the course's config."""
    try:
        config = PyFileConfigLoader(course.config.name, path=str(course.root)).load_config()
    except ConfigFileNotFound:
        raise CourseError(f"{course.config} is missing") from None
    root = config.Exchange.get("root", DEFAULT_EXCHANGE)
    course_id = config.CourseDirectory.get("course_id", "")
    if not course_id:
        raise CourseError("the exchange needs c.CourseDirectory.course_id in nbgrader_config.py")
    return Path(root) / course_id / "inbound"


def _exchange_time(name: str) -> datetime | None:
    """The submission time in an inbound folder's name (``student+assignment+time[+random]``)."""
    parts = name.rsplit("+", 3)  # as nbgrader's collect splits it: ids may hold '+'
    try:
        when = parse_utc(parts[2]) if len(parts) >= 3 else None
    except (ValueError, OverflowError):
        return None
    return when.replace(tzinfo=timezone.utc) if when is not None else None


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != TIMESTAMP_FILE:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def receive_from_exchange(course: Course, db: ServiceDatabase, student: str,
                          now: datetime) -> Attempt:
    """Enqueue ``student``'s newest submission in nbgrader's exchange (``nbgrader submit``).

    Checked against the limits before it is copied (``submissions.copy_folder``); its
    hand-in time is the exchange's. The same exchange submission is not taken twice.
    """
    _check_student(student)
    limits = _limits(course)
    inbound = exchange_inbound(course)
    found = []
    for path in inbound.glob(f"{student}+{ASSIGNMENT}+*"):
        when = _exchange_time(path.name)
        if when is not None and path.name.rsplit("+", 3)[0] == student and path.is_dir():
            found.append((when, path))
    if not found:
        raise Refused(f"no submission of {ASSIGNMENT} from you in the exchange: submit it from "
                      f"JupyterLab's Assignments tab first")
    handed_in, folder = max(found)
    digest = _folder_digest(folder)
    for old in attempts_of(db, student):
        if old.sha256 == digest:
            raise Refused(f"your newest exchange submission was already received as attempt "
                          f"{old.id}: submit again from JupyterLab to send a new one")

    def fill(dest: Path) -> None:
        try:
            copy_folder(folder, dest, limits)
        except LimitError as exc:
            raise Refused(f"the submission was refused: {exc} ({limits.describe()})") from None

    size = sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file())
    attempt = Attempt(student=student, received_at=now.astimezone(timezone.utc), sha256=digest,
                      size=size)
    return enqueue(db, attempt, _place(course, fill, handed_in))
