"""The service's database: SQLite in ``<course>/service/service.db`` or any SQLAlchemy URL.

SQLite is opened in WAL mode (readers never wait for the writer) with a busy
timeout, and every transaction begins ``IMMEDIATE``: a transaction that reads and
then writes would otherwise fail at once with "database is locked" when another
process wrote in between, instead of waiting its turn. PostgreSQL (e.g.
``postgresql+psycopg://user@host/db``) needs nothing of the kind: the queue locks rows
with ``SELECT ... FOR UPDATE SKIP LOCKED`` there (``queue``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from autograder.course.layout import Course, CourseError
from autograder.service.models import Base

SERVICE_DIR = "service"  # in the course directory
DB_FILE = "service.db"
BUSY_SECONDS = 60.0


def service_dir(course: Course) -> Path:
    """``<course>/service``, made private (0700) when it is created."""
    path = course.root / SERVICE_DIR
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # _sqlite_begin begins, not the driver
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class ServiceDatabase:
    """An engine and its sessions; the tables exist once it is open."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if url.startswith("sqlite"):
                self.engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
                event.listen(self.engine, "connect", _sqlite_connect)
                event.listen(self.engine, "begin", _sqlite_begin)
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
            try:
                Base.metadata.create_all(self.engine)
            except DBAPIError:  # another process created the tables at the same moment
                Base.metadata.create_all(self.engine)
        except ModuleNotFoundError as exc:
            raise CourseError(f"the database {self.safe_url} needs the driver {exc.name}: "
                              f"pip install 'cs231n-training-nn[service]'") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages and logs."""
        try:
            return self.engine.url.render_as_string(hide_password=True)
        except AttributeError:  # before the engine exists
            return self.url.split("@")[-1]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def default_url(course: Course) -> str:
    return f"sqlite:///{service_dir(course)}/{DB_FILE}"


def open_database(course: Course, url: str | None = None) -> ServiceDatabase:
    """The course's service database (``url`` None: SQLite in ``<course>/service/``)."""
    return ServiceDatabase(url or default_url(course))
