"""The course's ``nbgrader_config.py``, rendered from ``autograder/course/templates``."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import nbformat
import pytest
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.course import nbgrader_plugin
from autograder.course.config import config_text, write_config
from autograder.course.layout import ASSIGNMENT, Course, student_module_files
from autograder.course.limits import DEFAULT_LIMITS, LimitError, course_limits

# Every key the config sets, as nbgrader reads it.
KEYS = {
    ("Execute", "timeout"),
    ("Autograde", "exclude_overwriting"),
    ("Autograde", "autograde_preprocessors"),
    ("Autograde", "sanitize_preprocessors"),
    ("Autograde", "pre_convert_hook"),
    ("Autograde", "post_convert_hook"),
    ("IgnorePattern", "enabled"),
    ("IgnorePattern", "pattern"),
    ("GenerateFeedback", "preprocessors"),
    ("HTMLExporter", "preprocessors"),
    ("SubmissionLimits", "max_files"),
    ("SubmissionLimits", "max_file_bytes"),
    ("SubmissionLimits", "max_total_bytes"),
    ("SubmissionLimits", "max_zip_ratio"),
    ("SubmissionLimits", "max_seconds"),
    ("SubmissionLimits", "execute_kernels"),
    ("AssignLatePenalties", "plugin_class"),
    ("NotebookExporter", "optimistic_validation"),
}
AUTOGRADE = ["IgnorePattern", "ClearMetadataPreprocessor", "LimitOutput", "TrustedGrades",
             "SaveAutoGrades", "AssignLatePenalties", "CheckCellMetadata", "SanitizeSubmission"]
SANITIZE = ["RestoreGradeCells", "OverwriteKernelspec", "OverwriteCells",
            "CheckCellMetadata"]


def load(text: str) -> Config:
    """Run a config file the way nbgrader does: ``get_config()`` hands out one Config."""
    config = Config()
    exec(compile(text, "nbgrader_config.py", "exec"), {"get_config": lambda: config})
    return config


def names(classes: list[Any]) -> list[str]:
    return [c.__name__ for c in classes]


def test_config_sets_the_trusted_pipeline(monkeypatch) -> None:
    monkeypatch.delenv("CS231N_EXECUTE_NOTEBOOKS", raising=False)
    c = load(config_text(37))
    assert {(section, key) for section in c for key in c[section]} == KEYS
    assert c.Execute.timeout == 37
    assert c.Autograde.exclude_overwriting == {ASSIGNMENT: student_module_files()}
    assert names(c.Autograde.autograde_preprocessors) == AUTOGRADE
    assert names(c.Autograde.sanitize_preprocessors) == SANITIZE
    assert c.Autograde.pre_convert_hook is nbgrader_plugin.snapshot_submission
    assert c.Autograde.post_convert_hook is nbgrader_plugin.drop_snapshot
    assert names(c.HTMLExporter.preprocessors) == ["SanitizeSubmission"]
    assert names(c.GenerateFeedback.preprocessors) == [
        "GetGrades", "HideHiddenTestOutputs", "ClearHiddenTests", "CSSHTMLHeaderPreprocessor"]


def test_execute_switch_adds_the_kernel_steps(monkeypatch) -> None:
    monkeypatch.setenv("CS231N_EXECUTE_NOTEBOOKS", "1")
    c = load(config_text(120))
    assert names(c.Autograde.autograde_preprocessors) == ["Execute", *AUTOGRADE]
    assert names(c.Autograde.sanitize_preprocessors) == ["ClearOutput", *SANITIZE]


class DropsASource(Preprocessor):
    """A pass that leaves the first cell without its source: an invalid notebook."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        del nb.cells[0]["source"]
        return nb, resources


def test_a_notebook_made_invalid_by_a_pass_is_still_refused() -> None:
    # The config validates once after a pass's preprocessors instead of after each one.
    exporter = NotebookExporter(config=load(config_text(120)))
    assert exporter.optimistic_validation
    exporter.register_preprocessor(DropsASource, enabled=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(nbformat.ValidationError, match="source"):
        exporter.from_notebook_node(notebook)


def test_warning_pattern_survives_rendering() -> None:
    # A backslash lost or doubled in the template would match nothing.
    pattern = load(config_text(120)).IgnorePattern.pattern
    assert pattern == r"(?m)^.*:\d+: \w*Warning: "
    assert re.search(pattern, "x\n/usr/lib/a.py:12: UserWarning: careful\n")
    assert not re.search(pattern, "a.py:12: careful\n")


def test_timeout_is_rendered_as_an_integer() -> None:
    assert load(config_text(1.9)).Execute.timeout == 1  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        config_text("12; import os")  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "default", "generated", "instructors"), [
    ("max_seconds", 900, 37, 61),
    ("execute_kernels", 2, 3, 1),  # notebook kernels of one submission at once
])
def test_a_limit_is_set_in_the_config_and_read_back(
    tmp_path, name: str, default: int, generated: int, instructors: int
) -> None:
    assert getattr(DEFAULT_LIMITS, name) == default
    assert getattr(load(config_text(120)).SubmissionLimits, name) == default
    text = config_text(120, replace(DEFAULT_LIMITS, **{name: 45}))
    assert getattr(load(text).SubmissionLimits, name) == 45
    course = Course(tmp_path)
    write_config(course, 120, replace(DEFAULT_LIMITS, **{name: generated}))
    assert getattr(course_limits(course.config), name) == generated
    # The instructor's setting in nbgrader_config.py wins over the generated one.
    with open(course.config, "a") as fh:
        fh.write(f"c.SubmissionLimits.{name} = {instructors}\n")
    assert getattr(course_limits(course.config), name) == instructors
    # A config written before the limit existed gets the default.
    course.generated_config.unlink()
    course.config.write_text("c = get_config()\n")
    assert getattr(course_limits(course.config), name) == default
    course.config.write_text(f"c = get_config()\nc.SubmissionLimits.{name} = 0\n")
    with pytest.raises(LimitError, match="positive"):
        course_limits(course.config)


def test_init_writes_the_instructors_config_once_and_never_again(tmp_path) -> None:
    course = Course(tmp_path)
    assert write_config(course, 120) == []
    # nbgrader's own loader: the generated wiring first, then the instructor's settings.
    with open(course.config, "a") as fh:
        fh.write('c.LatePolicy.penalty_method = "per_day"\nc.Execute.timeout = 11\n')
    mine = course.config.read_text()
    assert write_config(course, 300) == []
    assert course.config.read_text() == mine
    c = PyFileConfigLoader(course.config.name, path=str(tmp_path)).load_config()
    assert c.LatePolicy.penalty_method == "per_day"
    assert c.Execute.timeout == 11  # the instructor's, not the rebuilt 300
    assert names(c.Autograde.autograde_preprocessors)[3] == "TrustedGrades"
    # A config of an older course (no load line) is kept, and the note says what to add.
    course.config.write_text("c = get_config()\n")
    notes = write_config(course, 120)
    assert course.config.read_text() == "c = get_config()\n"
    assert len(notes) == 1 and 'load_subconfig("cs231n_grader_config.py")' in notes[0]
