"""Attacks on "no script": a submission tries to run script in the instructor's browser.

All cases share one planted course (``tests/fixtures/script_payload.py``: an honest
student and one whose notebook carries every usual carrier of script, autograded
as handed in, with feedback and the class report written) and one headless
Chromium, built by the first case that needs them in this process; that case's
time includes the build. A case *gains* when any planted script leaves a trace
(``window.__pwned``, a changed title, a request to the beacon) or, for the files,
when a script carrier is left in what the instructor's pages read.
"""

from __future__ import annotations

import atexit
import contextlib
import html
import shutil
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat

from autograder.course.layout import Course, CourseError
from autograder.course.submissions import submit
from tests.catalogue.attacks.case import Attack, Outcome
from tests.fixtures.browser import formgrader_url, jupyter_lab, shared_chromium
from tests.fixtures.course_notebook import NOTEBOOK
from tests.fixtures.script_payload import (
    ERROR_MESSAGE,
    HONEST,
    HONEST_ANSWER,
    HONEST_OUTPUT,
    HONEST_STREAM,
    HOSTILE,
    NAME_PAYLOAD,
    PROBE_JS,
    Watch,
    planted_course,
    ran,
    submission_id,
)

HONEST_TEXTS = (*HONEST_OUTPUT, *HONEST_ANSWER, HONEST_STREAM)
# A student id that is markup; \x0c is whitespace to HTML but not to a file system.
MARKUP_ID = "<svg\x0conload=window.__pwned=1>"


@dataclass
class Shared:
    course: Course
    browser: Any
    formgrader: str = ""


_SHARED: list[Shared] = []
_CLEANUP = contextlib.ExitStack()
atexit.register(_CLEANUP.close)


def _shared() -> Shared:
    """The planted course and Chromium, made once per process."""
    if not _SHARED:
        base = Path(tempfile.mkdtemp(prefix="cs231n-script-attacks-"))
        _CLEANUP.callback(shutil.rmtree, base, True)
        course = planted_course(base, execute=False)
        _SHARED.append(Shared(course, shared_chromium()))
    return _SHARED[0]


def _formgrader(shared: Shared) -> str:
    """A JupyterLab server with nbgrader's formgrader, in the course folder, started once."""
    if not shared.formgrader:
        state = Path(tempfile.mkdtemp(prefix="cs231n-formgrader-"))
        _CLEANUP.callback(shutil.rmtree, state, True)
        shared.formgrader = _CLEANUP.enter_context(jupyter_lab(shared.course.root, state))
    return shared.formgrader


def _visit(shared: Shared, url: str) -> tuple[dict, str, list]:
    """Traces of planted script on ``url``, the page's text, and what a CSP probe ran."""
    page = shared.browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        traces = Watch(page).open(url)
        return traces, page.locator("body").inner_text(), page.evaluate(PROBE_JS)
    finally:
        page.close()


def _script_in_feedback(work: Path) -> Outcome:
    shared = _shared()
    folder = shared.course.feedback(HOSTILE)
    notebook, text, probe = _visit(shared, (folder / f"{NOTEBOOK}.html").as_uri())
    index, _, index_probe = _visit(shared, (folder / "index.html").as_uri())
    missing = [t for t in HONEST_TEXTS if t not in text]
    return Outcome(
        gained=ran(notebook) or ran(index),
        as_expected=not missing and probe == [] and index_probe == [],
        detail=f"annotated notebook {notebook}; index {index}; honest text missing {missing}; "
               f"CSP probe ran {probe + index_probe}",
    )


def _handlers_in_report(work: Path) -> Outcome:
    shared = _shared()
    traces, text, probe = _visit(shared, (shared.course.root / "reports" /
                                          "class_report.html").as_uri())
    return Outcome(
        gained=ran(traces),
        as_expected=probe == [] and "Where the class struggled" in text and "planted" not in text,
        detail=f"report {traces}; CSP probe ran {probe}",
    )


def _markdown_in_formgrader(work: Path) -> Outcome:
    shared = _shared()
    base = _formgrader(shared)
    traces, text, _ = _visit(shared, formgrader_url(base, submission_id(shared.course, HOSTILE)))
    missing = [t for t in HONEST_TEXTS if t not in text]
    return Outcome(
        gained=ran(traces),
        as_expected=not missing,  # the formgrader runs its own script: no CSP to probe
        detail=f"formgrader {traces}; honest text missing {missing}",
    )


def _reflected_names(work: Path) -> Outcome:
    shared = _shared()
    course = shared.course
    try:
        submit(course, MARKUP_ID, course.submitted(HONEST))
        refused = ""
    except CourseError as exc:
        refused = str(exc)
    index, text, _ = _visit(shared, (course.feedback(HOSTILE) / "index.html").as_uri())
    pages = list((course.root / "feedback").rglob("*.html"))
    pages.append(course.root / "reports" / "class_report.html")
    raw_name = [str(p) for p in pages if NAME_PAYLOAD in p.read_text(encoding="utf-8")]
    return Outcome(
        gained=ran(index) or not refused or bool(raw_name),
        as_expected="invalid student id" in refused and ERROR_MESSAGE in text,
        detail=f"student id refused: {refused!r}; feedback {index}; markup name in {raw_name}",
    )


class _Tags(HTMLParser):
    """Every start tag of an HTML text, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _carriers(text: str) -> list[str]:
    """Script carriers in ``text`` as a browser would parse it."""
    parser = _Tags()
    parser.feed(text)
    found = []
    for tag, attrs in parser.tags:
        if tag in ("script", "svg", "iframe", "object", "embed", "style"):
            found.append(tag)
        for name, value in attrs:
            url = (value or "").strip().lower()
            if name.startswith("on") or url.startswith(("javascript:", "data:text")):
                found.append(f"{tag} {name}")
    return found


def _rendered_metadata(key: str, value: object) -> bool:
    """Output metadata that nbconvert's templates write into a page, unless plain numbers."""
    if "/" in key:  # per mime type: width, height, alt, unconfined
        return not isinstance(value, dict) or any(
            not isinstance(v, (int, float)) for v in value.values())
    return key in ("width", "height", "alt", "filenames", "unconfined")


def _carriers_in_autograded(work: Path) -> Outcome:
    shared = _shared()
    nb = nbformat.read(shared.course.autograded(HOSTILE) / f"{NOTEBOOK}.ipynb", as_version=4)
    found, shown = [], []
    for cell in nb.cells:
        if cell.cell_type in ("markdown", "raw"):
            found += _carriers(cell.source)
            shown.append(html.unescape(cell.source))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            found += [f"output {m}" for m in data if m not in
                      ("text/plain", "text/html", "image/png", "image/jpeg")]
            found += _carriers(data.get("text/html", ""))
            found += [f"metadata {k}: {v}" for k, v in output.get("metadata", {}).items()
                      if _rendered_metadata(k, v)]
            shown.append(html.unescape(data.get("text/html", "")) + output.get("text", ""))
    if "widgets" in nb.metadata:
        found.append("widget state")
    missing = [t for t in HONEST_TEXTS if not any(t in s for s in shown)]
    return Outcome(
        gained=bool(found),
        as_expected=not missing,
        detail=f"script carriers left {found}; honest text missing {missing}",
    )


ATTACKS = [
    Attack("script-feedback-output", "script",
           "script in HTML, SVG, JavaScript and markdown outputs, in the feedback pages",
           _script_in_feedback, bound=120.0, needs_browser=True),
    Attack("script-report-handlers", "script",
           "img onerror and svg onload handlers in the submission, in the class report",
           _handlers_in_report, bound=120.0, needs_browser=True),
    Attack("script-formgrader-markdown", "script",
           "raw <script> and javascript: links in a written answer, in the formgrader",
           _markdown_in_formgrader, bound=120.0, needs_browser=True),
    Attack("script-reflected-names", "script",
           "markup as student id, notebook file name and error message",
           _reflected_names, bound=120.0, needs_browser=True),
    Attack("script-autograded-notebook", "script",
           "script carriers left in the autograded notebook the instructor's pages read",
           _carriers_in_autograded, bound=120.0),
]
