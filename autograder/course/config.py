"""The ``nbgrader_config.py`` of a course: the trusted grader wired into nbgrader's pipeline."""

from __future__ import annotations

from autograder.course.layout import ASSIGNMENT, Course, student_module_files

CONFIG_TEMPLATE = '''\
"""nbgrader configuration of the "Training Neural Networks" course (by `cs231n-course init`).

The score of every grade cell of a registry task comes from the trusted grader
(autograder.course.nbgrader_plugin.TrustedGrades), which replaces that cell's outputs
after the notebook ran; nothing the student's kernel prints changes a score.
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from autograder.course.nbgrader_plugin import (
    HideHiddenTestOutputs,
    RestoreGradeCells,
    TrustedGrades,
    drop_snapshot,
    snapshot_submission,
)

import os

c = get_config()  # noqa: F821 (provided by nbgrader)

# Scores never depend on running the notebooks, so by default they are not run:
# student notebook code then never executes on the grading machine, and feedback
# shows the outputs the student handed in. `cs231n-course autograde --execute`
# re-runs them (fast mode) for fresh outputs.
EXECUTE = os.environ.get("CS231N_EXECUTE_NOTEBOOKS") == "1"

# Seconds a single notebook cell may run during autograde (NBGRADER_EXECUTION is set then).
c.Execute.timeout = {timeout}

# The students' own modules are graded as submitted; every other file of the
# assignment (provided modules, data) is restored from source/ before grading.
c.Autograde.exclude_overwriting = {{"{assignment}": {exclude!r}}}

# Grade cells of registry tasks get their outputs (feedback, points) from the trusted grader.
c.Autograde.autograde_preprocessors = [Execute] * EXECUTE + [
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    TrustedGrades,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# Grade cells edited in ways nbgrader cannot survive are restored before its OverwriteCells.
c.Autograde.sanitize_preprocessors = [ClearOutput] * EXECUTE + [
    DeduplicateIds,
    OverwriteKernelspec,
    RestoreGradeCells,
    OverwriteCells,
    CheckCellMetadata,
]
# The trusted grader reads a copy of the submission taken before any notebook runs.
c.Autograde.pre_convert_hook = snapshot_submission
c.Autograde.post_convert_hook = drop_snapshot

# Python warnings on stderr do not zero other autograded cells.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?m)^.*:\\d+: \\w*Warning: "

# Feedback never shows hidden test code (nor tracebacks quoting it).
c.GenerateFeedback.preprocessors = [
    GetGrades,
    HideHiddenTestOutputs,
    ClearHiddenTests,
    CSSHTMLHeaderPreprocessor,
]
'''


def write_config(course: Course, timeout: int) -> None:
    course.config.write_text(
        CONFIG_TEMPLATE.format(
            timeout=int(timeout), assignment=ASSIGNMENT, exclude=student_module_files()
        )
    )
