"""Notebooks handed in under another name, recognised by their cells; missing notebooks named.

Students rename notebooks ("03_normalization (1).ipynb", "Copy of 03 ...", a folder
inside the folder). nbgrader grades a notebook only under its release name, so a
renamed one would score 0 and its written answers would never reach the formgrader.
Here each notebook of the submission with a name the release does not have is
matched by what it holds: the nbgrader grade ids, the cell ids and the registry task
ids (``check_task("...")``) that appear in exactly one release notebook. A file
matches a notebook when at least ``MIN_SHARED`` of its cells hold an identifier of that
notebook and fewer than half as many hold one of any other.

- One match for a notebook that is not handed in under its own name: it is graded
  under that name (the staged copy gets the name; ``submitted/`` keeps the original).
- A match for a notebook that is handed in under its own name: that one is graded,
  the other is named as a copy that was not.
- Two or more matches for a notebook not handed in: none is graded (which one the
  student meant is the instructor's call), and each is named.
- A file that matches nothing, or mixes notebooks, is named and not graded.

Every outcome is one line for the instructor (autograde output, log, class report)
and one for the student (the feedback page, from ``NOTES_FILE`` in the autograded folder).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from autograder.grade_cells import NotebookError, read_notebook, task_id_of
from autograder.registry import NOTEBOOKS, TASKS_BY_ID

MIN_SHARED = 3  # cells of one release notebook a file must hold to be recognised as it
NOTES_FILE = "notebook_names.json"  # in autograded/<student>/training_nn, for the feedback
_CHECK_TASK = re.compile(r"""check_task\(\s*["']([A-Za-z0-9_.]+)["']""")


def _cells(nb: NotebookNode) -> list[dict]:
    """The cells of a notebook read without validation (a hand-edited file may hold anything)."""
    cells = nb.get("cells")
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def cell_identifiers(cell: dict) -> set[str]:
    """What in one cell can name the release notebook it came from."""
    found: set[str] = set()
    if isinstance(cell.get("id"), str):
        found.add(f"cell:{cell['id']}")
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    if isinstance(grade_id, str):
        found.add(f"grade:{grade_id}")
    task_id = task_id_of(grade_id)
    if task_id:
        found.add(f"task:{task_id}")
    if cell.get("cell_type") == "code":
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        found.update(f"task:{t}" for t in _CHECK_TASK.findall(text) if t in TASKS_BY_ID)
    return found


@dataclass(frozen=True)
class Signatures:
    """Each release notebook (by stem) and the identifiers found in it alone."""

    notebooks: dict[str, frozenset[str]]

    def scores(self, nb: NotebookNode) -> list[tuple[int, str]]:
        """(cells of ``nb`` holding an identifier of a notebook, stem) per notebook, most first."""
        counts = dict.fromkeys(self.notebooks, 0)
        for cell in _cells(nb):
            ids = cell_identifiers(cell)
            for stem, own in self.notebooks.items():
                counts[stem] += bool(ids & own)
        return sorted(((n, stem) for stem, n in counts.items()), reverse=True)


def release_signatures(source: Path, read: bool = True) -> Signatures:
    """The signatures of the course notebooks in ``source`` (the assignment's source folder).

    ``read=False``: only which notebooks there are (no identifiers; nothing is recognised).
    """
    every: dict[str, set[str]] = {}
    for stem in NOTEBOOKS:
        path = source / f"{stem}.ipynb"
        if path.is_file():
            every[stem] = set().union(*map(cell_identifiers, _cells(read_notebook(path)))) \
                if read else set()
    seen: dict[str, int] = {}
    for ids in every.values():
        for ident in ids:
            seen[ident] = seen.get(ident, 0) + 1
    return Signatures({stem: frozenset(i for i in ids if seen[i] == 1)
                       for stem, ids in every.items()})


def _match(signatures: Signatures, nb: NotebookNode) -> tuple[str | None, int, list[str]]:
    """(recognised stem or None, its cells recognised, the two stems it mixes, if it does)."""
    (best, stem), (second, other) = [*signatures.scores(nb), (0, ""), (0, "")][:2]
    if best >= MIN_SHARED and 2 * second < best:
        return stem, best, []
    return None, best, sorted([stem, other]) if second >= MIN_SHARED else []


@dataclass
class Recognition:
    """What became of a submission's notebooks: staged names, and what to tell whom."""

    renamed: dict[str, str] = field(default_factory=dict)  # stem -> file handed in (relative)
    notes: list[str] = field(default_factory=list)  # for the instructor, one line each
    student_notes: list[str] = field(default_factory=list)  # for the student's feedback

    def say(self, instructor: str, student: str) -> None:
        self.notes.append(instructor)
        self.student_notes.append(student)


def _other_notebooks(files: list[str]) -> list[str]:
    """The notebooks among ``files`` that do not have a release name."""
    return [rel for rel in files if Path(rel).suffix == ".ipynb"
            and not (len(Path(rel).parts) == 1 and Path(rel).stem in NOTEBOOKS)]


def recognise_submission(folder: Path, files: Iterable[str], source: Path,
                         unreadable: Iterable[str] = ()) -> Recognition:
    """``recognise`` against the release in ``source`` (read only when a file needs matching)."""
    files = list(files)
    return recognise(folder, files, release_signatures(source, bool(_other_notebooks(files))),
                     unreadable)


def recognise(folder: Path, files: Iterable[str], signatures: Signatures,
              unreadable: Iterable[str] = ()) -> Recognition:
    """Match the notebooks among ``files`` (relative to ``folder``) that have no release name.

    ``files`` are the submission's files that will be staged; a course notebook counts
    as handed in when its release name is among them. ``unreadable``: stems whose
    notebook was handed in under its name but cannot be read (said elsewhere). Notebooks
    of the release that end up neither handed in nor recognised are named as missing.
    """
    files, unreadable = list(files), set(unreadable)
    present = {stem for stem in signatures.notebooks if f"{stem}.ipynb" in files}
    found = Recognition()
    claims: dict[str, list[tuple[str, int]]] = {}
    for rel in _other_notebooks(files):
        try:
            nb = read_notebook(folder / rel)
        except NotebookError:
            found.say(f"notebook '{rel}' is not part of the assignment and could not be read: "
                      f"not graded",
                      f"'{rel}' could not be read as a notebook; it was not graded.")
            continue
        stem, shared, mixed = _match(signatures, nb)
        if stem is not None:
            claims.setdefault(stem, []).append((rel, shared))
        elif mixed:
            found.say(f"notebook '{rel}' mixes cells of {mixed[0]}.ipynb and {mixed[1]}.ipynb: "
                      f"not graded",
                      f"'{rel}' mixes cells of several notebooks of the assignment; it was not "
                      f"graded.")
        else:
            found.say(f"notebook '{rel}' is not part of the assignment and holds none of its "
                      f"notebooks' cells: not graded",
                      f"'{rel}' is not a notebook of the assignment; it was not graded.")
    for stem, matches in sorted(claims.items()):
        names = " and ".join(f"'{rel}'" for rel, _ in matches)
        if stem in present:
            holds = "holds" if len(matches) == 1 else "hold"
            found.say(f"notebook {names} {holds} the cells of {stem}.ipynb, which was handed in "
                      f"too: {stem}.ipynb was graded, not the copy",
                      f"{names} {holds} the cells of {stem}.ipynb, which you handed in too: "
                      f"{stem}.ipynb was graded, not the copy.")
        elif len(matches) > 1:
            found.say(f"notebooks {names} all hold the cells of {stem}.ipynb, which was not "
                      f"handed in under its name: none was graded (rename the right one to "
                      f"{stem}.ipynb in the submission and autograde this student again)",
                      f"{names} all hold the cells of {stem}.ipynb: none could be graded as "
                      f"it, so {stem}.ipynb counts as not handed in.")
        else:
            rel, shared = matches[0]
            found.renamed[stem] = rel
            why = f"; {stem}.ipynb itself could not be read" if stem in unreadable else ""
            found.say(f"notebook '{rel}' is {stem}.ipynb renamed (recognised by {shared} "
                      f"of its cells{why}): graded as {stem}.ipynb",
                      f"Your notebook '{rel}' was recognised as {stem}.ipynb by its cells and "
                      f"graded as {stem}.ipynb.")
    for stem in signatures.notebooks:
        if stem not in present and stem not in found.renamed and stem not in unreadable:
            found.say(f"notebook {stem}.ipynb was not handed in: its tasks were graded from "
                      f"cs231n_core and its other cells score 0",
                      f"{stem}.ipynb was not handed in: its tasks were graded from your "
                      f"cs231n_core and its other cells score 0.")
    return found


def write_student_notes(folder: Path, found: Recognition) -> None:
    """Keep the student's lines next to the autograded notebooks (none: no file)."""
    if found.student_notes:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / NOTES_FILE).write_text(json.dumps(
            {"renamed": found.renamed, "notes": found.student_notes}, indent=1))


def read_student_notes(folder: Path) -> tuple[dict[str, str], list[str]]:
    """(stem -> file handed in, lines for the student) of an autograded folder."""
    try:
        data = json.loads((folder / NOTES_FILE).read_text())
        renamed, notes = data["renamed"], data["notes"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}, []
    if not isinstance(renamed, dict) or not isinstance(notes, list):
        return {}, []
    return ({str(k): str(v) for k, v in renamed.items()}, [str(n) for n in notes])
