"""Self-checks of the model-quality tasks (graded by ``autograder/checks/tuning.py``).

They train your hyperparameters as the grader does (``tuning.train_model``, the budget
of ``tuning.BUDGET_EPOCHS`` epochs) and score the accuracy parts on the MNIST-1D
validation set. The grader scores them on examples only it holds, so its accuracy
differs a little from the one printed here. The grader also trains your hyperparameters
with the course's own code when yours falls short, and keeps the better run; this check
has only your code, so a bug elsewhere on the model's path (a layer, the Solver, the update
rule you chose) shows here as a low accuracy.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from cs231n_core.check.harness import CheckAbort, Trial, case
from cs231n_core.check.parts import BEST_MODEL_STEPS, ENSEMBLE_STEPS, accuracy_part
from cs231n_core.data_utils import load_mnist1d


def scaled_mnist1d() -> tuple[dict[str, np.ndarray], float]:
    """MNIST-1D scaled as the notebooks scale it, and the scale (the grader trains on it too)."""
    raw = load_mnist1d()
    scale = float(raw["X_train"].std())
    data = {k: raw[k] / scale if k.startswith("X") else raw[k]
            for k in ("X_train", "y_train", "X_val", "y_val")}
    return data, scale


def average_softmax(scores: list[np.ndarray]) -> np.ndarray:
    """The mean of the members' softmax probabilities (the ensemble of notebook 06)."""
    probs = np.zeros_like(scores[0])
    for s in scores:
        e = np.exp(s - s.max(axis=1, keepdims=True))
        probs += e / e.sum(axis=1, keepdims=True)
    return probs / len(scores)


def _chosen(t: Trial, tuning: ModuleType, function: Any, max_weights: int,
            data: dict[str, np.ndarray]) -> dict[str, Any]:
    hyperparameters = t.call(function)
    num_classes = int(data["y_train"].max()) + 1
    problems = tuning.check_hyperparameters(
        hyperparameters, max_weights, data["X_train"].shape[1], num_classes
    )
    t.holds("hyperparameters", not problems, "; ".join(problems),
            f"usable, at most {max_weights:,} weights", what="within the budget")
    if problems:
        raise CheckAbort("fix the hyperparameters first: the model was not trained")
    return hyperparameters


def _steps(t: Trial, value: float, steps: tuple[float, ...], what: str) -> None:
    for threshold in steps:
        t.holds(accuracy_part(threshold), value >= threshold,
                f"{value:.3f} is below {threshold:.2f}", f"{value:.3f}", what=what)


def _accuracy(scores: Any, y: np.ndarray) -> float:
    if type(scores) is not np.ndarray or scores.shape != (len(y), int(y.max()) + 1):
        raise CheckAbort(f"the trained model's scores have the wrong form: {type(scores)}")
    return float(np.mean(np.argmax(scores, axis=1) == y))


@case("tuning.best_hyperparameters")
def _best(t: Trial) -> None:
    tuning = t.mod("tuning")
    data, _ = scaled_mnist1d()
    hyperparameters = _chosen(t, tuning, tuning.best_hyperparameters, tuning.MAX_WEIGHTS, data)
    model, _ = tuning.train_model(hyperparameters, data, tuning.BUDGET_EPOCHS, 0)
    value = _accuracy(model.loss(data["X_val"]), data["y_val"])
    _steps(t, value, BEST_MODEL_STEPS, "validation accuracy")


@case("tuning.ensemble_hyperparameters")
def _ensemble(t: Trial) -> None:
    tuning = t.mod("tuning")
    data, _ = scaled_mnist1d()
    hyperparameters = _chosen(
        t, tuning, tuning.ensemble_hyperparameters, tuning.MAX_MEMBER_WEIGHTS, data
    )
    scores = tuning.trained_scores(hyperparameters, data, data["X_val"], tuning.BUDGET_EPOCHS,
                                   list(tuning.ENSEMBLE_SEEDS))
    members = [_accuracy(s, data["y_val"]) for s in scores]
    together = _accuracy(average_softmax(scores), data["y_val"])
    listed = ", ".join(f"{a:.3f}" for a in members)
    t.holds("beats its best member", together > max(members),
            f"ensemble {together:.3f}, members {listed}", f"ensemble {together:.3f}, members "
            f"{listed}", what="validation accuracy")
    _steps(t, together, ENSEMBLE_STEPS, "validation accuracy of the ensemble")
