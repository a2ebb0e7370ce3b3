"""Jinja2 templates of the files the course pipeline writes: nbgrader's config and HTML pages.

``*.html.j2`` templates are autoescaped (they show text from submissions, such as
student ids and grader feedback) and state ``sanitize.CSP``, which forbids script;
other templates render verbatim.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from autograder.course.sanitize import CSP_META

FOLDER = Path(__file__).parent


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith(".html.j2")


def _fmt(value: float | None, spec: str) -> str:
    """``value`` in format ``spec``; an en dash when there is no value (HTML pages only)."""
    return Markup("&ndash;") if value is None else format(value, spec)


ENV = Environment(
    loader=FileSystemLoader(FOLDER),
    autoescape=_autoescape,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["fmt"] = _fmt
ENV.filters["pyrepr"] = repr
ENV.globals["csp_meta"] = Markup(CSP_META)  # a constant of ours, not submission text


def render(name: str, **context: Any) -> str:
    """The template ``name`` of this folder rendered with ``context``."""
    return ENV.get_template(name).render(**context)
