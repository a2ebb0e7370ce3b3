"""Every command of docs/instructor.md is run by a test, or says why not.

The register is ``tests/course/instructor_doc.py``; the blocks it names are run as
written by the term test (``tests/course/test_term.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.course.instructor_doc import (
    DOCS,
    NOT_RUN,
    RUN_AS_WRITTEN,
    Block,
    blocks,
    uncovered,
)

ROOT = Path(__file__).resolve().parents[2]
WALK_THROUGH = ["Step 1", "Step 2", "Step 3", "Step 4", "Step 5", "Step 6", "Step 7"]


def test_every_command_of_the_guide_is_run_or_excused() -> None:
    assert uncovered() == [], "add each to a block a test runs, or to NOT_RUN with the reason"


def test_a_new_command_nobody_runs_is_caught() -> None:
    new = "\n## 99. New\n\n```bash\ncs231n-course frobnicate course/  # new\n```\n"
    added = DOCS.read_text() + new
    assert uncovered(added) == ["cs231n-course frobnicate course/"]
    # A command in a block the term runs is run as written, wherever else it stands.
    step = next(iter(RUN_AS_WRITTEN))
    again = added.replace("## 99. New", f"### {step}")
    assert uncovered(again) == []


def test_blocks_keep_their_heading_and_drop_comments() -> None:
    text = "## A\n\n```bash\nx --y  # why\n\n```\n### B\n```python\nz = 1\n```\n"
    assert blocks(text) == [Block("A", "bash", "x --y  # why\n"), Block("B", "python", "z = 1")]
    assert blocks(text)[0].commands() == ["x --y"]
    in_a_list = "## C\n\n1. Build.\n\n   ```bash\n   a  # one\n   b\n   ```\n"
    assert [b.commands() for b in blocks(in_a_list)] == [["a", "b"]]


@pytest.mark.parametrize("heading", sorted(RUN_AS_WRITTEN))
def test_each_registered_block_is_asked_for_by_its_tests(heading: str) -> None:
    assert any(b.heading == heading and b.language == "bash" for b in blocks()), heading
    for node in RUN_AS_WRITTEN[heading]:
        path, name = node.split("::")
        source = ROOT.joinpath(path).read_text()
        [function] = [f for f in ast.parse(source).body
                      if isinstance(f, ast.FunctionDef) and f.name == name]
        body = ast.get_source_segment(source, function) or ""
        assert f'"{heading}"' in body, f"{node} does not run the block under {heading!r}"


def test_no_reason_is_left_over() -> None:
    commands = {c for b in blocks() if b.language == "bash" for c in b.commands()}
    assert sorted(set(NOT_RUN) - commands) == []
    assert all(reason.strip() for reason in NOT_RUN.values())


def test_the_walk_through_is_in_the_order_of_a_term() -> None:
    headings = [line[4:] for line in DOCS.read_text().splitlines()
                if line.startswith("### Step ")]
    assert [h.split(":")[0] for h in headings] == WALK_THROUGH
    words = ["release", "late", "autograde", "formgrader", "mid-term", "regrade", "grades out"]
    assert all(word in h for word, h in zip(words, headings, strict=True)), headings
