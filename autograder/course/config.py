"""The configuration of a course: the trusted grader's wiring apart from the instructor's settings.

Two files, so that no command ever rewrites what the instructor set:

- ``cs231n_grader_config.py`` (``GENERATED``), rendered from
  ``templates/cs231n_grader_config.py.j2`` with the cell time limit and the default
  ``SubmissionLimits`` (``autograder.course.limits``); every ``init`` rewrites it.
- ``nbgrader_config.py``, the file nbgrader and the formgrader read. ``init`` writes it
  once, from ``templates/nbgrader_config.py.j2``: it loads the generated file first, then
  holds the instructor's own settings (late policy, limits, anything of nbgrader's).
  It is never rewritten; a course made before the split keeps its file as it is.
"""

from __future__ import annotations

from autograder.course.layout import ASSIGNMENT, GENERATED_CONFIG, Course, student_module_files
from autograder.course.limits import DEFAULT_LIMITS, Limits
from autograder.course.templates import render

GENERATED = GENERATED_CONFIG
TEMPLATE = "cs231n_grader_config.py.j2"  # in autograder/course/templates/
INSTRUCTOR_TEMPLATE = "nbgrader_config.py.j2"
LOAD_LINE = f'load_subconfig("{GENERATED}")'


def config_text(timeout: int, limits: Limits = DEFAULT_LIMITS) -> str:
    """The generated config of a course whose notebook cells may run ``timeout`` seconds."""
    return render(TEMPLATE, timeout=int(timeout), assignment=ASSIGNMENT,
                  exclude=student_module_files(), limits=limits)


def instructor_config_text() -> str:
    """The first ``nbgrader_config.py`` of a course: loads the generated file, then yours."""
    return render(INSTRUCTOR_TEMPLATE, generated=GENERATED)


def write_config(course: Course, timeout: int, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Write the generated config; write ``nbgrader_config.py`` only where there is none.

    Returns notes for the instructor (one line each): a ``nbgrader_config.py`` that does
    not load the generated file is kept as it is, and said so.
    """
    course.generated_config.write_text(config_text(timeout, limits))
    return instructor_config(course)


def instructor_config(course: Course) -> list[str]:
    """Write ``nbgrader_config.py`` where there is none; notes as ``write_config``'s."""
    if not course.config.exists():
        course.config.write_text(instructor_config_text())
        return []
    if LOAD_LINE not in course.config.read_text(errors="replace"):
        return [f"{course.config.name} was kept as it is and does not load {GENERATED}: "
                f"add the line `{LOAD_LINE}` after `c = get_config()` so that it picks up "
                f"the rebuilt grader settings"]
    return []
