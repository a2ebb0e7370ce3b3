"""The ``nbgrader_config.py`` of a course: the trusted grader wired into nbgrader's pipeline.

The file is rendered from ``templates/nbgrader_config.py.j2``. Besides nbgrader's
own options it holds the course's ``AutogradeLimits``, which ``autograde`` reads
back with ``autograde_limits``.
"""

from __future__ import annotations

from traitlets import Integer
from traitlets.config import Configurable
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from autograder.course.layout import ASSIGNMENT, Course, CourseError, student_module_files
from autograder.course.templates import render

TEMPLATE = "nbgrader_config.py.j2"  # in autograder/course/templates/
# An honest submission of the six notebooks autogrades in well under a minute, and in a
# few minutes when its notebooks are executed (--execute).
DEFAULT_SUBMISSION_SECONDS = 900


class AutogradeLimits(Configurable):
    """Limits of ``cs231n-course autograde`` (section ``c.AutogradeLimits`` of the config)."""

    submission_seconds = Integer(
        DEFAULT_SUBMISSION_SECONDS,
        help="Wall-clock seconds the autograde of one submission may take in all (trusted "
        "grading, nbgrader's run, executed notebooks). Past it, that submission's grading is "
        "killed and its unfinished tasks get 0 with a note; the other students go on.",
    ).tag(config=True)


def config_text(timeout: int, submission_seconds: int = DEFAULT_SUBMISSION_SECONDS) -> str:
    """The ``nbgrader_config.py`` of a course whose notebook cells may run ``timeout`` seconds."""
    return render(TEMPLATE, timeout=int(timeout), assignment=ASSIGNMENT,
                  exclude=student_module_files(), submission_seconds=int(submission_seconds))


def write_config(course: Course, timeout: int,
                 submission_seconds: int = DEFAULT_SUBMISSION_SECONDS) -> None:
    course.config.write_text(config_text(timeout, submission_seconds))


def autograde_limits(course: Course) -> AutogradeLimits:
    """The limits set in the course's ``nbgrader_config.py`` (defaults where it sets none)."""
    loader = PyFileConfigLoader(course.config.name, path=str(course.root))
    try:
        config = loader.load_config()
    except ConfigFileNotFound:
        raise CourseError(f"{course.config} is missing") from None
    limits = AutogradeLimits(config=config)
    if limits.submission_seconds < 1:
        raise CourseError(f"{course.config}: c.AutogradeLimits.submission_seconds must be at "
                          f"least 1 (it is {limits.submission_seconds})")
    return limits
