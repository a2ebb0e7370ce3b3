"""The class report: one self-contained HTML page showing where the class struggled.

After ``cs231n-course autograde`` the report reads the gradebook
(``autograder.course.gradebook.gradebook_scores``) and draws two plots, embedded as inline
PNG images so the page can be mailed or uploaded as a single file:

- the pass rate of every registry task (the share of students with full marks),
  lowest first, coloured by notebook;
- the distribution of the students' scores, in percent of the points graded so far
  (the summary gives the mean of all points too, pending written answers counted 0).

Below the plots, one table per notebook lists every task with its points, pass
rate, mean score and how many students scored nothing; written answers that
still await manual grading are counted, not scored. Submissions that autograde had
to repair (edited nbgrader cells, files over a size limit, unreadable notebooks)
are listed with its notes.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.course.autograde_one import logged_notes
from autograder.course.gradebook import StudentScores, gradebook_scores
from autograder.course.layout import ASSIGNMENT, Course, CourseError, Progress, stderr_progress
from autograder.course.templates import render
from autograder.registry import NOTEBOOKS

if TYPE_CHECKING:  # matplotlib loads only when a plot is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Tasks whose pass rate is below this are flagged in the tables.
STRUGGLE = 0.5


@dataclass
class CellStats:
    """Class statistics of one grade cell (a registry task or a written answer)."""

    label: str
    notebook: str
    max_score: float
    is_task: bool
    scores: list[float]
    written: bool = False  # a hand-graded markdown answer rather than a code test cell
    pending: int = 0  # submissions whose score awaits manual grading

    @property
    def graded(self) -> int:
        return len(self.scores)

    @property
    def pass_rate(self) -> float | None:
        """Share of graded students with full marks (None when nobody is graded)."""
        if not self.scores:
            return None
        return sum(s >= self.max_score for s in self.scores) / len(self.scores)

    @property
    def mean(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None

    @property
    def zeros(self) -> int:
        return sum(s <= 0 for s in self.scores)

    @property
    def struggling(self) -> bool:
        """A task whose pass rate is below ``STRUGGLE`` (highlighted in the tables)."""
        rate = self.pass_rate
        return self.is_task and rate is not None and rate < STRUGGLE


def cell_stats(rows: list[StudentScores]) -> list[CellStats]:
    """Statistics of every grade cell, in the gradebook's order (registry order first)."""
    stats: dict[tuple[str, str], CellStats] = {}
    for row in rows:
        for cell in row.cells:
            key = (cell.notebook, cell.grade_id)
            entry = stats.get(key)
            if entry is None:
                entry = stats[key] = CellStats(cell.label, cell.notebook, cell.max_score,
                                               cell.task_id is not None, [],
                                               written=cell.written)
            if cell.score is None:
                entry.pending += 1
            else:
                entry.scores.append(float(cell.score))
    order = list(NOTEBOOKS)
    return sorted(stats.values(),
                  key=lambda s: order.index(s.notebook) if s.notebook in order else len(order))


# --------------------------------------------------------------------------- plots


def _png(fig: Figure) -> str:
    """The figure as a data: URI of a PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    # A bare Figure (no pyplot): no GUI backend, no global state, nothing to close.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def pass_rate_plot(stats: list[CellStats]) -> str:
    """Horizontal bars: each task's pass rate, lowest at the top, coloured by notebook."""
    import matplotlib
    from matplotlib.patches import Rectangle

    tasks = sorted((s for s in stats if s.is_task and s.pass_rate is not None),
                   key=lambda s: (s.pass_rate, s.label))
    notebooks = [nb for nb in NOTEBOOKS if any(s.notebook == nb for s in tasks)]
    palette = matplotlib.colormaps["tab10"]
    colours = {nb: palette(i) for i, nb in enumerate(notebooks)}
    fig, ax = _figure(8, max(2.5, 0.27 * len(tasks) + 1.2))
    y = range(len(tasks))
    ax.barh(list(y), [100 * (s.pass_rate or 0.0) for s in tasks],  # all graded
            color=[colours[s.notebook] for s in tasks])
    ax.set_yticks(list(y), [s.label for s in tasks], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.axvline(100 * STRUGGLE, color="0.4", linestyle="--", linewidth=1)
    ax.set_xlabel("students with full marks (%)")
    ax.set_ylabel("task")
    ax.set_title("Pass rate per task (lowest first)")
    handles = [Rectangle((0, 0), 1, 1, color=colours[nb]) for nb in notebooks]
    labels = [NOTEBOOKS[nb] for nb in notebooks]
    ax.legend([*handles, ax.lines[0]], [*labels, f"{100 * STRUGGLE:g}% pass rate"],
              fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="notebook")
    return _png(fig)


def score_histogram(rows: list[StudentScores]) -> str:
    """Histogram of the students' scores in percent of their graded points, with the mean.

    Written answers not graded yet are left out of both the score and its maximum
    (``Totals.graded_percent``); students with nothing graded are not drawn.
    """
    percents = [p for r in rows if (p := r.totals.graded_percent) is not None]
    fig, ax = _figure(8, 3.2)
    ax.hist(percents, bins=[10 * i for i in range(11)], color="#4c72b0", edgecolor="white",
            label=f"{len(percents)} student(s)")
    if percents:
        mean = sum(percents) / len(percents)
        ax.axvline(mean, color="#c44e52", linewidth=2, label=f"mean {mean:.0f}%")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (% of the points graded so far)")
    ax.set_ylabel("students")
    # The default locator is a MaxNLocator; matplotlib types it as a plain Locator.
    ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.set_title("Score per student, in 10% bins")
    ax.legend(fontsize=9)
    return _png(fig)


# --------------------------------------------------------------------------- page

def _mean_median(values: list[float]) -> str:
    if not values:
        return "nothing graded yet"
    ordered = sorted(values)
    n = len(ordered)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    return f"{sum(ordered) / n:.1f}% (median {median:.1f}%)"


def _summary(rows: list[StudentScores], stats: list[CellStats]) -> list[tuple[str, str]]:
    """The summary table's (label, value) rows.

    Two means, each saying what it counts: of the points graded so far (pending written
    answers left out), and of all points (pending ones as 0), from ``Totals``.
    """
    totals = [r.totals for r in rows]
    graded = [p for t in totals if (p := t.graded_percent) is not None]
    pending = [t.pending for t in totals if t.pending]
    hardest = [s for s in stats if s.is_task and s.pass_rate is not None]
    hardest.sort(key=lambda s: (s.pass_rate, s.label))
    items = [
        ("Students", str(len(rows))),
        ("Mean score, of the points graded so far", _mean_median(graded)),
        ("Mean score, of all points (not yet graded counts 0)",
         _mean_median([t.percent for t in totals])),
        ("Full marks", str(sum(1 for t in totals if t.max and t.score >= t.max))),
        ("Awaiting manual grading",
         f"{sum(1 for r in rows if r.needs_manual_grade)} student(s), "
         f"{sum(pending):g} points not graded yet"),
    ]
    late = [t.penalty for t in totals if t.penalty]
    if late:
        items.append(("Late penalties (in the scores above)", f"{len(late)} student(s), "
                      f"{sum(late):g} points in all"))
    if hardest:
        items.append(("Hardest tasks", ", ".join(
            f"{s.label} ({100 * (s.pass_rate or 0.0):.0f}%)"  # all graded
            for s in hardest[:3])))
    return items


def _notebook(notebook: str, stats: list[CellStats], rows: list[StudentScores]) -> dict:
    """One notebook's heading figures and the statistics of its cells."""
    totals = [r.notebooks[notebook] for r in rows if notebook in r.notebooks]
    return {
        "name": notebook,
        "title": NOTEBOOKS.get(notebook, notebook),
        "mean": (sum(s for s, _ in totals) / len(totals)) if totals else None,
        "max_score": totals[0][1] if totals else sum(s.max_score for s in stats),
        "stats": stats,
    }


def report_html(rows: list[StudentScores], title: str | None = None,
                damaged: dict[str, list[str]] | None = None) -> str:
    """The class report page for these gradebook rows (at least one student).

    ``damaged``: the autograde notes of each student who has some (shown in a table).
    """
    if not rows:
        raise CourseError("nothing autograded yet (run `cs231n-course autograde` first)")
    stats = cell_stats(rows)
    names = list(dict.fromkeys(s.notebook for s in stats))
    return render(
        "report.html.j2",
        title=title or f"Class report: {ASSIGNMENT}",
        summary=_summary(rows, stats),
        pass_rate=pass_rate_plot(stats),
        histogram=score_histogram(rows),
        struggle=100 * STRUGGLE,
        damaged=sorted((damaged or {}).items()),
        notebooks=[_notebook(nb, [s for s in stats if s.notebook == nb], rows) for nb in names],
    )


def write_report(
    course: Course,
    out: str | os.PathLike | None = None,
    progress: Progress = stderr_progress,
) -> Path:
    """Write the class report of an autograded course.

    The default file is ``COURSE_DIR/reports/class_report.html``.
    """
    path = Path(out) if out else course.root / "reports" / "class_report.html"
    if path.is_dir():
        raise CourseError(f"{out} is a folder; give a file name such as report.html")
    progress("[report] reading the gradebook")
    rows = gradebook_scores(course)
    if not rows:
        raise CourseError("nothing autograded yet (run `cs231n-course autograde` first)")
    progress(f"[report] plotting {len(rows)} student(s)")
    notes = {f"{r.name} ({r.student})" if r.name else r.student: logged_notes(course, r.student)
             for r in rows}
    page = report_html(rows, damaged={s: n for s, n in notes.items() if n})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    progress(f"[report] {path.resolve()}")
    return path
