"""Feedback of the hidden checks: independent parts, errors next to their tolerance."""

from __future__ import annotations

from pathlib import Path

from autograder.checks.diagnoses import PREFIX
from autograder.grading import grade_submission
from autograder.mutation import mutated_module_text, wrap
from autograder.solutions import write_solution_package

SEED = 20261122


def _feedback(tmp_path: Path, module: str, task: str, body: str) -> tuple[float, float, str]:
    target = task.split(".", 1)[1]
    write_solution_package(tmp_path, {module: mutated_module_text(module, wrap(target, body))})
    result = grade_submission(tmp_path, [task], seed=SEED).tasks[0]
    return result.points, result.max_points, result.feedback


def test_an_exception_in_one_section_leaves_the_later_sections_scored(tmp_path: Path) -> None:
    # Test mode raises; train mode, the defaults, float32 and a bad mode are other sections.
    points, max_points, feedback = _feedback(
        tmp_path, "normalization", "normalization.batchnorm_forward",
        "if bn_param.get('mode') == 'test':\n"
        "    raise RuntimeError('test mode is not written yet')\n"
        "return orig(x, gamma, beta, bn_param)",
    )
    lines = feedback.splitlines()
    for part in ("train output", "running statistics", "defaults", "float32", "bad mode"):
        assert any(line.startswith(f"[x] {part}:") for line in lines), feedback
    assert "[ ] test output: not checked (see below)" in lines
    assert "RuntimeError: test mode is not written yet" in feedback
    assert 0 < points < max_points
    assert not any(line.startswith(PREFIX) for line in lines)  # no pattern to name


def test_an_exception_from_config_none_leaves_the_given_config_scored(tmp_path: Path) -> None:
    points, max_points, feedback = _feedback(
        tmp_path, "optim", "optim.adam",
        "if config is None:\n"
        "    raise KeyError('learning_rate')\n"
        "return orig(w, dw, config)",
    )
    lines = feedback.splitlines()
    assert "[ ] defaults: not checked (see below)" in lines
    for part in ("next_w", "state", "inputs_unchanged"):
        assert any(line.startswith(f"[x] {part}:") for line in lines), feedback
    assert 0 < points < max_points


def test_a_wrong_array_shows_its_error_tolerance_and_share_of_entries(tmp_path: Path) -> None:
    # Every entry twice the answer: all entries off, relative error exactly 1.
    _, _, feedback = _feedback(
        tmp_path, "layers", "layers.affine_forward",
        "out, cache = orig(x, w, b)\nreturn 2 * out, cache",
    )
    first = feedback.splitlines()[0]
    assert first.startswith("[ ] out: relative error 1.00e+00 exceeds the tolerance 1e-06; ")
    assert first.endswith("entries are off (100%)")
