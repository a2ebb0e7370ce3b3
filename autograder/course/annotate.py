"""Annotated notebooks: each autograded notebook as an HTML page with its scores and comments.

Rendered in the calling process by nbgrader's own ``GenerateFeedback`` converter,
configured from the course's ``nbgrader_config.py`` as ``nbgrader generate_feedback``
configures it: its preprocessors (``GetGrades``, the hidden-test steps), nbgrader's feedback
template, and the ``HTMLExporter`` preprocessors that sanitise the submission. Every page
then gets the course's Content-Security-Policy (``sanitize.add_csp``).

What made the feedback of a class slow (measured in docs/performance.md) is left out:
nbgrader's start-up per run, the copy of every other file of the submission, and, in the
exporter (``FeedbackExporter``), nbconvert's BeautifulSoup pass over the finished page (over
half the time, for alt text and tab stops) and re-highlighting and re-rendering the code and
markdown cells that every student's notebook shares (kept per process).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.writers.files import FilesWriter
from nbformat import NotebookNode
from nbgrader.api import Comment, Grade, Gradebook
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades
from sqlalchemy.orm import joinedload, undefer
from traitlets.config.loader import PyFileConfigLoader

from autograder.course.layout import Course
from autograder.course.sanitize import add_csp

MAX_CACHED = 50_000  # rendered cells kept per process (a class shares most of them)
NO_ALT = "No description has been provided for this image"  # nbconvert's own alt text
_ALT_ATTRIBUTE = re.compile(r"\salt\s*=", re.IGNORECASE)


class CachedHighlight(Highlight2HTML):
    """nbconvert's code highlighter, remembering what it highlighted (cells repeat per student)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._done: dict[tuple[str, str | None, str | None], str] = {}

    def __call__(self, source: str, language: str | None = None,
                 metadata: dict | None = None) -> str:
        magics = (metadata or {}).get("magics_language")
        key = (source, language, magics if isinstance(magics, str) else None)
        html = self._done.get(key)
        if html is None:
            html = super().__call__(source, language, metadata)
            if len(self._done) < MAX_CACHED:
                self._done[key] = html
        return html


class FeedbackExporter(HTMLExporter):
    """nbconvert's ``HTMLExporter`` for a class's annotated notebooks.

    The same page, less work: shared cells are highlighted and rendered once per process,
    and images without alt text get nbconvert's alt text from a pattern rather than from
    BeautifulSoup's parse and re-serialisation of the whole page. (nbconvert's other
    BeautifulSoup step, tab stops on JupyterLab output areas, has nothing to mark in
    nbgrader's feedback template, which is classic.)
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._highlighters: dict[str, CachedHighlight] = {}
        self._markdown: dict[tuple[str, str], str] = {}

    @pass_context
    def markdown2html(self, context: Context, source: str) -> str:
        """nbconvert's markdown filter; cells without attachments are rendered once."""
        cell = context.get("cell", {})
        if cell.get("attachments"):
            return super().markdown2html(context, source)
        # The notebook's folder matters only where images are embedded from files.
        path = context.get("resources", {}).get("metadata", {}).get("path", "") \
            if self.embed_images else ""
        key = (source, str(path))
        html = self._markdown.get(key)
        if html is None:
            html = super().markdown2html(context, source)
            if len(self._markdown) < MAX_CACHED:
                self._markdown[key] = html
        return html

    def _validate_preprocessor(self, nbc: NotebookNode, preprocessor: object) -> None:
        """Not after every preprocessor: nbgrader validated the notebook when it autograded
        it, and the page is rendered from whatever the steps leave (a third of the time)."""

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """As ``HTMLExporter.from_notebook_node``, without the BeautifulSoup pass."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = str(langinfo.get("pygments_lexer", langinfo.get("name", None)) or "")
        if lexer not in self._highlighters:
            self._highlighters[lexer] = CachedHighlight(pygments_lexer=lexer or None,
                                                        parent=self)
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self._highlighters[lexer])
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return with_alt_text(html), resources


def with_alt_text(html: str) -> str:
    """``html`` with nbconvert's alt text on every ``<img>`` tag that has none."""
    parts, start = [], 0
    while (at := html.find("<img", start)) >= 0:
        end = html.find(">", at)
        end = len(html) if end < 0 else end
        parts.append(html[start:at])
        tag = html[at:end]
        parts.append(tag if _ALT_ATTRIBUTE.search(tag) else f'<img alt="{NO_ALT}"{tag[4:]}')
        start = end
    parts.append(html[start:])
    return "".join(parts)


class GetGradesAtOnce(GetGrades):
    """nbgrader's ``GetGrades`` reading a notebook's grades and comments in one query each.

    The same values in the notebook and resources (as ``GetGrades.preprocess`` sets them,
    late penalty included) from one gradebook connection; nbgrader's opens two and looks
    each cell up apart (a query with four joins per cell).
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        self.student_id, self.db_url = info["student"], info["db_url"]
        with Gradebook(self.db_url) as gb:
            self.gradebook = gb  # nbgrader's lookups, for cells not read below
            notebook = gb.find_submission_notebook(self.notebook_id, self.assignment_id,
                                                   self.student_id)
            # Each grade's cell and (deferred) maximum in the same query, not one per grade.
            grades = gb.db.query(Grade).filter(Grade.notebook_id == notebook.id).options(
                joinedload(Grade.cell), undefer(Grade.max_score)).all()
            comments = gb.db.query(Comment).filter(Comment.notebook_id == notebook.id).options(
                joinedload(Comment.cell)).all()
            self._scores = {g.cell.name: (g.score, g.max_score) for g in grades}
            self._comments = {c.cell.name: c.comment for c in comments}
            nb, resources = super(GetGrades, self).preprocess(nb, resources)  # cell by cell
            penalty = notebook.late_submission_penalty or 0
            info["score"] = notebook.score - penalty
            info["max_score"] = notebook.max_score
            info["late_penalty"] = penalty
        return nb, resources

    _scores: dict[str, tuple[float, float]]
    _comments: dict[str, str | None]

    def _get_score(self, cell: NotebookNode, resources: dict) -> None:
        found = self._scores.get(cell.metadata["nbgrader"]["grade_id"])
        if found is None:  # nbgrader's lookup, and its error
            super()._get_score(cell, resources)
            return
        cell.metadata.nbgrader["score"], cell.metadata.nbgrader["points"] = found

    def _get_comment(self, cell: NotebookNode, resources: dict) -> None:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if grade_id not in self._comments:
            super()._get_comment(cell, resources)
            return
        cell.metadata.nbgrader["comment"] = self._comments[grade_id]


def feedback_converter(root: Path) -> GenerateFeedback:
    """nbgrader's feedback converter for the course at ``root``, ready to convert notebooks.

    Built as ``nbgrader generate_feedback`` builds it (``BaseConverter.start``): the
    course's config, the exporter with the configured preprocessors, a files writer.
    """
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    coursedir = CourseDirectory(config=config, root=str(root))
    converter = GenerateFeedback(coursedir=coursedir, config=config)
    converter.exporter = FeedbackExporter(parent=converter, config=converter.config)
    for pp in converter.preprocessors:
        converter.exporter.register_preprocessor(GetGradesAtOnce if pp is GetGrades else pp)
    converter.writer = FilesWriter(parent=converter, config=converter.config)
    return converter


_CONVERTERS: dict[Path, GenerateFeedback] = {}  # per process: built once, caches kept


def render_notebooks(course_root: str, student: str) -> list[str]:
    """Write the annotated notebooks of one student; return their stems.

    Runs in any process (``feedback.write_feedback`` may use a pool). Earlier annotated
    pages of notebooks no longer autograded are removed.
    """
    root = Path(course_root)
    if root not in _CONVERTERS:
        _CONVERTERS[root] = feedback_converter(root)
    converter = _CONVERTERS[root]
    course = Course(root)
    dest = course.feedback(student)
    dest.mkdir(parents=True, exist_ok=True)
    for stale in dest.glob("*.html"):
        if stale.name != "index.html":
            stale.unlink()
    stems = []
    for path in sorted(course.autograded(student).glob("*.ipynb")):
        resources = converter.init_single_notebook_resources(str(path))
        output, resources = converter.exporter.from_filename(str(path), resources=resources)
        converter.write_single_notebook(output, resources)
        add_csp(dest / f"{path.stem}.html")  # its notebook is sanitised, and no script runs
        stems.append(path.stem)
    return stems
