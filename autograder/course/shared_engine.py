"""One SQLAlchemy engine per gradebook URL in each nbgrader run of the warm server.

nbgrader's ``Gradebook`` builds a new engine every time it is created (about 40 per
autograde run: the converter, every ``OverwriteCells``, ``SaveAutoGrades`` and
``TrustedGrades`` pass) and disposes of it in ``close()``. SQLAlchemy caches
compiled statements per engine, so each new engine compiles every query again, and
a profile of one run in the warm server spent about a third of the gradebook's time
there. Inside ``shared_engines()`` the ``create_engine`` that ``nbgrader.api``
calls returns one engine per URL and options. ``Engine.dispose()`` (called by
``Gradebook.close``) only closes the connections of the engine's pool and gives it a
new one, keeping the compiled cache, so a closed gradebook leaves the engine usable
by the next; connections still checked out by another open gradebook stay valid.

This replaces a name inside nbgrader (``nbgrader.api.create_engine``); the warm
server is its only user, and ``tests/course/test_shared_engine.py`` fails if
nbgrader stops building its engines through that name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy
from nbgrader import api as nbgrader_api
from sqlalchemy.engine import Engine

_ENGINES: dict[tuple[str, str], Engine] = {}


def _one_engine_per_url(url: Any, **options: Any) -> Engine:
    """``sqlalchemy.create_engine``, made once per URL and options while shared."""
    key = (str(url), repr(sorted(options.items())))
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = sqlalchemy.create_engine(url, **options)
    return engine


@contextmanager
def shared_engines() -> Iterator[None]:
    """nbgrader's gradebooks share one engine per URL until the block ends.

    The engines are made lazily, by the first gradebook of a URL; a process forked
    inside the block starts with the ones made before the fork, so the warm server
    enters the block before it makes any (it never opens a gradebook itself).
    """
    before = nbgrader_api.create_engine
    nbgrader_api.create_engine = _one_engine_per_url
    try:
        yield
    finally:
        nbgrader_api.create_engine = before
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
