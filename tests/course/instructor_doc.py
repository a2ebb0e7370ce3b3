"""The commands of docs/instructor.md, and which test runs each of them.

A code block is named by the heading it stands under. Every command of every ``bash``
block is either run as written by a test (its block's heading is in ``RUN_AS_WRITTEN``
with the tests that run it; they ask for the block by that heading through
``commands_under``), or the same command stands in a block that is, or it is in
``NOT_RUN`` with the reason no test runs it. ``tests/maintain/test_instructor_doc.py``
checks that no other command is in the guide.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "instructor.md"
TERM = "tests/course/test_term.py"
TERM_FIXTURE = f"{TERM}::term"
MID_TERM = f"{TERM}::test_a_task_added_and_repointed_mid_term_keeps_every_grade"

# Heading of a block -> the tests that run all its commands as written, in order.
RUN_AS_WRITTEN: dict[str, tuple[str, ...]] = {
    "Step 1: set up the course and release it": (TERM_FIXTURE,),
    "Step 2: hand-ins, on time, late and with an extension": (TERM_FIXTURE,),
    "Step 3: autograde": (TERM_FIXTURE,),
    "Step 5: change the assignment mid-term: add a task, change points": (MID_TERM,),
    "Step 6: regrade what changed": (MID_TERM,),
    "Step 7: feedback, the class report and the grades out": (TERM_FIXTURE, MID_TERM),
}

# A command no test runs as written -> why, and what runs in its place.
NOT_RUN: dict[str, str] = {
    "python3 -m venv .venv && . .venv/bin/activate":
        "makes the environment the tests themselves run in",
    'pip install -e ".[dev]"':
        "needs the network; CI installs the package this way before any test runs",
    "sudo apt-get install bubblewrap":
        "needs root and the network; the sandbox tests (tests/grader/test_attacks.py, "
        "test_hostile.py) use the bubblewrap installed on the machine",
    "cs231n-course demo":
        "builds and grades a whole course of made-up students (minutes of CPU); the "
        "term test runs the same stages, and tests/course/test_cli.py checks that the "
        "demo's bugs still apply to the reference",
    "cd course/":
        "with `jupyter lab`: a server for a person's browser; tests/course/formgrader.py "
        "starts JupyterLab in the course folder during the term test and grades in Chromium",
    "jupyter lab":
        "starts a server for a person's browser; tests/course/formgrader.py starts it in "
        "the course folder (tests/fixtures/browser.py) during the term test",
    "cs231n-course collect training_nn/ --out submission.zip":
        "needs a folder whose notebooks were run top to bottom; tests/course/test_collect.py "
        "runs collect on such folders of its own",
    "cs231n-course submit course/ alice submission.zip":
        "the term hands alice in through Canvas's zip and dave as a folder; "
        "tests/course/test_limits.py submits zips (one over the limits, one whose headers lie)",
    "python -m pytest -q tests/grader/test_mutants.py":
        "is a test run; the test suite runs that file",
    "python -m pytest -q":
        "is the whole test suite",
    "python -m autograder.maintain.build_stubs":
        "rewrites the repository's stubs; tests/maintain/test_stubs.py checks that they "
        "are what it would write",
    "python -m autograder.maintain.build_public":
        "rewrites the self-check's stored answers; tests/check/test_public_check.py checks "
        "that they are fresh",
    "cs231n-course grade perfect/":
        "grades every task of the package (the trusted grader's full run); "
        "tests/course/test_course_pipeline.py runs `grade FOLDER --json` on a submission",
    "cs231n-course grade perfect/ --json":
        "as `grade perfect/`; tests/course/test_course_pipeline.py runs `grade FOLDER --json`",
}

_HEADING = re.compile(r"^#{2,4} (.+)$")
_FENCE = re.compile(r"^```(\w*)$")
_COMMENT = re.compile(r"\s+#.*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of the guide and the heading it stands under."""

    heading: str
    language: str
    text: str

    def commands(self) -> list[str]:
        """Its non-empty lines, without a trailing ``# comment``."""
        lines = (_COMMENT.sub("", line).strip() for line in self.text.splitlines())
        return [line for line in lines if line]


def blocks(text: str | None = None) -> list[Block]:
    """Every fenced code block of ``text`` (default: the guide), in order."""
    found: list[Block] = []
    heading, language, body = "", None, []  # language is None outside a block
    for line in (DOCS.read_text() if text is None else text).splitlines():
        fence = _FENCE.match(line.strip())  # a block in a list item is indented
        if language is None and fence:
            language, body = fence.group(1), []
        elif language is not None and line.strip() == "```":
            found.append(Block(heading, language, textwrap.dedent("\n".join(body))))
            language = None
        elif language is not None:
            body.append(line)
        elif match := _HEADING.match(line):
            heading = match.group(1).strip()
    return found


def commands_under(heading: str, language: str = "bash") -> list[str]:
    """The commands of the ``language`` blocks under ``heading``, as written."""
    found = [c for b in blocks() if b.heading == heading and b.language == language
             for c in b.commands()]
    assert found, f"docs/instructor.md has no {language} block under {heading!r}"
    return found


def uncovered(text: str | None = None) -> list[str]:
    """Commands of the ``bash`` blocks of ``text`` that no test runs and no reason excuses."""
    bash = [b for b in blocks(text) if b.language == "bash"]
    run = {c for b in bash if b.heading in RUN_AS_WRITTEN for c in b.commands()}
    return [c for b in bash for c in b.commands() if c not in run and c not in NOT_RUN]
