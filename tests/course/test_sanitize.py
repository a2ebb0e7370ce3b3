"""The sanitiser of submitted notebooks and the CSP of nbgrader's pages, without a browser."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from autograder.course.nbgrader_server import remember_course_markdown
from autograder.course.sanitize import (
    CSP_META,
    SanitizeSubmission,
    _clean_plain_markdown,
    add_csp,
    clean_html,
    clean_markdown,
)

HONEST_MARKDOWN = ("# Title\n\nSome *text*, $x^2$, $x < 0$ and [a link](https://example.org)."
                   "\n\n> quoted")


def test_honest_markdown_is_left_as_written() -> None:
    assert clean_markdown(HONEST_MARKDOWN) == HONEST_MARKDOWN
    assert clean_markdown("![plot](attachment:p.png)", {"p.png": {"image/png": "iVBORw0K"}}) \
        == "![plot](attachment:p.png)"


def test_markdown_with_html_or_script_links_becomes_clean_html() -> None:
    assert clean_markdown("Hi <script>alert(1)</script> there") == (
        "<div><p>Hi &lt;script&gt;alert(1)&lt;/script&gt; there</p>&#10;</div>")
    # A reference link hides its javascript: URL from a look at the text.
    assert clean_markdown("[go][1]\n\n[1]: javascript:alert(1)") == (
        "<div><p><a>go</a></p>&#10;</div>")
    assert clean_markdown("![x](attachment:gone.png)") == (
        "<div><pre>![x](attachment:gone.png)</pre></div>")  # nbconvert cannot render it


def test_clean_html_escapes_script_and_drops_handlers() -> None:
    assert clean_html('<p>a</p><script>x()</script><img src="y" onerror="x()">'
                      '<a href="javascript:x()">l</a><table class="dataframe"><tr><td>1</td>'
                      "</tr></table>") == (
        '<p>a</p>&lt;script&gt;x()&lt;/script&gt;<img src="y"><a>l</a>'
        '<table class="dataframe"><tbody><tr><td>1</td></tr></tbody></table>')


def test_preprocessor_cleans_every_carrier_of_script() -> None:
    code = new_code_cell("x", outputs=[
        new_output("display_data", data={
            "text/html": "<b>ok</b><svg onload='x()'></svg>", "text/plain": "ok",
            "application/javascript": "x()", "image/svg+xml": "<svg onload='x()'/>",
            "application/vnd.jupyter.widget-view+json": {"model_id": "m"}}),
        new_output("display_data", data={"text/markdown": "[l](javascript:x())"}),
        new_output("display_data", data={"image/png": "iVBORw0K"}, metadata={
            "image/png": {"width": "1 onload=x()", "height": 20}, "filenames": {"a": "/etc"}}),
        new_output("execute_result", data={"text/plain": "2.0"},
                   metadata={"cs231n_trusted": {"task": "t", "sandboxed": True}}),
        new_output("stream", name="stdout", text="<script>kept as text</script>"),
    ])
    raw = new_raw_cell("<script>x()</script>")
    markdown = new_markdown_cell("<img src=x onerror=x()>", attachments={
        "a.html": {"text/html": "<script>x()</script>", "image/png": "iVBORw0K"}})
    nb = new_notebook(cells=[code, raw, markdown],
                      metadata={"widgets": {"state": "</script><script>x()</script>"}})
    nb, _ = SanitizeSubmission().preprocess(nb, {})
    first, md_output, image, result, stream = nb.cells[0].outputs
    assert first.data == {"text/html": "<b>ok</b>&lt;svg onload='x()'&gt;&lt;/svg&gt;",
                          "text/plain": "ok"}
    assert md_output.data == {"text/html": "<p><a>l</a></p>\n"}
    assert image.metadata == {"image/png": {"height": 20}}
    assert result.metadata == {"cs231n_trusted": {"task": "t", "sandboxed": True}}
    assert stream.text == "<script>kept as text</script>"  # nbconvert escapes streams
    assert nb.cells[1].source == "&lt;script&gt;x()&lt;/script&gt;"
    assert nb.cells[2].source == '<div><img src="x">&#10;&#10;</div>'
    assert nb.cells[2].attachments == {"a.html": {"image/png": "iVBORw0K"}}
    assert "widgets" not in nb.metadata


def test_add_csp_puts_the_policy_first_in_the_head_once(tmp_path: Path) -> None:
    page = tmp_path / "nb.html"
    page.write_text("<!DOCTYPE html>\n<html>\n<head>\n<meta charset='utf-8'/>\n</head>"
                    "<body><p>&lt;head&gt;</p><head></body></html>")
    add_csp(page)
    add_csp(page)
    text = page.read_text()
    assert text.startswith(f"<!DOCTYPE html>\n<html>\n<head>\n{CSP_META}\n<meta charset=")
    assert text.count(CSP_META) == 1
    assert "script-src 'none'" in CSP_META and "default-src 'none'" in CSP_META


def test_a_warm_server_cleans_the_course_markdown_once_before_its_runs(tmp_path: Path) -> None:
    """What the server cleaned ahead is what a run then finds; copies are not read again."""
    unique = f"A cell seen only here: [a link](https://example.org/{tmp_path.name})"
    notebook = new_notebook(cells=[new_markdown_cell(unique), new_code_cell("x = 1")])
    course = tmp_path / "course"
    (course / "source" / "training_nn").mkdir(parents=True)
    path = course / "source" / "training_nn" / "01.ipynb"
    nbformat.write(notebook, path)
    (course / "source" / "training_nn" / "02.ipynb").write_text("{not json")  # skipped
    before = _clean_plain_markdown.cache_info()
    remembered: set[tuple[str, int, int]] = set()
    remember_course_markdown(course, remembered)
    assert _clean_plain_markdown.cache_info().currsize == before.currsize + 1
    assert {key[0] for key in remembered} == {"01.ipynb", "02.ipynb"}
    hits = _clean_plain_markdown.cache_info().hits
    assert _clean_plain_markdown(unique) == clean_markdown(unique)
    assert _clean_plain_markdown.cache_info().hits == hits + 1  # the run's lookup: no rendering

    copy = tmp_path / "scratch"
    shutil.copytree(course, copy)  # a scratch course per submission: same files
    remember_course_markdown(copy, remembered)
    assert len(remembered) == 2
