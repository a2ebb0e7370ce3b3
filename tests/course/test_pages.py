"""The HTML pages of the course pipeline: one page shell, and submission text always escaped."""

from __future__ import annotations

import re

from autograder.course.feedback import feedback_page
from autograder.course.gradebook import CellScore, StudentScores
from autograder.course.report import report_html
from autograder.grade_cells import grade_id_of

NB1 = "01_activations_preprocessing"
HOSTILE = "<script>alert('x')</script> & \"q\""


def row(student: str = "ada", feedback: str = "") -> StudentScores:
    cells = [
        CellScore(grade_id_of("layers.affine_forward"), NB1, 0.5, 2.0, False, feedback=feedback),
        CellScore("why_<b>flatten</b>", NB1, None, 1.0, True, written=True),
        CellScore("shapes_hidden_test", NB1, 0.0, 1.0, False),
    ]
    return StudentScores(student, 0.5, 4.0, True, {NB1: (0.5, 4.0)}, cells)


def shell(page: str) -> list[str]:
    """The style rules every page of the pipeline shares (the page width aside)."""
    return [re.sub(r"max-width: \d+em", "max-width: W", line) for line in page.splitlines()[4:11]]


def test_feedback_and_report_share_one_page_shell() -> None:
    feedback, report = feedback_page(row(), set()), report_html([row()])
    assert shell(feedback) == shell(report)
    for page in (feedback, report):
        assert page.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
        assert page.rstrip().endswith("</body></html>")
        assert page.count("<h1>") == 1
        # Second in the head, before anything else could load: no script of any origin.
        assert page.splitlines()[2] == (
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
            "img-src data: 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:\">")
    assert "max-width: 60em" in feedback and "max-width: 62em" in report


def test_feedback_page_escapes_what_submissions_control() -> None:
    page = feedback_page(row(student="m<i>x", feedback=HOSTILE), {NB1})
    assert "<script" not in page and "<i>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;q&#34;" in page
    assert "<title>Feedback for m&lt;i&gt;x: training_nn</title>" in page
    assert "<td>why_&lt;b&gt;flatten&lt;/b&gt;</td>" in page


def test_feedback_page_rows() -> None:
    page = feedback_page(row(feedback="output: wrong shape"), {NB1})
    assert "Total: <strong>0.5 / 4</strong> (1 point still to be graded by hand)" in page
    assert "Autograded: 0.5 points; graded by hand: 0." in page
    assert f'(<a href="{NB1}.html">annotated notebook</a>)</h2>' in page
    assert ('<tr class="part"><td>layers.affine_forward</td><td class="num">0.5 / 2</td>'
            "<td><pre>output: wrong shape</pre></td></tr>") in page
    assert '<tr class="pending"><td>why_&lt;b&gt;flatten&lt;/b&gt;</td>' \
           '<td class="num">awaiting manual grading</td>' in page
    assert "<pre>written answer</pre>" in page and "<pre>test cell in the notebook</pre>" in page
    assert '<tr class="zero">' in page
    assert "(no readable notebook submitted)" in feedback_page(row(), set())


def test_report_escapes_labels_and_title() -> None:
    page = report_html([row()], title="Term <1> & co")
    assert "<title>Term &lt;1&gt; &amp; co</title>" in page
    assert "why_&lt;b&gt;flatten&lt;/b&gt; <em>(written answer)</em>" in page
    assert "<b>" not in page
    # No score yet: an en dash, not an escaped entity.
    assert '<td class="num rate">&ndash;</td>' in page and "&amp;ndash;" not in page


def test_feedback_page_sets_the_likely_mistake_apart() -> None:
    text = "out: relative error 8.4e-02 exceeds the tolerance 1e-06\nlikely mistake: the <bias>"
    page = feedback_page(row(feedback=text), {NB1})
    assert ("<pre>out: relative error 8.4e-02 exceeds the tolerance 1e-06</pre>"
            '<p class="hint"><strong>Likely mistake:</strong> the &lt;bias&gt;</p></td>') in page
