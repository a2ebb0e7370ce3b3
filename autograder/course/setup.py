"""Creating a course: ``init`` (config, source, gradebook) and ``release`` (checked stubs).

A course is built from the repository's assignment folder and the generated
stubs; stale stubs and solution text in ``release/`` stop it with a clear message.
"""


from __future__ import annotations

import os
import shutil
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.api import MissingEntry

from autograder.course.config import config_text, instructor_config, write_config
from autograder.course.layout import (
    ASSIGNMENT,
    DEFAULT_ASSIGNMENT_DIR,
    DEFAULT_TIMEOUT,
    SKIP,
    Course,
    CourseError,
    Progress,
    copy_student_package,
    open_gradebook,
    run_nbgrader,
    stderr_progress,
)
from autograder.course.release import check_release
from autograder.course.update import check_kept, copy_source, update_course
from autograder.grade_cells import (
    NotebookError,
    course_notebook_paths,
    prepare_source_notebook,
    read_notebook,
    solved_notebook,
    write_notebook,
)
from autograder.maintain import build_stubs
from autograder.registry import NOTEBOOKS, STUB_MODULES, Task
from autograder.solutions import reference_path, stub_path, write_solution_package

# --------------------------------------------------------------------------- init


def check_stubs_fresh() -> None:
    """Refuse to build a course from stale stubs (they are what students receive)."""
    stale = []
    for module in STUB_MODULES:
        ref = reference_path(module)
        if not ref.exists():
            continue
        stub = stub_path(module)
        expected = build_stubs.make_stub(module, ref.read_text())
        if not stub.exists() or stub.read_text() != expected:
            stale.append(f"cs231n_core/{module}.py")
    if stale:
        raise CourseError(
            f"stale student stubs ({', '.join(stale)}): "
            "run `python -m autograder.maintain.build_stubs`"
        )


def load_source_notebooks(assignment_dir: Path) -> dict[Path, tuple[NotebookNode, list[Task]]]:
    """Read and check the course notebooks of an assignment folder, with canonical grade cells.

    Returns {path: (notebook, registry tasks of that notebook without a grade cell)}.
    """
    if not assignment_dir.is_dir():
        raise CourseError(f"assignment folder {assignment_dir} does not exist")
    unknown = [p.name for p in assignment_dir.glob("*.ipynb") if p.stem not in NOTEBOOKS]
    if unknown:
        raise CourseError(
            f"{', '.join(unknown)} in {assignment_dir}: notebook names must be one of "
            f"{', '.join(n + '.ipynb' for n in NOTEBOOKS)}"
        )
    notebooks = {}
    for path in course_notebook_paths(assignment_dir):
        try:
            nb = read_notebook(path)
            notebooks[path] = (nb, prepare_source_notebook(nb, path.stem))
        except NotebookError as exc:
            raise CourseError(str(exc)) from None
    if not notebooks:
        raise CourseError(f"no course notebooks in {assignment_dir}")
    return notebooks


def build_source(course: Course, assignment_dir: Path, progress: Progress) -> None:
    """Fill ``source/training_nn`` from an assignment folder and the stub package."""
    notebooks = load_source_notebooks(assignment_dir)
    if course.source.exists():
        shutil.rmtree(course.source)
    shutil.copytree(assignment_dir, course.source, ignore=SKIP)
    copy_student_package(course.source / "cs231n_core")
    for path, (nb, ungraded) in notebooks.items():
        write_notebook(nb, course.source / path.name)
        if ungraded:
            progress(f"note: {path.name} has no grade cell for {len(ungraded)} of its registry "
                     f"task(s): {', '.join(t.id for t in ungraded)}")


def init_course(
    course_dir: str | os.PathLike,
    assignment_dir: str | os.PathLike | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    force: bool = False,
    progress: Progress = stderr_progress,
) -> Course:
    """Create a ready nbgrader course: config, source assignment, gradebook, checked release."""
    root = Path(course_dir).resolve()
    if root.exists() and not root.is_dir():
        raise CourseError(f"{course_dir} exists and is not a directory")
    if root.exists() and any(root.iterdir()) and not force:
        raise CourseError(
            f"{course_dir} is not empty (use --force to rebuild its source and config)"
        )
    if timeout <= 0:
        raise CourseError("--timeout must be a positive number of seconds")
    check_stubs_fresh()
    assignment_dir = Path(assignment_dir or DEFAULT_ASSIGNMENT_DIR)
    notebooks = load_source_notebooks(assignment_dir)  # bad input fails before any write
    root.mkdir(parents=True, exist_ok=True)
    course = Course(root)
    if course.gradebook.is_file():  # a running course: staged, nothing lost (``update``)
        check_kept(course, {path.stem: nb for path, (nb, _) in notebooks.items()})
        notes = instructor_config(course)
        progress(f"[init] rebuilding {course.generated_config.name}, source/{ASSIGNMENT} and "
                 f"the release in a staging copy")
        update_course(course, lambda staged: build_source(staged, assignment_dir, progress),
                      config_text(timeout), progress)
        for note in notes:
            progress(f"note: {note}")
        return course
    progress(f"[init] writing {course.config.name} and source/{ASSIGNMENT}")

    for note in write_config(course, timeout):
        progress(f"note: {note}")
    build_source(course, assignment_dir, progress)
    progress("[init] registering the assignment in the gradebook (nbgrader generate_assignment)")
    release_course(course, progress)
    return course


# --------------------------------------------------------------------------- release


def release_course(course: Course, progress: Progress = stderr_progress) -> Path:
    """``nbgrader generate_assignment`` into ``release/``, then fail if any solution leaked.

    A course whose gradebook holds the assignment already is released through a staged
    copy (``update``): submissions, grades and the old release stay until it is right.
    """
    if _released(course):  # checked in the staging copy
        update_course(course, copy_source(course), course.generated_config.read_text(),
                      progress)
    else:
        run_nbgrader(course, ["generate_assignment", ASSIGNMENT, "--force"],
                     "generate_assignment")
        problems = check_release(course.root / "release")
        if problems:
            raise CourseError(f"solution text reached release/: {problems[0]} "
                              f"({len(problems)} problem(s) in all)")
    progress(f"[release] {course.release} ({len(course_notebook_paths(course.release))} "
             f"notebook(s), checked: no solution text)")
    return course.release


def _released(course: Course) -> bool:
    """True when the course's gradebook records the assignment's notebooks."""
    if not course.gradebook.is_file():
        return False
    with open_gradebook(course) as gb:
        try:
            return bool(gb.find_assignment(ASSIGNMENT).notebooks)
        except MissingEntry:
            return False


def write_solutions_folder(
    out_dir: str | os.PathLike,
    notebooks_from: str | os.PathLike | None = None,
    progress: Progress = stderr_progress,
) -> Path:
    """A student-shaped folder holding the perfect submission.

    Notebooks: the source notebooks of ``notebooks_from`` (a course's source
    folder or an assignment folder; default the repository's) with their
    model solutions filled in. ``cs231n_core``: the provided modules plus, for
    every student module, its reference with the marker lines removed.
    """
    src = Path(notebooks_from or DEFAULT_ASSIGNMENT_DIR)
    out = Path(out_dir).resolve()
    if not src.is_dir():
        raise CourseError(f"assignment folder {src} does not exist")
    if out.exists() and any(out.iterdir()):
        raise CourseError(f"{out_dir} is not empty; choose a new folder")
    notebooks = load_source_notebooks(src)
    shutil.copytree(src, out, ignore=SKIP, dirs_exist_ok=True)
    for path, (nb, _) in notebooks.items():
        write_notebook(solved_notebook(nb), out / path.name)
    write_solution_package(out)
    progress(f"[release] perfect submission written to {out}")
    return out
