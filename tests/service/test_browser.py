"""The submission service in a real browser (Debian's Chromium driven by Playwright).

A student signs in with their token, uploads the perfect submission's zip, watches the
page reload while it waits and reads the feedback; a second student can neither open
the first one's attempt (404) nor post a form without its CSRF token (403); the
instructor's dashboard reads well. Screenshots
go to a pytest temporary folder and, with CS231N_SCREENSHOTS=DIR, also to DIR.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fixtures.browser import PAGE_PROBLEMS_JS, screenshot, shared_chromium
from tests.service.serving import INSTRUCTOR, Running, running_service

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GRADED_MS = 90_000  # queue, sandboxed grading and a reload, on a busy 2-core machine


@pytest.fixture(scope="module")
def browser():
    return shared_chromium()


@pytest.fixture(scope="module")
def service(browser, tmp_path_factory) -> Running:  # browser first: skip before building
    with running_service(tmp_path_factory.mktemp("service")) as running:
        yield running


def sign_in(browser, service: Running, person: str):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.goto(f"{service.url}/")
    assert page.url.endswith("/login")
    page.fill("input[name=token]", service.tokens[person])
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert f"Signed in as {person}" in page.inner_text("header")
    return context, page


def test_a_student_submits_and_reads_the_feedback_another_cannot(
        browser, service, tmp_path: Path) -> None:
    ada, page = sign_in(browser, service, "ada")
    page.set_input_files("input[name=submission]", str(service.perfect_zip))
    page.click("form.upload button[type=submit]")
    page.wait_for_load_state("load")
    assert "Received" in page.inner_text("p.flash")
    # No script: the page's meta refresh reloads it until the attempt is graded.
    page.wait_for_selector("td.state-graded", timeout=GRADED_MS)
    screenshot(page, "service_student", tmp_path)
    assert page.evaluate(PAGE_PROBLEMS_JS) == []
    row = page.locator("tr", has=page.locator("td.state-graded")).inner_text()
    assert re.search(r"\d+ / \d+", row), row

    page.click("text=view")
    page.wait_for_load_state("load")
    assert re.fullmatch(r".*/attempts/\d+", page.url)
    feedback = page.inner_text("div.feedback")
    assert "affine_forward" in feedback
    screenshot(page, "service_feedback", tmp_path)
    assert page.evaluate(PAGE_PROBLEMS_JS) == []
    attempt_url = page.url

    bo, other = sign_in(browser, service, "bo")
    response = other.goto(attempt_url)
    assert response is not None and response.status == 404
    assert "affine_forward" not in other.inner_text("body")
    refused = bo.request.post(f"{service.url}/submit",
                              multipart={"submission": {"name": "a.zip",
                                                        "mimeType": "application/zip",
                                                        "buffer": service.perfect_zip
                                                        .read_bytes()}})
    assert refused.status == 403
    other.goto(f"{service.url}/")
    assert other.locator("a[href^='/attempts/']").count() == 0  # bo's page lists nothing
    ada.close()
    bo.close()

    staff, board = sign_in(browser, service, INSTRUCTOR)
    assert board.url.endswith("/dashboard")
    screenshot(board, "service_dashboard", tmp_path)
    assert board.evaluate(PAGE_PROBLEMS_JS) == []
    assert "bo" in board.inner_text("body")  # not submitted
    staff.close()
