"""The warm server's nbgrader runs: one SQLAlchemy engine per gradebook URL.

The first assertion fails if nbgrader stops building its gradebook's engine through
``nbgrader.api.create_engine`` (the name ``shared_engines`` replaces).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.course.layout import nbgrader_env
from autograder.course.shared_engine import shared_engines


def _ids(gradebook: Gradebook) -> list[str]:
    return sorted(student.id for student in gradebook.students)


def test_gradebooks_of_one_url_share_an_engine_that_outlives_each_close(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # a new gradebook runs alembic
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with shared_engines():
        with Gradebook(url) as first:
            first.add_student("ada")
            engine = first.engine
        with Gradebook(url) as second:  # the first one's close() disposed of the engine
            assert second.engine is engine
            assert _ids(second) == ["ada"]
            with Gradebook(url) as third:  # open at the same time, closed first
                assert third.engine is engine
                third.add_student("bob")
            second.add_student("cy")  # its connection survived the third's close()
        with Gradebook(f"sqlite:///{tmp_path / 'other.db'}") as other:
            assert other.engine is not engine and _ids(other) == []
    with Gradebook(url) as after:  # outside the block: nbgrader's own engine again
        assert after.engine is not engine
        assert _ids(after) == ["ada", "bob", "cy"]
