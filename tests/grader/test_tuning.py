"""The model-quality tasks: what the grader accepts, and that a forged result earns nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autograder.checks.tuning import grading_data, reference_scores
from autograder.grading import grade_submission
from autograder.reference.tuning import (
    BUDGET_EPOCHS,
    check_hyperparameters,
    trained_scores,
    weight_count,
)
from autograder.solutions import solved_module_text, write_solution_package
from tests.catalogue.hostile import replace_function

BEST = "tuning.best_hyperparameters"
GOOD = {"hidden_dims": [256, 256], "update_rule": "sgd_momentum", "learning_rate": 0.05}


def test_weight_count_counts_the_weight_matrices_only() -> None:
    assert weight_count([256, 256], 40, 10) == 40 * 256 + 256 * 256 + 256 * 10


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"hidden_dims": [512, 256]}, "over the budget"),
        ({"hidden_dims": []}, "1 to 4 positive ints"),
        ({"hidden_dims": [True, 8]}, "1 to 4 positive ints"),
        ({"update_rule": "lbfgs"}, "update_rule must be one of"),
        ({"learning_rate": 0.0}, "learning_rate must be a number"),
        ({"learning_rate": float("nan")}, "learning_rate must be a number"),
        ({"batch_size": 32.0}, "batch_size must be an int"),
        ({"dropout_keep_ratio": 0.5}, "unknown key 'dropout_keep_ratio'"),
    ],
)
def test_unusable_hyperparameters_are_named(change: dict, complaint: str) -> None:
    problems = check_hyperparameters({**GOOD, **change}, 100_000, 40, 10)
    assert len(problems) == 1 and complaint in problems[0], problems


def test_usable_hyperparameters_pass_with_numpy_numbers_and_defaults() -> None:
    assert check_hyperparameters(GOOD, 100_000, 40, 10) == []
    numpy_numbers = {**GOOD, "learning_rate": np.float64(0.05), "batch_size": np.int64(25)}
    assert check_hyperparameters(numpy_numbers, 100_000, 40, 10) == []
    assert check_hyperparameters([GOOD], 100_000, 40, 10) == [
        "expected a dict of hyperparameters, got a list"
    ]
    missing = check_hyperparameters({"hidden_dims": [8]}, 100_000, 40, 10)
    assert missing == ["'update_rule' is missing", "'learning_rate' is missing"]


# A student's training that skips training and claims a confident answer for every example.
FORGED = "return [np.eye(10)[np.zeros(len(X), dtype=int)] * 100.0 for _ in seeds]"


def _graded(tmp_path: Path, text: str, remove: str = "") -> tuple[float, str]:
    package = write_solution_package(tmp_path, {"tuning": text})
    if remove:
        (package / f"{remove}.py").unlink()
    (task,) = grade_submission(tmp_path, [BEST], seed=1).tasks
    return task.points, task.feedback


def test_forged_scores_with_poor_hyperparameters_earn_only_the_dict(tmp_path: Path) -> None:
    text = solved_module_text("tuning").replace('"learning_rate": 0.05', '"learning_rate": 1e-06')
    points, feedback = _graded(tmp_path, replace_function(text, "trained_scores", FORGED))
    # The labels never reach the student's process: only the usable dict earns its point.
    assert points == 1.0, feedback
    assert "[ ] accuracy >= 0.40" in feedback


def test_broken_code_elsewhere_costs_nothing_here(tmp_path: Path) -> None:
    points, feedback = _graded(tmp_path, solved_module_text("tuning"), remove="optim")
    assert points == 5.0, feedback
    assert "training with your code failed" in feedback
    assert "reference code's run" in feedback


def test_the_reference_run_of_the_same_hyperparameters_is_made_once_per_process() -> None:
    data, X_held, _ = grading_data()
    small = {"hidden_dims": [8], "update_rule": "sgd", "learning_rate": 0.1}
    first = reference_scores(small, data, X_held, (0,))
    assert reference_scores(dict(reversed(small.items())), data, X_held, (0,))[0] is first[0]
    assert not first[0].flags.writeable  # shared between submissions: nobody may change it
    fresh = trained_scores(small, data, X_held, BUDGET_EPOCHS, [0])
    np.testing.assert_array_equal(first[0], fresh[0])
    # Other hyperparameters or other seeds are another run.
    other = reference_scores({**small, "learning_rate": 0.01}, data, X_held, (0,))
    assert not np.array_equal(other[0], first[0])
    assert reference_scores(small, data, X_held, (1,))[0] is not first[0]
