"""The hostile catalogue as one class, graded by one nbgrader ``autograde`` run.

``run_hostile_class`` builds a course from the pipeline fixture notebook (the
registry task ``layers.affine_forward``, 2 points, and a written answer; its plain
nbgrader test cell is dropped, so the notebooks are not executed, as for the real
course), autogrades an earlier student, then submits one student per hostile case
(the perfect submission with the case's module, links and notebook edits, written
with the real paths of this course) and an honest bystander, and autogrades them
all in one run. ``class_problems`` lists, per student, every way the run failed the
issue's promises: credit beyond the honest work, the bystander or the earlier
student graded differently, the course directory changed outside the graded
students' own outputs, a file from outside the submission in its autograded folder
(where nbgrader's feedback would show it to the student), or no result.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course.autograde import autograde
from autograder.course.autograde_one import AutogradeResult
from autograder.course.gradebook import open_gradebook
from autograder.course.layout import Course
from autograder.course.submissions import submit
from autograder.grade_cells import grade_id_of
from autograder.solutions import reference_path, solved_module_text
from tests.catalogue.hostile import NOTEBOOK, Hostile
from tests.fixtures.course_notebook import new_fixture_course, write_fixture_assignment

AFFINE = "layers.affine_forward"
CELL = grade_id_of(AFFINE)
ANSWER = "fixture_question"  # the written answer: never scored automatically
EARLIER = "alice"  # graded before the class run: her rows must not change
BYSTANDER = "zz_honest"  # graded in the same run, after the hostile students


# The sample the test suite runs (one autograde run of ten students): the attacks on
# the course directory, the gradebook, the reference and the notebooks, where the
# autograde path differs from ``grade --json``. ``python -m tests.catalogue.hardening_report``
# runs every case that does not run into a time limit.
SAMPLE = (
    "imports the autograder's reference",
    "reads the course source folder",
    "overwrites the gradebook",
    "writes next to the course",
    "links the gradebook, /etc/passwd and the reference into the package",
    "replaces the module file by a link to the reference",
    "renames a course notebook (graded under its own name)",
    "renames a course notebook and forges one under its name",
)


def student_id(index: int) -> str:
    return f"hostile{index:02d}"


def _digest(path: Path) -> str:
    if path.is_symlink():
        return "link:" + os.readlink(path)
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return "dir"


def tree(root: Path, skip=lambda rel: False) -> dict[str, str]:
    """Every entry under ``root`` (links not followed) -> its digest, minus ``skip``ped ones."""
    out = {}
    for path in root.rglob("*"):
        rel = os.fsencode(path.relative_to(root)).decode("utf-8", "backslashreplace")
        if not skip(rel):
            out[rel] = _digest(path)
    return out


def rows(course: Course) -> dict[str, dict[str, tuple]]:
    """student -> grade cell -> (auto score, manual score, needs manual grade)."""
    out: dict[str, dict[str, tuple]] = {}
    with open_gradebook(course) as gb:
        for sub in gb.assignment_submissions("training_nn"):
            cells = out.setdefault(sub.student.id, {})
            for nb in sub.notebooks:
                for g in nb.grades:
                    cells[g.name] = (g.auto_score, g.manual_score, bool(g.needs_manual_grade))
                for c in nb.comments:
                    cells[f"comment:{c.name}"] = (c.auto_comment, c.manual_comment)
    return out


@dataclass
class HostileClass:
    course: Course
    cases: dict[str, Hostile]  # student id -> case
    results: dict[str, AutogradeResult]
    before: dict[str, str]  # course tree before the class run
    earlier_rows: dict[str, tuple]


def _write_assignment(dest: Path) -> Path:
    """The fixture notebook without its plain test cell (so autograde does not execute it)."""
    folder = write_fixture_assignment(dest)
    path = folder / f"{NOTEBOOK.removesuffix('.ipynb')}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") != "fixture_hidden_test"]
    nbformat.write(nb, path)
    return folder


def _hostile_folder(perfect: Path, dest: Path, case: Hostile, paths: dict) -> Path:
    shutil.copytree(perfect, dest)
    package = dest / "cs231n_core"
    (package / "layers.py").write_text(case.build(solved_module_text("layers"), paths))
    for name, target in case.extra_files.items():
        (package / name).unlink(missing_ok=True)
        (package / name).symlink_to(paths.get(target, target))
    if case.notebook is not None:
        case.notebook(dest)
    return dest


def run_hostile_class(base: Path, cases: list[Hostile], jobs: int = 2) -> HostileClass:
    course, perfect = new_fixture_course(base, write_assignment=_write_assignment)
    quiet = lambda _msg: None  # noqa: E731
    submit(course, EARLIER, perfect)
    assert all(r.ok for r in autograde(course, [EARLIER], progress=quiet))
    paths = {
        "gradebook": str(course.gradebook),
        "course": str(course.root),
        "source": str(course.root / "source"),
        "reference": str(reference_path("layers")),
    }
    students = {}
    for i, case in enumerate(cases):
        folder = _hostile_folder(perfect, base / "students" / student_id(i), case, paths)
        submit(course, student_id(i), folder)
        students[student_id(i)] = case
    submit(course, BYSTANDER, perfect)
    before = tree(course.root)
    earlier = rows(course)[EARLIER]
    results = autograde(course, [*students, BYSTANDER], jobs=jobs, progress=quiet)
    return HostileClass(course, students, {r.student: r for r in results}, before, earlier)


def _outputs_of(graded: set[str]):
    """What the class run may change: the gradebook, and each graded student's own outputs."""

    def skip(rel: str) -> bool:
        parts = rel.split("/")
        if rel == "gradebook.db":
            return True
        if parts[0] == "autograded" and len(parts) > 1 and parts[1] in graded:
            return True
        return parts[0] == "logs" and len(parts) > 1 and any(
            parts[1] == f"autograde-{s}.log" for s in graded)

    return skip


def class_problems(run: HostileClass, bound_seconds: float) -> dict[str, list[str]]:
    """student -> what went wrong (empty lists: as expected)."""
    course = run.course
    graded = {*run.cases, BYSTANDER}
    problems: dict[str, list[str]] = {s: [] for s in graded}
    after = rows(course)
    forbidden = {
        Path("/etc/passwd").read_bytes() if Path("/etc/passwd").is_file() else b"",
        reference_path("layers").read_bytes(),
    } - {b""}
    for student in sorted(graded):
        say = problems[student].append
        result = run.results.get(student)
        if result is None or not result.ok:
            say(f"not graded: {result.message if result else 'no result'}")
            continue
        if result.seconds > bound_seconds:
            say(f"took {result.seconds:.0f} s (bound {bound_seconds:.0f} s)")
        cells = after.get(student, {})
        score = cells.get(CELL, (None,))[0]
        case = run.cases.get(student)
        attacked = case is not None and (case.breaks_module or AFFINE in case.targets)
        if attacked and score != 0:
            say(f"{AFFINE} earned {score} (expected 0)")
        elif (case is None or not case.may_lose) and not attacked and score != 2.0:
            say(f"{AFFINE} scored {score} (expected 2, the honest work)")
        elif score is None or score > 2.0:
            say(f"{AFFINE} scored {score}")
        answer = cells.get(ANSWER, (None,))[0]
        if answer not in (None, 0.0):
            say(f"the written answer was scored {answer} automatically")
        folder = course.root / "autograded" / student
        for path in folder.rglob("*") if folder.is_dir() else []:
            if path.is_symlink():
                say(f"autograded/{path.relative_to(folder)} is a symbolic link")
            elif path.is_file():
                data = path.read_bytes()
                if data in forbidden or data.startswith(b"SQLite format 3"):
                    say(f"autograded/{path.relative_to(folder)} holds a file from outside "
                        f"the submission")
    if after.get(EARLIER) != run.earlier_rows:
        problems.setdefault(EARLIER, []).append("gradebook rows changed by the class run")
    skip = _outputs_of(graded)
    now = tree(course.root, skip)
    changed = {k for k in set(run.before) | set(now) if not skip(k)
               and run.before.get(k) != now.get(k)}
    if changed:
        problems.setdefault("course directory", []).append(
            f"changed outside the graded outputs: {', '.join(sorted(changed)[:5])}")
    return problems
