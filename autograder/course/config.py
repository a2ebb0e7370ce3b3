"""The ``nbgrader_config.py`` of a course: the trusted grader wired into nbgrader's pipeline.

The file is rendered from ``templates/nbgrader_config.py.j2``, with the course's
``SubmissionLimits`` (``autograder.course.limits``).
"""

from __future__ import annotations

from autograder.course.layout import ASSIGNMENT, Course, student_module_files
from autograder.course.limits import DEFAULT_LIMITS, Limits
from autograder.course.templates import render

TEMPLATE = "nbgrader_config.py.j2"  # in autograder/course/templates/


def config_text(timeout: int, limits: Limits = DEFAULT_LIMITS) -> str:
    """The ``nbgrader_config.py`` of a course whose notebook cells may run ``timeout`` seconds."""
    return render(TEMPLATE, timeout=int(timeout), assignment=ASSIGNMENT,
                  exclude=student_module_files(), limits=limits)


def write_config(course: Course, timeout: int, limits: Limits = DEFAULT_LIMITS) -> None:
    course.config.write_text(config_text(timeout, limits))
