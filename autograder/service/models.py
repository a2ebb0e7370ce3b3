"""The service's tables: one row per received submission (``Attempt``) and its one result.

Times are stored as naive UTC (SQLite keeps no zone) and always read back
timezone-aware, so a comparison never mixes the two kinds.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# An attempt's states. "failed" is the submission's own fault (message says why); a
# failure of the service puts the attempt back to "queued" instead (``infra_retries``).
QUEUED = "queued"
RUNNING = "running"
GRADED = "graded"
SUPERSEDED = "superseded"
FAILED = "failed"
STATES = (QUEUED, RUNNING, GRADED, SUPERSEDED, FAILED)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime, stored naive in UTC on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"a timezone-aware datetime is needed, not {value!r}")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None \
            else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """The service's tables; the web half adds its own on the same base."""


class Attempt(Base):
    """One received submission, from receipt through grading to whether it counts."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student: Mapped[str] = mapped_column(String(200), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    folder: Mapped[str] = mapped_column(String(500), default="")  # relative to <course>/service
    state: Mapped[str] = mapped_column(String(20), default=QUEUED)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    infra_retries: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_attempts_state_received", "state", "received_at"),)

    def __repr__(self) -> str:
        return f"Attempt({self.id}, {self.student!r}, {self.state})"


class Result(Base):
    """What grading an attempt produced; written once (``attempt_id`` is unique)."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The autograde-owned gradebook fields (autograde.read_record), as JSON.
    record_json: Mapped[str] = mapped_column(Text, default="null")
    notes_json: Mapped[str] = mapped_column(Text, default="[]")
    # The autograded notebooks: {relative path: [mode, base64 bytes]}, or null.
    files_json: Mapped[str] = mapped_column(Text, default="null")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    worker: Mapped[str] = mapped_column(String(200), default="")


class Worker(Base):
    """A grading worker and when it last showed it was alive (the dashboard counts them)."""

    __tablename__ = "workers"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
