"""Fixtures of the service tests: its database on SQLite and on a throwaway PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.service.database import ServiceDatabase
from tests.fixtures.postgres import PostgresServer, start_postgres

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    yield from start_postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty service database: SQLite in a file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/service.db"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"service_{next(_names)}")


@pytest.fixture
def db(db_url: str) -> Iterator[ServiceDatabase]:
    database = ServiceDatabase(db_url)
    yield database
    database.close()
