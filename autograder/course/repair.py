"""Repairing a submitted notebook's nbgrader cells against the release, before nbgrader checks them.

nbgrader fails a whole notebook (often the whole submission) when a student
edits the nbgrader metadata of one cell: a written answer unticked as a
solution, a grade id copied onto another cell, a grade cell turned into a
solution cell, points raised, a deleted grade cell. ``repair_cells`` puts
every cell the release knows back as the release made it, by grade id, so
that such an edit costs at most the points of the cells concerned:

- a cell claiming a grade id the release does not know loses its nbgrader
  metadata (it is graded as an ordinary cell);
- when several cells claim one grade id, the one that matches the release
  best (same source, then same cell type) keeps it, the others lose it;
- the kept cell gets the release's flags, points, cell type and checksum,
  and a locked cell its release source;
- a grade cell no cell claims any more is put back, with its release source,
  after the cell that precedes it in the release; it scores 0.

Each change is one line of ``Repair.notes``, for the student's log and the
instructor's autograde output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nbformat import NotebookNode

# The keys of nbgrader's cell metadata schema (version 3); any other key fails validation.
NBGRADER_KEYS = frozenset({"schema_version", "grade", "locked", "solution", "task", "grade_id",
                           "points", "checksum", "cell_type"})

# Marks every line the repair writes into a log, so that the notes can be found again.
NOTE_MARK = "cell damage:"

# nbgrader's hidden test block, which the release removes from a locked cell's source.
HIDDEN_TESTS = re.compile(r"^[ \t]*#+ BEGIN HIDDEN TESTS.*?^[ \t]*#+ END HIDDEN TESTS[^\n]*\n?",
                          re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class ReleaseCell:
    """One nbgrader cell of the released notebook, as the gradebook holds it."""

    grade_id: str
    cell_type: str
    source: str
    checksum: str | None
    locked: bool
    grade: bool
    solution: bool
    task: bool
    points: float

    def metadata(self) -> dict[str, object]:
        """The nbgrader metadata the release gave this cell."""
        meta: dict[str, object] = {"grade": self.grade, "grade_id": self.grade_id,
                                   "locked": self.locked, "schema_version": 3,
                                   "solution": self.solution, "cell_type": self.cell_type}
        if self.grade or self.task:
            meta["points"] = self.points
        if self.task:
            meta["task"] = True
        if self.checksum is not None:
            meta["checksum"] = self.checksum
        return meta


@dataclass
class Repair:
    """What ``repair_cells`` changed in one notebook."""

    notes: list[str] = field(default_factory=list)
    restored: set[str] = field(default_factory=set)  # grade ids of grade cells put back (score 0)


def _source(cell: NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def set_cell_type(cell: NotebookNode, cell_type: str) -> None:
    """Turn ``cell`` into a cell of ``cell_type`` (code, markdown or raw), keeping its source."""
    if cell.get("cell_type") == cell_type:
        return
    cell["cell_type"] = cell_type
    if cell_type == "code":
        cell.pop("attachments", None)
        cell["outputs"] = []
        cell["execution_count"] = None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def visible(source: str) -> str:
    """A cell's source as students see it: hidden test blocks out, trailing spaces ignored."""
    return "\n".join(line.rstrip() for line in HIDDEN_TESTS.sub("", source).strip().splitlines())


def _match(cell: NotebookNode, release: ReleaseCell, after: bool) -> tuple[bool, bool, bool]:
    """How well a cell claiming ``release``'s grade id matches it.

    Same (visible) source first, then same cell type, then ``after``: the cell
    comes after the cell that precedes it in the release.
    """
    return (visible(_source(cell)) == visible(release.source),
            cell.get("cell_type") == release.cell_type, after)


def _restore(cell: NotebookNode, release: ReleaseCell) -> list[str]:
    """Put the release's type, metadata and (locked) source back; what was changed."""
    changed = []
    if cell.get("cell_type") != release.cell_type:
        changed.append(f"cell type {cell.get('cell_type')} (should be {release.cell_type})")
        set_cell_type(cell, release.cell_type)
    meta = cell.metadata.get("nbgrader", {})
    expected = release.metadata()
    for key in ("grade", "solution", "locked", "task"):
        have, want = meta.get(key, False), expected.get(key, False)
        if bool(have) != bool(want):
            changed.append(f"{key} {have!r} (should be {want!r})")
    if "points" in expected:
        have = meta.get("points")
        try:
            same = float(have) == float(expected["points"])  # type: ignore[arg-type]
        except (TypeError, ValueError):
            same = False
        if not same:
            changed.append(f"points {have!r} (should be {expected['points']!r})")
    if release.locked and visible(_source(cell)) != visible(release.source):
        changed.append("its locked source was edited")
    if release.locked:
        cell["source"] = release.source  # nbgrader would put it back too, with hidden tests
    cell.metadata["nbgrader"] = expected
    return changed


def _new_cell(release: ReleaseCell) -> NotebookNode:
    cell = NotebookNode(cell_type=release.cell_type, metadata=NotebookNode(),
                        source=release.source)
    if release.cell_type == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    cell.metadata["nbgrader"] = release.metadata()
    return cell


def _index(nb: NotebookNode, cell: NotebookNode) -> int:
    return next(i for i, c in enumerate(nb.cells) if c is cell)


def repair_cells(nb: NotebookNode, release: list[ReleaseCell],
                 tasks: frozenset[str] = frozenset()) -> Repair:
    """Repair ``nb``'s nbgrader cells in place against ``release`` (in release order).

    ``tasks``: grade ids of cells the trusted grader scores from the modules; one that is
    missing costs nothing, and may be a task added to the course after the hand-in.
    """
    known = {r.grade_id: r for r in release}
    repair = Repair()
    claims: dict[str, list[NotebookNode]] = {}
    for index, cell in enumerate(nb.cells, start=1):
        metadata = cell.get("metadata")
        if not isinstance(metadata, dict) or "nbgrader" not in metadata:
            continue
        meta = metadata["nbgrader"]
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if isinstance(grade_id, str) and grade_id in known:
            claims.setdefault(grade_id, []).append(cell)
            continue
        del metadata["nbgrader"]
        if grade_id is not None or (isinstance(meta, dict) and any(meta.values())):
            repair.notes.append(f"cell {index} named grade id {str(grade_id)[:80]!r}, which is "
                                f"not in the release: graded as an ordinary cell")

    previous: NotebookNode | None = None
    for release_cell in release:
        cells = claims.get(release_cell.grade_id, [])
        if cells:
            start = -1 if previous is None else _index(nb, previous)
            best = max(cells, key=lambda c: _match(c, release_cell, _index(nb, c) > start))
            for other in cells:
                if other is not best:
                    del other.metadata["nbgrader"]
                    repair.notes.append(f"a second cell claimed grade id "
                                        f"{release_cell.grade_id!r}: the copy is graded as an "
                                        f"ordinary cell")
            changed = _restore(best, release_cell)
            if changed:
                repair.notes.append(f"cell {release_cell.grade_id!r} was edited "
                                    f"({'; '.join(changed)}): restored from the release")
        elif release_cell.grade or release_cell.task:
            best = _new_cell(release_cell)
            nb.cells.insert(0 if previous is None else _index(nb, previous) + 1, best)
            repair.restored.add(release_cell.grade_id)
            if release_cell.grade_id in tasks:
                repair.notes.append(f"grade cell {release_cell.grade_id!r} was missing (deleted, "
                                    f"or added to the course after this hand-in): put back "
                                    f"from the release, its task graded from the modules")
            else:
                repair.notes.append(f"grade cell {release_cell.grade_id!r} was deleted (or lost "
                                    f"its nbgrader metadata): put back from the release, it "
                                    f"scores 0")
        else:
            continue
        previous = best
    return repair
