"""Who is asking: standalone tokens issued from the roster, or JupyterHub's OAuth.

Standalone, ``cs231n-course tokens COURSE`` gives every student of the roster one random
token (and the instructors one each), written to ``<course>/service/tokens.csv`` (mode
0600) for the instructor to hand out. The database keeps only each token's SHA-256:
a token carries 256 random bits, so a fast hash is as safe as a slow one and a leaked
database gives no token. Issuing a person's token again replaces the old hash, which
revokes the old token and every session opened with it (a session names the token's
serial, checked on each request). A token is typed once into the login form and
exchanged for a signed session cookie, so it never appears in a URL.

Under JupyterHub, people come from the Hub's OAuth instead (``service/hub.py``): an
authenticator that is also a ``RedirectLogin`` sends the browser elsewhere to sign in, and
the session cookie that follows is the same as standalone.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from autograder.course.layout import Course, CourseError
from autograder.course.roster import class_roster
from autograder.course.submissions import check_student_id
from autograder.service.database import ServiceDatabase, service_dir
from autograder.service.models import Base

Role = Literal["student", "instructor"]
TOKEN_BYTES = 32
TOKENS_FILE = "tokens.csv"
SECRET_FILE = "secret"
DEFAULT_INSTRUCTOR = "instructor"
TOKEN_COLUMNS = ("role", "id", "token")


class AccessToken(Base):
    """The hash of one person's current token; one row per (role, person)."""

    __tablename__ = "access_tokens"

    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    person: Mapped[str] = mapped_column(String(128), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    # Random, stored in the session: a new token gets a new serial, ending old sessions.
    serial: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Person:
    """Someone logged in: a student of the roster or an instructor."""

    id: str
    role: Role
    serial: str

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), never visible wider.

    The file is created 0600 before any byte is written, and an existing file is
    narrowed to 0600 first, so no moment exists where another user could read it.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            fd = -1
            f.write(text)
    finally:
        if fd >= 0:
            os.close(fd)


def session_secret(course: Course) -> str:
    """The key that signs session cookies: ``<course>/service/secret`` (0600), made once."""
    path = service_dir(course) / SECRET_FILE
    if not path.exists():
        write_private(path, secrets.token_urlsafe(48))
    if path.stat().st_mode & 0o077:
        raise CourseError(f"{path} is readable by other users: chmod 600 {path}")
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise CourseError(f"{path} holds too short a key: delete it and restart the service")
    return secret


def _read_tokens_file(path: Path) -> dict[tuple[str, str], str]:
    if not path.exists():
        return {}
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {(r["role"], r["id"]): r["token"] for r in rows if r.get("token")}


def issue_tokens(course: Course, db: ServiceDatabase, now: datetime,
                 students: Iterable[str] | None = None,
                 instructors: Iterable[str] = ()) -> tuple[Path, list[tuple[str, str]]]:
    """New tokens for ``students`` and ``instructors``; returns the file and who got one.

    ``students`` None: every roster student who has no token yet, so a student added to
    the roster later gets one and nobody loses theirs. A student or instructor named
    gets a new token, which revokes the old one. The file keeps the tokens of everyone
    not issued again.
    """
    roster = {entry.id for entry in class_roster(course)}
    with db.session() as s:
        holders = set(s.scalars(select(AccessToken.person).where(AccessToken.role == "student")))
    chosen = (sorted(roster - holders) if students is None
              else list(dict.fromkeys(students)))
    unknown = [s for s in chosen if s not in roster]
    if unknown:
        raise CourseError(f"not in the roster: {', '.join(unknown)} "
                          "(add them with `cs231n-course roster import`)")
    people: list[tuple[str, str]] = [("student", s) for s in chosen]
    for name in dict.fromkeys(instructors):
        try:
            check_student_id(name)  # the same rule as student ids: one plain word, no markup
        except CourseError:
            raise CourseError(f"invalid instructor name {name!r} (use letters, digits, "
                              "'-', '_')") from None
        people.append(("instructor", name))
    path = service_dir(course) / TOKENS_FILE
    tokens = _read_tokens_file(path)
    fresh = {person: secrets.token_urlsafe(TOKEN_BYTES) for person in people}
    with db.session() as s:
        for (role, person), token in fresh.items():
            row = s.get(AccessToken, (role, person))
            if row is None:
                row = AccessToken(role=role, person=person)
                s.add(row)
            row.digest = digest(token)
            row.serial = secrets.token_hex(16)
            row.issued_at = now
    tokens.update(fresh)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TOKEN_COLUMNS)
    for (role, person), token in sorted(tokens.items()):
        writer.writerow([role, person, token])
    write_private(path, out.getvalue())
    return path, people


class StandaloneAuthenticator:
    """People identified by the tokens of ``issue_tokens``."""

    def __init__(self, db: ServiceDatabase) -> None:
        self.db = db

    def login(self, token: str) -> Person | None:
        """The person whose current token is ``token``, or None."""
        token = token.strip()
        if not token or len(token) > 200:
            return None
        wanted = digest(token)
        with self.db.session() as s:
            row = s.scalars(select(AccessToken).where(AccessToken.digest == wanted)).first()
            # The index found the row; compare in constant time all the same.
            if row is None or not hmac.compare_digest(row.digest, wanted):
                return None
            return Person(row.person, "student" if row.role == "student" else "instructor",
                          row.serial)

    def still_valid(self, person: Person) -> bool:
        """False once the person's token was issued again (or withdrawn)."""
        with self.db.session() as s:
            row = s.get(AccessToken, (person.role, person.id))
            return row is not None and hmac.compare_digest(row.serial, person.serial)


class NotAllowed(Exception):
    """Someone the sign-in proved, whom this course does not admit; the message says why."""


class Authenticator(Protocol):
    """How the web application asks who someone is."""

    def login(self, token: str) -> Person | None:
        """The person holding ``token``, or None; raises ``NotAllowed`` for a known
        person this course does not admit."""

    def still_valid(self, person: Person) -> bool: ...


@runtime_checkable
class RedirectLogin(Protocol):
    """An authenticator whose sign-in happens elsewhere (JupyterHub's OAuth), not in a form."""

    def start(self, next_url: str) -> tuple[str, str]:
        """Where to send the browser, and the state to keep in its session until it returns."""

    def finish(self, code: str, state: str) -> tuple[Person, str]:
        """The person the returning browser's ``code`` proves, and where to send them next;
        raises ``NotAllowed`` (refused) or ``CourseError`` (the provider failed)."""

    def logout_url(self) -> str:
        """Where signing out ends (the provider's own sign-out)."""


def authenticator(kind: str, db: ServiceDatabase) -> Authenticator:
    """The standalone authenticator ("tokens"); JupyterHub's lives in ``service/hub.py``."""
    if kind != "tokens":
        raise CourseError(f"unknown authenticator {kind!r} (tokens or hub)")
    return StandaloneAuthenticator(db)
