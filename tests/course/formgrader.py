"""A grader's work in nbgrader's formgrader, in Chromium, and an autograde run after it.

Used by the term (``test_term.py``): one student's notebook of the fixture course is
opened in the formgrader of a JupyterLab started in the course folder; the grader types
a score and a comment for the written answer and extra credit on the trusted task's
cell, as a person would (each field saved by the formgrader when it loses focus), and
the student is autograded again. What the gradebook holds is read after each step.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.course.autograde import autograde
from autograder.course.layout import ASSIGNMENT, Course, open_gradebook
from tests.fixtures.browser import (
    TOKEN,
    formgrader_url,
    jupyter_lab,
    screenshot,
    shared_chromium,
)
from tests.fixtures.course_notebook import NOTEBOOK
from tests.fixtures.script_payload import submission_id

ANSWER = "fixture_question"  # the written answer, 1 point
TASK_CELL = "layers-affine_forward"  # the trusted grader's cell of layers.affine_forward, 2 points
SCORE, COMMENT, EXTRA = "1", "Right: one row per example, so one matrix product.", "0.5"
PAGE_TIMEOUT = 90_000  # ms; JupyterLab and nbgrader start slowly on a busy 2-core machine


@dataclass(frozen=True)
class CellState:
    """One grade cell of a student in the gradebook."""

    auto_score: float | None
    manual_score: float | None
    extra_credit: float | None
    needs_manual_grade: bool
    comment: str | None


@dataclass(frozen=True)
class FormgraderStep:
    """The gradebook after the formgrader and after the autograde that followed it."""

    graded: dict[str, CellState]
    reautograded: dict[str, CellState]
    shown: dict[str, str | bool]  # the formgrader's fields after the autograde
    screenshot: Path


def cell_states(course: Course, student: str) -> dict[str, CellState]:
    """Every grade cell of ``student``'s fixture notebook, by grade id."""
    with open_gradebook(course) as gb:
        nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        comments = {c.name: c.manual_comment for c in nb.comments}
        return {g.name: CellState(g.auto_score, g.manual_score, g.extra_credit,
                                  bool(g.needs_manual_grade), comments.get(g.name))
                for g in nb.grades}


def log_in(page, base: str) -> None:
    """Log in on the Jupyter server's login page, as a person with the token does.

    A token in the page's address lets only that page in: the formgrader's own requests
    (loading and saving grades) need the login cookie.
    """
    page.goto(f"{base}/login")
    page.locator("#password_input").fill(TOKEN)
    page.locator("#login_submit").click()
    page.wait_for_url("**/lab**", timeout=PAGE_TIMEOUT)


def _type_and_save(page, selector: str, text: str, api: str) -> None:
    """Type ``text`` into a formgrader field and leave it; wait until the server stored it."""
    field = page.locator(selector)
    with page.expect_response(lambda r: f"/formgrader/api/{api}/" in r.url
                              and r.request.method == "PUT" and r.ok, timeout=PAGE_TIMEOUT):
        field.fill(text)
        field.press("Tab")  # the formgrader saves a field on its change event


def _wait_ready(page) -> None:
    """Wait until the formgrader has loaded the grades and comments into its fields."""
    for ready in (f"input.extra-credit#{TASK_CELL}_extra_credit[placeholder]",
                  f"textarea#{ANSWER}-comment[placeholder]"):
        page.locator(ready).wait_for(timeout=PAGE_TIMEOUT)  # placeholders are set then


def _shown(page) -> dict[str, str | bool]:
    """What the formgrader shows in the fields this step uses."""
    return {
        "answer score": page.locator(f"input.score#{ANSWER}").input_value(),
        "answer queued": "needs_manual_grade" in (
            page.locator(f"input.score#{ANSWER}").get_attribute("class") or ""),
        "comment": page.locator(f"textarea#{ANSWER}-comment").input_value(),
        "task extra credit": page.locator(f"input.extra-credit#{TASK_CELL}_extra_credit")
        .input_value(),
    }


def grade_in_formgrader(course: Course, student: str, shots: Path) -> FormgraderStep:
    """Grade ``student``'s answer and give extra credit in the formgrader; autograde again.

    The formgrader's page is loaded again after the autograde, to read what it shows then.
    """
    browser = shared_chromium()
    with tempfile.TemporaryDirectory(prefix="formgrader-lab-") as state, \
            jupyter_lab(course.root, Path(state)) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            log_in(page, base)
            page.goto(formgrader_url(base, submission_id(course, student)))
            _wait_ready(page)
            _type_and_save(page, f"input.score#{ANSWER}", SCORE, "grade")
            _type_and_save(page, f"textarea#{ANSWER}-comment", COMMENT, "comment")
            _type_and_save(page, f"input.extra-credit#{TASK_CELL}_extra_credit", EXTRA, "grade")
            page.locator(f"textarea#{ANSWER}-comment").scroll_into_view_if_needed()
            shot = screenshot(page, f"formgrader_{student}", shots, full_page=False)
            graded = cell_states(course, student)
            autograde(course, [student], progress=lambda _: None)
            page.reload()
            _wait_ready(page)
            shown = _shown(page)
        finally:
            page.close()
    return FormgraderStep(graded, cell_states(course, student), shown, shot)
