"""No script from a submission in the instructor's browser: sanitised notebooks, a strict CSP.

Everything of student origin that an HTML page shows (nbgrader's formgrader and
feedback pages, this package's feedback pages and class report) passes one of two
gates:

- ``SanitizeSubmission``, an nbconvert preprocessor built on nbconvert's
  ``SanitizeHTML`` (bleach underneath). It runs at the end of ``autograde``, so
  the notebooks in ``autograded/`` are clean, and again whenever nbgrader turns a
  notebook into HTML (formgrader, ``generate_feedback``). HTML outputs, raw
  cells and markdown are cleaned against a short allowlist; scripts, event
  handlers, ``javascript:`` links, SVG, widgets and other rich outputs go.
- ``CSP``, a Content-Security-Policy that forbids every script, stated in each
  page this package writes (templates) and added to nbgrader's feedback pages
  (``add_csp``): whatever a sanitiser missed still cannot run.

Disallowed markup is escaped, not dropped, so the instructor sees what was tried.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import bleach
from nbconvert.filters.markdown_mistune import (
    IPythonRenderer,
    MarkdownWithMath,
    markdown2html_mistune,
)
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbformat import NotebookNode
from traitlets import Bool

# Pages hold no script of their own: inline styles and data: images (plots) only.
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
       "form-action 'none'; img-src data: 'self'; style-src 'self' 'unsafe-inline'; "
       "font-src 'self' data:")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

# Markup of an honest notebook: text formatting, lists, tables, images, links.
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
})
ATTRIBUTES = {
    "*": ["class", "title"],  # no id: an id would name a global of the page
    "a": ["href", "title"],
    "img": ["src", "alt", "width", "height", "title"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align"],
    "ol": ["start"],
}
# ``attachment:`` is how markdown names a cell's attached images.
PROTOCOLS = frozenset({"http", "https", "mailto", "attachment"})
# Output types shown as they are (nbconvert escapes them); anything else not cleaned goes.
SAFE_OUTPUTS = frozenset({"metadata", "text/plain", "text/latex", "application/json",
                          "image/png", "image/jpeg"})
# Output metadata of the grade cells the trusted grader filled (nbgrader_plugin.grade_outputs);
# no nbconvert template reads it.
TRUSTED_OUTPUT_KEY = "cs231n_trusted"
ATTACHMENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})

# Where HTML could open a tag, comment or declaration ("$x < 0$" cannot).
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_URL_ATTR = re.compile(r'\b(?:href|src)="([^"]*)"')
_ATTACHED_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif);base64,")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


def clean_html(text: str) -> str:
    """``text`` with tags, attributes and URL schemes outside the allowlist escaped or removed."""
    return bleach.clean(text, tags=TAGS, attributes=ATTRIBUTES, protocols=PROTOCOLS,
                        strip=False, strip_comments=True)


def _unsafe_url(value: str) -> bool:
    # Browsers ignore control characters and blanks in a scheme ("java\tscript:").
    url = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
    if _ATTACHED_IMAGE.match(url):
        return False  # an attachment, embedded by nbconvert as a data: URI of a bitmap
    match = _SCHEME.match(url)
    return match is not None and match.group(1) not in PROTOCOLS


def _one_line(html_text: str) -> str:
    # Newlines become character references: a blank line would end markdown's HTML block.
    return "<div>" + html_text.replace("\n", "&#10;") + "</div>"


def clean_markdown(source: str, attachments: dict | None = None) -> str:
    """Markdown that renders without script: unchanged when it can hold no tag and no odd link.

    Otherwise it is rendered (by nbconvert's own markdown renderer), cleaned, and
    returned as one line of HTML in a ``<div>``, which markdown passes through as is.
    Markdown nbconvert cannot render (a missing attachment) is shown as escaped text.
    """
    try:
        rendered = MarkdownWithMath(
            renderer=IPythonRenderer(escape=False, attachments=attachments or {})
        ).render(source)
    except Exception:  # nbconvert raises several kinds on malformed cells; all get the text
        return _one_line("<pre>" + html.escape(source) + "</pre>")
    if not _TAG_START.search(source) and not any(
            _unsafe_url(u) for u in _URL_ATTR.findall(rendered)):
        return source
    return _one_line(clean_html(rendered))


@lru_cache(maxsize=50_000)
def _clean_plain_markdown(source: str) -> str:
    """``clean_markdown`` of a cell without attachments, kept: a class's notebooks share most."""
    return clean_markdown(source)


def remember_markdown(notebooks: Iterable[Path]) -> None:
    """Clean the markdown cells of trusted notebooks (a course's source) ahead of time.

    A warm nbgrader server does this before it forks its runs, which then find the
    markdown every student's notebook shares already cleaned. Unreadable files are skipped.
    """
    for path in notebooks:
        try:
            cells = json.loads(path.read_bytes()).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        for cell in cells:
            source = cell.get("source") if isinstance(cell, dict) else None
            if cell.get("cell_type") == "markdown" and not cell.get("attachments") and source:
                _clean_plain_markdown("".join(source) if isinstance(source, list) else source)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _clean_output_metadata(metadata: dict) -> dict:
    """Numeric image sizes and the trusted grader's mark survive, nothing else.

    nbconvert writes image sizes into unquoted attributes; other keys it reads
    (file names, alt text) are not needed to show a submission.
    """
    kept = {}
    for key, entry in metadata.items():
        if key == TRUSTED_OUTPUT_KEY and isinstance(entry, dict):
            kept[key] = entry
        elif key in ("image/png", "image/jpeg") and isinstance(entry, dict):
            sizes = {k: v for k, v in entry.items() if k in ("width", "height") and _number(v)}
            if sizes:
                kept[key] = sizes
    return kept


class SanitizeSubmission(SanitizeHTML):
    """nbconvert's ``SanitizeHTML`` with this course's allowlist, for notebooks of students.

    Beyond ``SanitizeHTML``: markdown is cleaned after rendering (links with a
    ``javascript:`` URL are markdown, not HTML), ``text/markdown`` outputs become
    cleaned ``text/html``, output metadata keeps only numeric image sizes, cell
    attachments keep only bitmap images, and widget state leaves the notebook.
    """

    enabled = Bool(True).tag(config=True)  # on wherever it is listed

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb.metadata.pop("widgets", None)
        for index, cell in enumerate(nb.cells):
            nb.cells[index], resources = self.preprocess_cell(cell, resources, index)
        return nb, resources

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict, cell_index: int
    ) -> tuple[NotebookNode, dict]:
        attachments = cell.get("attachments")
        if attachments:
            for name in list(attachments):
                bundle = attachments[name]
                for mime in [m for m in bundle if m not in ATTACHMENT_TYPES]:
                    del bundle[mime]
        if cell.cell_type == "markdown":
            cell.source = clean_markdown(cell.source, attachments) if attachments \
                else _clean_plain_markdown(cell.source)
        elif cell.cell_type == "raw":
            cell.source = clean_html(cell.source)
        elif cell.cell_type == "code":
            cell.outputs = self.sanitize_code_outputs(cell.get("outputs", []))
        return cell, resources

    def sanitize_code_outputs(self, outputs: list) -> list:
        for output in outputs:
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue  # streams and errors are escaped as text by nbconvert
            data = output.get("data", {})
            if "text/markdown" in data:
                markdown = data.pop("text/markdown")
                data.setdefault("text/html", markdown2html_mistune(markdown))
            for mime in list(data):
                if mime == "text/html":
                    data[mime] = clean_html(data[mime])
                elif mime not in SAFE_OUTPUTS:
                    del data[mime]
            output["metadata"] = _clean_output_metadata(output.get("metadata", {}))
        return outputs

    def sanitize_html_tags(self, html_str: str) -> str:
        return clean_html(html_str)


def add_csp(path: Path) -> None:
    """Put ``CSP`` first in the ``<head>`` of the HTML page ``path`` (nbgrader's feedback pages)."""
    page = path.read_text(encoding="utf-8")
    if CSP_META in page[:2000]:
        return
    # The first <head> is the template's: student content comes later, in the body.
    page, found = _HEAD.subn(lambda m: m.group(0) + "\n" + CSP_META, page, count=1)
    if not found:
        page = CSP_META + "\n" + page  # a meta before <html> still starts the head
    path.write_text(page, encoding="utf-8")
