"""Attacks on "damage stays local" and "size limits": edited nbgrader metadata, huge or odd files.

Every case drives the real pipeline on the small fixture course of
``tests/fixtures/course_notebook.py`` (one notebook: the registry grade cell
``layers.affine_forward``, 2 points; the plain test cell ``fixture_hidden_test``,
1 point; the written answer ``fixture_question``, 1 point, graded by hand). The
course is made once per process and copied for each case (``new_fixture_course``). A metadata case
hands in the perfect submission with one edit and runs a real ``autograde``:
only the edited cell may lose points, every other cell keeps them, and the
autograde output names the damage. A size case hands in or stages something
over a limit: it is refused or left out with a message naming the student and
the limit, nothing over the limit is copied, and the rest is graded as usual.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

from markupsafe import escape

from autograder.course.autograde import autograde
from autograder.course.gradebook import gradebook_scores
from autograder.course.layout import Course, CourseError
from autograder.course.limits import DEFAULT_LIMITS, MIB
from autograder.course.report import write_report
from autograder.course.submissions import submit
from tests.catalogue.attacks.case import Attack, Outcome
from tests.fixtures.course_notebook import NOTEBOOK, new_fixture_course
from tests.fixtures.processes import restart_peak_rss, vm_kib

AFFINE = "layers.affine_forward"  # registry grade cell, 2 points
TEST = "fixture_hidden_test"  # plain nbgrader test cell, 1 point
ANSWER = "fixture_question"  # written answer, 1 point, graded by hand
FULL = {AFFINE: 2.0, TEST: 1.0, ANSWER: None}  # the perfect submission (answer pending)
NB_FILE = f"{NOTEBOOK}.ipynb"
STUDENT = "mallory"

def _new_course(work: Path) -> tuple[Course, Path]:
    return new_fixture_course(work, release=True)


def _scores(course: Course, student: str) -> dict[str, float | None]:
    row = next(r for r in gradebook_scores(course) if r.student == student)
    return {c.label: c.score for c in row.cells}


def _max_scores(course: Course, student: str) -> dict[str, float]:
    row = next(r for r in gradebook_scores(course) if r.student == student)
    return {c.label: c.max_score for c in row.cells}


def _autograde(course: Course, students: list[str]) -> tuple[list[str], bool]:
    """A real autograde of ``students``: the lines it printed and whether all were graded."""
    said: list[str] = []
    results = autograde(course, students, progress=said.append)
    return said, all(r.ok for r in results) and len(results) == len(students)


# --------------------------------------------------------------------------- metadata


def _edit_notebook(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / NB_FILE
        nb = json.loads(path.read_text())
        edit(nb)
        path.write_text(json.dumps(nb, indent=1))

    return apply


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def _flip_answer(nb: dict) -> None:
    _cell(nb, ANSWER)["metadata"]["nbgrader"]["solution"] = False  # nbgrader: notebook fails


def _duplicate_grade_id(nb: dict) -> None:
    # The solution cell takes the test cell's id, and the test cell is copied before it.
    solution = _cell(nb, "fixture_output_shape")
    test = copy.deepcopy(_cell(nb, TEST))
    solution["metadata"]["nbgrader"]["grade_id"] = TEST
    nb["cells"].insert(nb["cells"].index(solution), test)


def _delete_test_cell(nb: dict) -> None:
    nb["cells"].remove(_cell(nb, TEST))


def _points_and_types(nb: dict) -> None:
    test = _cell(nb, TEST)
    test["metadata"]["nbgrader"].update(points=100, solution=True)  # more points, now "editable"
    answer = _cell(nb, ANSWER)
    answer.update(cell_type="code", outputs=[], execution_count=None)
    grade = _cell(nb, AFFINE.replace(".", "-"))
    grade["metadata"]["nbgrader"]["points"] = 50


def _metadata_case(edit: Callable[[Path], None], expected: dict[str, float | None],
                   note: str, report: bool = False) -> Callable[[Path], Outcome]:
    """Hand in the perfect submission with ``edit``; ``expected``: every cell's score after it.

    With ``report`` the class report must list the note as well.
    """

    def run(work: Path) -> Outcome:
        course, perfect = _new_course(work)
        folder = work / STUDENT
        shutil.copytree(perfect, folder)
        edit(folder)
        submit(course, STUDENT, folder)
        said, ok = _autograde(course, [STUDENT])
        if not ok:
            return Outcome(False, False, "autograde failed: " + " | ".join(said[-3:]))
        scores = _scores(course, STUDENT)
        maxima = _max_scores(course, STUDENT)
        gained = any((scores[c] or 0.0) > (FULL[c] or 0.0) for c in FULL) or \
            maxima != {AFFINE: 2.0, TEST: 1.0, ANSWER: 1.0}
        noted = [line for line in said if "note:" in line and note in line]
        log = (course.logs / f"autograde-{STUDENT}.log").read_text(errors="replace")
        held = scores == expected and bool(noted) and note in log
        if report:
            page = write_report(course, progress=lambda _m: None).read_text()
            held = held and "Damaged submissions" in page and str(escape(note)) in page
        return Outcome(gained, held, f"scores {scores} (expected {expected}), max {maxima}; "
                       f"notes: {[line for line in said if 'note:' in line]}")

    return run


def _rename_and_copy(work: Path) -> Outcome:
    """One student renames the course notebook, another hands in a copy of it as well."""
    course, perfect = _new_course(work)
    renamer, copier = work / "renamer", work / "copier"
    shutil.copytree(perfect, renamer)
    (renamer / NB_FILE).rename(renamer / "01_final.ipynb")
    shutil.copytree(perfect, copier)
    shutil.copy(copier / NB_FILE, copier / "01_activations_preprocessing (copy).ipynb")
    submit(course, "renamer", renamer)
    submit(course, "copier", copier)
    said, ok = _autograde(course, ["copier", "renamer"])
    if not ok:
        return Outcome(False, False, "autograde failed: " + " | ".join(said[-3:]))
    renamed, copied = _scores(course, "renamer"), _scores(course, "copier")
    # A renamed notebook is recognised by its cells and graded under its own name.
    held = (renamed == FULL and copied == FULL
            and any("renamer: note:" in s and f"'01_final.ipynb' is {NB_FILE} renamed" in s
                    for s in said)
            and any("copier: note:" in s and f"(copy).ipynb' holds the cells of {NB_FILE}" in s
                    for s in said))
    gained = any((copied[c] or 0.0) > (FULL[c] or 0.0) for c in FULL)
    return Outcome(gained, held, f"renamer {renamed}, copier {copied}; {said}")


# --------------------------------------------------------------------------- size


def _peak_rss_mib() -> float:
    return vm_kib("VmHWM") / 1024


def _restart_peak_mib() -> float:
    return restart_peak_rss() / 1024


def _bomb(path: Path, perfect: Path, members: int, member_bytes: int) -> None:
    """The perfect submission plus ``members`` members of zeros, each packing about 1000 to 1."""
    block = bytes(member_bytes)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(perfect.rglob("*")):
            if file.is_file():
                zf.write(file, f"training_nn/{file.relative_to(perfect)}")
        for i in range(members):
            zf.writestr(f"training_nn/data/part_{i:03d}.bin", block)


def _zip_bomb(work: Path) -> Outcome:
    """Two bombs: 200 members of 2 MiB (each under the per-file limit), one of 400 MiB."""
    course, perfect = _new_course(work)
    said, figures, written = {}, [], 0
    for name, members, size in (("many", 200, 2 * MIB), ("one", 1, 400 * MIB)):
        bomb = work / f"{name}.zip"
        _bomb(bomb, perfect, members, size)
        before = _restart_peak_mib()
        try:
            submit(course, f"{STUDENT}_{name}", bomb)
            said[name] = ""
        except CourseError as exc:
            said[name] = str(exc)
        figures.append(f"{bomb.stat().st_size / MIB:.2f} MiB zip unpacking to "
                       f"{members * size / MIB:.0f} MiB: refused, peak RSS "
                       f"+{_peak_rss_mib() - before:.0f} MiB")
        student_dir = course.root / "submitted" / f"{STUDENT}_{name}"
        if student_dir.exists():
            written += sum(p.stat().st_size for p in student_dir.rglob("*") if p.is_file())
    held = ("mallory_many" in said["many"] and "(a zip bomb)" in said["many"]
            and "mallory_one" in said["one"] and "over the limit of 10.0 MiB per file"
            in said["one"] and written == 0)
    return Outcome(written > 0, held, f"{said}; {written} bytes written",
                   figure="; ".join(figures))


def _zip_members(work: Path) -> Outcome:
    """Path traversal, an absolute name, a symbolic link and a device in zip members."""
    course, perfect = _new_course(work)
    outside = work / "escaped.py"
    cases: dict[str, Callable[[zipfile.ZipFile], None]] = {
        "traversal": lambda zf: zf.writestr("training_nn/../../../escaped.py", "x = 1\n"),
        "absolute": lambda zf: zf.writestr(str(outside), "x = 1\n"),
        "symlink": lambda zf: zf.writestr(_info("training_nn/cs231n_core/link.py", 0o120777),
                                          "/etc/passwd"),
        "device": lambda zf: zf.writestr(_info("training_nn/cs231n_core/tty", 0o020666), ""),
    }
    said = {}
    for name, add in cases.items():
        path = work / f"{name}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for file in sorted(perfect.rglob("*")):
                if file.is_file():
                    zf.write(file, f"training_nn/{file.relative_to(perfect)}")
            add(zf)
        try:
            submit(course, f"{STUDENT}_{name}", path)
            said[name] = ""
        except CourseError as exc:
            said[name] = str(exc)
    escaped = outside.exists() or any(work.parent.glob("escaped.py")) or \
        any((course.root / "submitted").rglob("escaped.py"))
    expected = {"traversal": "path traversal", "absolute": "path traversal",
                "symlink": "symbolic link", "device": "special file"}
    held = all(f"{STUDENT}_{name}" in said[name] and expected[name] in said[name]
               for name in cases) and not course.students()
    return Outcome(escaped, held, json.dumps(said))


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def _huge_tree(work: Path) -> Outcome:
    """400 MiB of files in a submitted folder (placed there by hand, not by submit)."""
    course, perfect = _new_course(work)
    submit(course, STUDENT, perfect)
    folder = course.submitted(STUDENT)
    with open(folder / "cs231n_core" / "weights.bin", "wb") as f:
        f.truncate(300 * MIB)  # sparse: large by stat, free on disk
    for i in range(25):
        with open(folder / f"data_{i:02d}.bin", "wb") as f:
            f.truncate(4 * MIB)
    before = _restart_peak_mib()
    said, ok = _autograde(course, [STUDENT])
    growth = _peak_rss_mib() - before
    if not ok:
        return Outcome(False, False, "autograde failed: " + " | ".join(said[-3:]))
    staged = course.autograded(STUDENT)
    copied = sum(p.stat().st_size for p in staged.rglob("*") if p.is_file())
    notes = [s for s in said if "note:" in s]
    held = (_scores(course, STUDENT) == FULL and copied < DEFAULT_LIMITS.max_total_bytes
            and any("weights.bin" in s and "per file" in s for s in notes)
            and any("in all" in s for s in notes) and growth < 100)
    return Outcome(False, held, f"scores {_scores(course, STUDENT)}; {copied} bytes in "
                   f"autograded/; notes {notes}",
                   figure=f"400 MiB of files in a submission: {copied / MIB:.1f} MiB staged, "
                          f"peak RSS +{growth:.0f} MiB")


def _special_files(work: Path) -> Outcome:
    """A link out of the submission, a FIFO and (as root) a device, in the submitted folder."""
    course, perfect = _new_course(work)
    submit(course, STUDENT, perfect)
    folder = course.submitted(STUDENT)
    secret = work / "secret.txt"
    secret.write_text("the instructor's notes\n")
    os.symlink(secret, folder / "cs231n_core" / "notes.txt")
    os.mkfifo(folder / "cs231n_core" / "pipe")
    kinds = ["notes.txt", "pipe"]
    try:
        os.mknod(folder / "cs231n_core" / "null", 0o666 | 0o020000, os.makedev(1, 3))
        kinds.append("null")
    except (PermissionError, OSError):
        pass  # not root: no device file to plant
    try:
        submit(course, "copied", folder)  # a folder holding them can be handed in as well
    except CourseError as exc:
        return Outcome(False, False, f"submit refused: {exc}")
    said, ok = _autograde(course, [STUDENT, "copied"])
    if not ok:
        return Outcome(False, False, "autograde failed: " + " | ".join(said[-3:]))
    leaked = any("the instructor's notes" in p.read_text(errors="replace")
                 for p in course.root.joinpath("autograded").rglob("*") if p.is_file())
    notes = " ".join(s for s in said if f"{STUDENT}: note:" in s)
    held = (_scores(course, STUDENT) == FULL and _scores(course, "copied") == FULL
            and all(k in notes for k in kinds))
    return Outcome(leaked, held, f"notes: {notes}; kinds {kinds}")


ATTACKS: list[Attack] = [
    Attack("staging-flip-answer", "metadata",
           "flips a written-answer cell to non-solution",
           _metadata_case(_edit_notebook(_flip_answer), FULL, "'fixture_question' was edited",
                          report=True),
           bound=120),
    Attack("staging-duplicate-grade-id", "metadata",
           "copies a test cell and gives its grade id to a solution cell",
           _metadata_case(_edit_notebook(_duplicate_grade_id), FULL,
                          "a second cell claimed grade id 'fixture_hidden_test'"), bound=120),
    Attack("staging-delete-grade-cell", "metadata", "deletes a test cell",
           _metadata_case(_edit_notebook(_delete_test_cell), {**FULL, TEST: 0.0},
                          "'fixture_hidden_test' was deleted"), bound=120),
    Attack("staging-points-and-types", "metadata",
           "raises points, turns a test into a solution cell and an answer into code",
           _metadata_case(_edit_notebook(_points_and_types), FULL,
                          "points 100 (should be 1.0)"), bound=120),
    Attack("staging-rename-copy-notebook", "metadata",
           "renames the course notebook; hands in a copy under another name",
           _rename_and_copy, bound=120),
    Attack("staging-zip-bomb", "size", "hands in a 0.4 MB zip that unpacks to 400 MB",
           _zip_bomb, bound=120),
    Attack("staging-zip-members", "size",
           "zip members with ../, an absolute name, a symbolic link, a device",
           _zip_members, bound=120),
    Attack("staging-huge-tree", "size", "400 MiB of files in the submitted folder",
           _huge_tree, bound=120),
    Attack("staging-special-files", "size",
           "a link out of the submission, a FIFO and a device file", _special_files,
           bound=120),
]
