"""Your tuned models: the hyperparameters you chose, and how they become a trained network.

Two tasks ask for hyperparameters rather than code: ``best_hyperparameters``
(notebook 05, section 6) and ``ensemble_hyperparameters`` (notebook 06, section 3).
The grader trains them with your own ``FullyConnectedNet`` and ``Solver`` under a
fixed budget (``BUDGET_EPOCHS`` epochs over the MNIST-1D training set, seed 0; the
ensemble's members with seeds 0, 1 and 2) and measures the accuracy on MNIST-1D
examples that only the grader holds. A number printed in a notebook earns nothing.
When your code cannot train them as well as the course's reference code does (a bug
elsewhere, which its own task already charges), the grader keeps the reference's
result: these two tasks grade the hyperparameters.

A hyperparameter dict has the keys of ``DEFAULTS`` (any key left out takes its
default there) plus the required ``hidden_dims``, ``update_rule`` and
``learning_rate``; ``check_hyperparameters`` says what is allowed. The budget caps
the number of weights (``MAX_WEIGHTS`` for one model, ``MAX_MEMBER_WEIGHTS`` for
each member of an ensemble), so an ensemble costs about as much as one model.

The functions below the two tasks are provided: the notebooks train with
``train_model`` exactly as the grader does, so the validation accuracy you see
estimates what the grader measures on its own examples.
"""

from __future__ import annotations

import itertools
import math
from numbers import Integral, Real
from typing import Any

import numpy as np

# Modules, not names: their contents are looked up when a model is built, so reading
# the two dicts needs nothing else of the package to work.
from . import classifiers, solver

BUDGET_EPOCHS = 5  # epochs over the training set, for every model the grader trains
ENSEMBLE_SEEDS: tuple[int, ...] = (0, 1, 2)  # the grader trains one ensemble member per seed
MAX_WEIGHTS = 100_000  # entries of all weight matrices of the best model
MAX_MEMBER_WEIGHTS = 35_000  # entries of all weight matrices of each ensemble member
REQUIRED: tuple[str, ...] = ("hidden_dims", "update_rule", "learning_rate")
DEFAULTS: dict[str, Any] = {
    "reg": 0.0,
    "weight_init": "he",
    "weight_scale": 1e-2,
    "activation": "relu",
    "normalization": None,
    "lr_decay": 1.0,
    "batch_size": 100,
}
# (low, high) of every number; a learning rate or decay of 0 would not train at all.
RANGES: dict[str, tuple[float, float]] = {
    "learning_rate": (1e-6, 10.0),
    "reg": (0.0, 1.0),
    "weight_scale": (1e-6, 10.0),
    "lr_decay": (0.5, 1.0),
    "batch_size": (10, 1000),
}
MAX_HIDDEN_LAYERS = 4


def best_hyperparameters() -> dict[str, Any]:
    """The hyperparameters of your best model (notebook 05, section 6).

    Returns:
    - a dict with the keys "hidden_dims" (a list of 1 to 4 layer widths),
      "update_rule" (a name of Solver's UPDATE_RULES) and "learning_rate", and
      any of the keys of DEFAULTS ("reg", "weight_init", "weight_scale",
      "activation", "normalization", "lr_decay", "batch_size"); dropout is
      not among them (five epochs are too few for it to pay). The weight
      matrices may hold at most MAX_WEIGHTS entries. The grader trains it with
      train_model for BUDGET_EPOCHS epochs, seed 0.
    """
    # TODO: return the dict your search in notebook 05 chose, as plain Python
    # values (ints, floats, strings, None and a list of ints).
    ### BEGIN SOLUTION
    return {
        "hidden_dims": [256, 256],
        "weight_init": "he",
        "update_rule": "sgd_momentum",
        "learning_rate": 0.05,
        "reg": 1e-3,
        "lr_decay": 0.9,
        "batch_size": 25,
    }
    ### END SOLUTION


def ensemble_hyperparameters() -> dict[str, Any]:
    """The hyperparameters of every member of your ensemble (notebook 06, section 3).

    Returns:
    - a dict of the same form as best_hyperparameters' whose weight matrices hold
      at most MAX_MEMBER_WEIGHTS entries. The grader trains one member per seed of
      ENSEMBLE_SEEDS with train_model (BUDGET_EPOCHS epochs each) and averages
      their softmax probabilities.
    """
    # TODO: return the dict your experiments in notebook 06 chose.
    ### BEGIN SOLUTION
    return {
        "hidden_dims": [128, 128],
        "weight_init": "he",
        "update_rule": "sgd_momentum",
        "learning_rate": 0.05,
        "reg": 1e-3,
        "lr_decay": 0.95,
        "batch_size": 50,
    }
    ### END SOLUTION


# ---------------------------------------------------------------------- provided


def weight_count(hidden_dims: list[int], input_dim: int, num_classes: int) -> int:
    """Entries of the weight matrices of a FullyConnectedNet (biases and the like not counted)."""
    sizes = [input_dim, *hidden_dims, num_classes]
    return sum(a * b for a, b in itertools.pairwise(sizes))


def _is_number(value: Any) -> bool:
    """A finite int or float (numpy's too), not a bool."""
    return type(value) is not bool and isinstance(value, Real) and math.isfinite(value)


def _is_positive_int(value: Any) -> bool:
    """A positive int (numpy's too), not a bool."""
    return type(value) is not bool and isinstance(value, Integral) and int(value) > 0


def check_hyperparameters(
    hyperparameters: Any, max_weights: int, input_dim: int, num_classes: int
) -> list[str]:
    """What is wrong with a hyperparameter dict, one sentence each (empty when it is usable)."""
    if not isinstance(hyperparameters, dict):
        return [f"expected a dict of hyperparameters, got a {type(hyperparameters).__name__}"]
    problems = [f"{key!r} is missing" for key in REQUIRED if key not in hyperparameters]
    known = (*REQUIRED, *DEFAULTS)
    problems += [f"unknown key {key!r} (known: {', '.join(known)})"
                 for key in hyperparameters if key not in known]
    h = {**DEFAULTS, **hyperparameters}
    dims = h.get("hidden_dims")
    if "hidden_dims" in hyperparameters:
        if (not isinstance(dims, (list, tuple)) or not 1 <= len(dims) <= MAX_HIDDEN_LAYERS
                or not all(_is_positive_int(d) for d in dims)):
            problems.append(f"hidden_dims must be a list of 1 to {MAX_HIDDEN_LAYERS} positive "
                            "ints")
        else:
            count = weight_count([int(d) for d in dims], input_dim, num_classes)
            if count > max_weights:
                problems.append(f"hidden_dims {list(dims)} give {count:,} weights, over the "
                                f"budget of {max_weights:,}")
    choices = {"update_rule": solver.UPDATE_RULES, "weight_init": classifiers.WEIGHT_INITS,
               "activation": classifiers.ACTIVATIONS, "normalization": classifiers.NORMALIZATIONS}
    for key, allowed in choices.items():
        if key in h and h[key] not in allowed:
            problems.append(f"{key} must be one of {allowed}, got {h[key]!r}")
    for key, (low, high) in RANGES.items():
        if key not in h:
            continue
        value = h[key]
        wrong_type = not _is_number(value) or (key == "batch_size"
                                               and not isinstance(value, Integral))
        if wrong_type or not low <= value <= high:
            kind = "an int" if key == "batch_size" else "a number"
            problems.append(f"{key} must be {kind} from {low:g} to {high:g}, got {value!r}")
    return problems


def build_model(
    hyperparameters: dict[str, Any], input_dim: int, num_classes: int, seed: int
) -> classifiers.FullyConnectedNet:
    """A fresh float64 FullyConnectedNet with these hyperparameters (DEFAULTS filled in)."""
    h = {**DEFAULTS, **hyperparameters}
    return classifiers.FullyConnectedNet(
        list(h["hidden_dims"]), input_dim=input_dim, num_classes=num_classes,
        normalization=h["normalization"],
        reg=h["reg"], weight_scale=h["weight_scale"], dtype=np.float64, seed=seed,
        activation=h["activation"], weight_init=h["weight_init"],
    )


def train_model(
    hyperparameters: dict[str, Any],
    data: dict[str, np.ndarray],
    num_epochs: int = BUDGET_EPOCHS,
    seed: int = 0,
) -> tuple[classifiers.FullyConnectedNet, solver.Solver]:
    """Train a model as the grader does; return it (with its best parameters) and its Solver.

    Inputs:
    - hyperparameters: a dict as best_hyperparameters returns
    - data: dict with X_train, y_train, X_val, y_val (the Solver picks the best epoch on
      the validation set)
    - num_epochs: the budget (the grader uses BUDGET_EPOCHS)
    - seed: seeds the initial weights and the minibatches
    """
    h = {**DEFAULTS, **hyperparameters}
    input_dim = int(np.prod(data["X_train"].shape[1:]))
    num_classes = int(max(data["y_train"].max(), data["y_val"].max())) + 1
    model = build_model(h, input_dim, num_classes, seed)
    trainer = solver.Solver(
        model, data, update_rule=h["update_rule"],
        optim_config={"learning_rate": float(h["learning_rate"])}, lr_decay=float(h["lr_decay"]),
        num_epochs=num_epochs, batch_size=int(h["batch_size"]), verbose=False, seed=seed,
    )
    trainer.train()
    return model, trainer


def trained_scores(
    hyperparameters: dict[str, Any],
    data: dict[str, np.ndarray],
    X: np.ndarray,
    num_epochs: int,
    seeds: list[int],
) -> list[np.ndarray]:
    """The class scores on X of one model trained per seed (what the grader asks for)."""
    scores = []
    for seed in seeds:
        model, _ = train_model(hyperparameters, data, num_epochs, seed)
        scores.append(np.asarray(model.loss(X)))  # no labels: the scores, in test mode
    return scores
