"""docs/syllabus.md stays true: its points match the registry and the notebooks, and every
task and cell it names exists."""

from __future__ import annotations

import re

import nbformat
import pytest

from autograder.maintain.notebooks import ROOT, notebook_path
from autograder.registry import NOTEBOOKS, TASKS, TASKS_BY_ID

SYLLABUS = ROOT / "docs" / "syllabus.md"
TEXT = SYLLABUS.read_text(encoding="utf-8")
MAPPING, _, POINTS = TEXT.partition("\n## Points\n")


def rows(text: str) -> list[list[str]]:
    """The cells of every markdown table row of ``text`` (header and rule rows included)."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]


def written_points(name: str) -> float:
    nb = nbformat.read(notebook_path(name), as_version=4)
    return sum(
        float(meta.get("points", 0))
        for cell in nb.cells
        if (meta := cell.metadata.get("nbgrader", {})).get("solution") and meta.get("grade")
    )


def test_per_notebook_totals_match_the_registry_and_the_notebooks() -> None:
    table = {r[0]: [float(x) for x in r[1:4]] for r in rows(POINTS) if r[0] in NOTEBOOKS}
    assert set(table) == set(NOTEBOOKS), "one row per notebook"
    for name in NOTEBOOKS:
        auto = sum(t.points for t in TASKS if t.notebook == name)
        written = written_points(name)
        assert table[name] == [auto, written, auto + written], name
    total = next(r for r in rows(POINTS) if r[0] == "all")
    assert [float(x) for x in total[1:4]] == [
        sum(v[0] for v in table.values()),
        sum(v[1] for v in table.values()),
        sum(v[2] for v in table.values()),
    ]


def test_per_task_points_match_the_registry() -> None:
    documented = {
        r[0].strip("`"): float(r[1])
        for r in rows(POINTS)
        if r[0].startswith("`") and r[0].strip("`") in TASKS_BY_ID
    }
    assert documented == {t.id: float(t.points) for t in TASKS}


def test_every_task_is_mapped_to_a_lecture_point() -> None:
    named = set(re.findall(r"`([\w.]+)`", MAPPING))
    assert [t.id for t in TASKS if t.id not in named] == []


@pytest.mark.parametrize("number", sorted({name[:2] for name in NOTEBOOKS}))
def test_every_cell_named_in_the_mapping_exists(number: str) -> None:
    name = next(n for n in NOTEBOOKS if n.startswith(number))
    ids = {cell.get("id") for cell in nbformat.read(notebook_path(name), as_version=4).cells}
    named: set[str] = set()
    for row in rows(MAPPING):
        if len(row) < 2:
            continue
        # "01 `a`, `b`; 05 `c`": each part names cells of the notebook it starts with.
        for part in row[1].split(";"):
            if part.strip().startswith(number + " "):
                named |= set(re.findall(r"`([^`]+)`", part))
    assert named, f"no cell of notebook {number} is named"
    assert sorted(named - ids) == []
