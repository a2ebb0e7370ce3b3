"""Notebook cells of the course: the canonical grade cell of each task, and notebook rewrites.

A grade cell is the one place where a notebook meets the trusted grader. Its
source only runs the public self-check; its points and its outputs are set by
the instructor's tools from the task registry, never by the student's kernel.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.registry import NOTEBOOKS, TASKS, TASKS_BY_ID, Task

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"


class NotebookError(ValueError):
    """A course notebook that does not fit the task registry."""


def grade_id_of(task_id: str) -> str:
    """The nbgrader grade_id of a task: its id with '.' replaced by '-'.

    The one place a task id is spelled the nbgrader way. nbgrader's metadata
    schema only allows ``[a-zA-Z0-9_-]`` in a grade_id, and Python names never
    contain '-', so the mapping is reversible (``task_id_of``). Everywhere else
    (registry, grader, feedback, report, CSV columns) a task is named by its id.
    """
    return task_id.replace(".", "-")


def task_id_of(grade_id: str | None) -> str | None:
    """The registry task id named by a grade_id, or None for any other cell."""
    if not isinstance(grade_id, str):
        return None
    task_id = grade_id.replace("-", ".")
    return task_id if task_id in TASKS_BY_ID and grade_id_of(task_id) == grade_id else None


def grade_cell_source(task_id: str) -> str:
    """The source of the grade cell of ``task_id`` (runs the public self-check only)."""
    return f'from cs231n_core.check import check_task\ncheck_task("{task_id}")'


def grade_cell_metadata(task: Task) -> dict[str, object]:
    """nbgrader metadata of the grade cell of ``task`` (points from the registry)."""
    return {
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": grade_id_of(task.id),
        "points": float(task.points),
        "schema_version": 3,
    }


def new_grade_cell(task: Task) -> NotebookNode:
    """A fresh grade cell for ``task``, as it appears in a source notebook."""
    cell: NotebookNode = nbformat.v4.new_code_cell(grade_cell_source(task.id))
    cell.metadata["nbgrader"] = grade_cell_metadata(task)
    cell.metadata["deletable"] = False
    cell.metadata["editable"] = False
    return cell


def cell_task_id(cell: NotebookNode) -> str | None:
    """The task id named by a cell's nbgrader grade_id, if it is a registry task."""
    return task_id_of(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))


def restore_grade_cell(cell: NotebookNode, task: Task) -> bool:
    """Reset a grade cell's type, source and metadata to the registry's; True if any changed."""
    before = (cell.cell_type, cell.source, dict(cell.metadata.get("nbgrader", {})))
    if cell.cell_type != "code":
        cell.cell_type = "code"
        cell.pop("attachments", None)
    cell.setdefault("outputs", [])
    cell.setdefault("execution_count", None)
    cell.source = grade_cell_source(task.id)
    meta = grade_cell_metadata(task)
    kept = cell.metadata.get("nbgrader", {})
    if kept.get("checksum") is not None:
        meta["checksum"] = kept["checksum"]
    if "cell_type" in kept:  # nbgrader's own record of the cell's type: a grade cell is code
        meta["cell_type"] = "code"
    cell.metadata["nbgrader"] = meta
    return before != (cell.cell_type, cell.source, meta)


def notebook_tasks(stem: str) -> list[Task]:
    """Registry tasks introduced by the notebook ``<stem>.ipynb``."""
    return [t for t in TASKS if t.notebook == stem]


def prepare_source_notebook(nb: NotebookNode, stem: str) -> list[Task]:
    """Make the registry grade cells of a source notebook canonical, in place.

    Raises NotebookError for a notebook the registry does not know, a grade
    cell of another notebook's task, or a task graded twice. Returns the
    notebook's registry tasks that have no grade cell (they cannot be scored
    in the gradebook).
    """
    if stem not in NOTEBOOKS:
        raise NotebookError(
            f"{stem}.ipynb is not a course notebook; expected one of: {', '.join(NOTEBOOKS)}"
        )
    seen: set[str] = set()
    for cell in nb.cells:
        # A grade_id written as the task id itself is not valid for nbgrader; it is
        # accepted here and rewritten as grade_id_of(task id).
        written = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        task_id = written if written in TASKS_BY_ID else cell_task_id(cell)
        if task_id is None:
            continue
        task = TASKS_BY_ID[task_id]
        if task.notebook != stem:
            raise NotebookError(
                f"{stem}.ipynb grades {task_id}, which the registry puts in {task.notebook}.ipynb"
            )
        if task_id in seen:
            raise NotebookError(f"{stem}.ipynb has two grade cells for {task_id}")
        seen.add(task_id)
        restore_grade_cell(cell, task)
    return [t for t in notebook_tasks(stem) if t.id not in seen]


def _drop_marked_lines(source: str, begin: str, end: str, keep_body: bool) -> str:
    out: list[str] = []
    inside = False
    for line in source.splitlines(keepends=True):
        marker = line.strip()
        if marker == begin:
            inside = True
        elif marker == end:
            inside = False
        elif keep_body or not inside:
            out.append(line)
    text = "".join(out)
    if text.endswith("\n") and not source.endswith("\n"):
        text = text[:-1]
    return text


def solved_notebook(nb: NotebookNode) -> NotebookNode:
    """A student-shaped copy of a source notebook, filled in with the model solutions.

    Solution marker lines are removed (the solution text stays), hidden tests
    are removed with their markers; nbgrader metadata is kept so the notebook
    can be autograded like a real submission.
    """
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        text = cell.source
        text = _drop_marked_lines(text, BEGIN_HIDDEN, END_HIDDEN, keep_body=False)
        text = _drop_marked_lines(text, BEGIN_SOLUTION, END_SOLUTION, keep_body=True)
        cell.source = text
    return nb


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook as nbformat v4, with a one-line error for unreadable files."""
    try:
        nb: NotebookNode = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types
        raise NotebookError(f"cannot read notebook {path}: {exc}") from None
    return nb


def write_notebook(nb: NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def course_notebook_paths(folder: Path) -> list[Path]:
    """The course notebooks in ``folder`` (registry names only), sorted."""
    return sorted(p for p in folder.glob("*.ipynb") if p.stem in NOTEBOOKS)


def has_plain_test_cells(folder: Path) -> bool:
    """True if a notebook has autograded code cells that are not registry tasks.

    Such cells (ordinary nbgrader tests) are scored from their outputs, so the
    notebooks must be executed during autograde for them to be graded honestly.
    """
    for path in course_notebook_paths(folder):
        for cell in read_notebook(path).cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if (cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")
                    and task_id_of(meta.get("grade_id")) is None):
                return True
    return False


def notebook_cell_points(folder: Path) -> float:
    """The points of the grade cells in ``folder``'s notebooks that are not registry tasks.

    Written answers (graded by hand) and ordinary nbgrader test cells: what a course's
    maximum holds beyond the trusted grader's tasks. Unreadable notebooks count 0.
    """
    total = 0.0
    for path in course_notebook_paths(folder):
        try:
            cells = read_notebook(path).cells
        except NotebookError:
            continue
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            points = meta.get("points") if isinstance(meta, dict) else None
            if (isinstance(meta, dict) and meta.get("grade") and isinstance(points, (int, float))
                    and task_id_of(meta.get("grade_id")) is None):
                total += max(float(points), 0.0)
    return total
