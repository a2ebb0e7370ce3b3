"""No script of a submission runs in the instructor's browser (real nbgrader, real Chromium).

One student hands in every usual carrier of script (``tests/fixtures/script_payload.py``);
the course is autograded, feedback and the class report are written, and each page an
instructor opens is loaded in Chromium: the student's feedback page, nbgrader's annotated
notebook, the class report and the formgrader's page of the submission (a JupyterLab
server with nbgrader's extension, on loopback). No payload may leave a trace, the honest
text around the payloads must still show, and our pages must refuse script by their CSP.
A control page (the same notebook through plain nbconvert) shows the payloads would run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from nbconvert import HTMLExporter

from tests.fixtures.browser import (
    PAGE_PROBLEMS_JS,
    formgrader_url,
    jupyter_lab,
    screenshot,
    shared_chromium,
)
from tests.fixtures.course_notebook import NOTEBOOK
from tests.fixtures.script_payload import (
    ERROR_MESSAGE,
    HONEST,
    HONEST_ANSWER,
    HONEST_OUTPUT,
    HONEST_STREAM,
    HOSTILE,
    PROBE_JS,
    Watch,
    planted_course,
    ran,
    submission_id,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    return shared_chromium()


@pytest.fixture(scope="module")
def course(browser, tmp_path_factory):  # browser first: skip before building
    return planted_course(tmp_path_factory.mktemp("planted"))


@pytest.fixture(scope="module")
def formgrader(course, tmp_path_factory):
    # Started in the course folder, as an instructor does: nbgrader reads its config there.
    with jupyter_lab(course.root, tmp_path_factory.mktemp("formgrader-state")) as base:
        yield base


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def visit(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = Watch(page)
    return page, watch, watch.open(url)


def assert_csp_refuses_script(page) -> None:
    """An inline script and an event handler added now do not run, and CSP says why."""
    assert page.evaluate(PROBE_JS) == []
    csp = page.evaluate("() => window.__csp")
    assert any(v.startswith("script-src") for v in csp), csp


def test_control_plain_nbconvert_page_runs_the_payloads(browser, course, tmp_path) -> None:
    # Without the sanitiser and the CSP the planted notebook does run script: the
    # traces below are the ones the other tests look for.
    html, _ = HTMLExporter().from_filename(str(course.submitted(HOSTILE) / f"{NOTEBOOK}.ipynb"))
    plain = tmp_path / "plain.html"
    plain.write_text(html, encoding="utf-8")
    page, _, traces = visit(browser, plain.as_uri())
    assert ran(traces), traces
    assert traces["title"] == "PWNED" and traces["requests"]
    page.close()


def test_feedback_page_shows_the_error_message_as_text(browser, course, shots) -> None:
    page, _, traces = visit(browser, (course.feedback(HOSTILE) / "index.html").as_uri())
    screenshot(page, "no_script_feedback_index", shots)
    assert not ran(traces), traces
    assert page.title() == f"Feedback for {HOSTILE}: training_nn"
    row = page.locator("tr", has_text="layers.affine_forward").inner_text()
    assert "0 / 2" in row and ERROR_MESSAGE in row  # the markup is shown, as text
    assert page.locator("td img").count() == 0
    assert_csp_refuses_script(page)
    page.close()


def test_annotated_notebook_runs_no_planted_script(browser, course, shots) -> None:
    path = course.feedback(HOSTILE) / f"{NOTEBOOK}.html"
    page, watch, traces = visit(browser, path.as_uri())
    screenshot(page, "no_script_feedback_notebook", shots)
    assert not ran(traces), traces
    text = page.locator("body").inner_text()
    for honest in (*HONEST_OUTPUT, *HONEST_ANSWER, HONEST_STREAM):
        assert honest in text
    assert page.locator("svg").count() == 0  # SVG outputs are dropped (they can hold script)
    assert_csp_refuses_script(page)
    page.close()


def test_class_report_runs_no_script(browser, course, shots) -> None:
    page, _, traces = visit(browser, (course.root / "reports" / "class_report.html").as_uri())
    screenshot(page, "no_script_class_report", shots)
    assert not ran(traces), traces
    assert page.title() == "Class report: training_nn"
    assert page.evaluate(PAGE_PROBLEMS_JS) == []
    assert "planted" not in page.locator("body").inner_text()
    assert_csp_refuses_script(page)
    page.close()


def test_formgrader_runs_no_planted_script(browser, course, formgrader, shots) -> None:
    page, _, traces = visit(browser, formgrader_url(formgrader, submission_id(course, HOSTILE)))
    screenshot(page, "no_script_formgrader", shots)
    assert not ran(traces), traces
    text = page.locator("body").inner_text()
    for honest in (*HONEST_OUTPUT, *HONEST_ANSWER, HONEST_STREAM):
        assert honest in text
    page.close()
    # The honest student's page renders too (the sanitiser leaves clean notebooks alone).
    page, _, traces = visit(browser, formgrader_url(formgrader, submission_id(course, HONEST)))
    assert not ran(traces) and HONEST_ANSWER[0] not in page.locator("body").inner_text()
    assert "each example becomes one row of length D" in page.locator("body").inner_text()
    page.close()


def test_formgrader_sanitises_a_notebook_autograded_without_the_sanitiser(
    browser, course, formgrader, shots
) -> None:
    # An autograded notebook written by another pipeline (or before this one sanitised)
    # holds the payloads as handed in; the formgrader's exporter still cleans them.
    autograded = course.autograded(HOSTILE) / f"{NOTEBOOK}.ipynb"
    shutil.copy(course.submitted(HOSTILE) / f"{NOTEBOOK}.ipynb", autograded)
    page, _, traces = visit(browser, formgrader_url(formgrader, submission_id(course, HOSTILE)))
    screenshot(page, "no_script_formgrader_unsanitised", shots)
    assert not ran(traces), traces
    assert HONEST_ANSWER[1] in page.locator("body").inner_text()
    page.close()
