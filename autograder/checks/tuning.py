"""Hidden checks of the model-quality tasks: the student's hyperparameters, trained and measured.

The student's function only names hyperparameters; it is read in a worker where
``classifiers`` and ``solver`` are stand-ins, so a broken module elsewhere cannot
keep the dict from being read. The grader checks it against the budget with the
reference's ``check_hyperparameters``. Then a second worker, with nothing stood in,
trains it with the student's own package (``tuning.trained_scores``: their
``FullyConnectedNet``, layers, update rules and ``Solver``, in the sandbox) for
``BUDGET_EPOCHS`` epochs with fixed seeds on the MNIST-1D training set, and returns
the class scores of held-out examples. Those are MNIST-1D signals generated here
with a seed of the grader's own; their labels never leave this process, so the
accuracy is computed here, and a number a notebook printed counts for nothing.

When the student's run earns less than every accuracy part (it failed, or a bug
elsewhere trained a worse model), the reference trains the same hyperparameters
here and the better of the two runs is scored. A bug is charged once, by the task
it belongs to: these tasks grade the choice of hyperparameters. Taking the better
run also means that breaking one's own code can never earn more than fixing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.checks.harness import CheckAbort, TaskRun, array_problem, check, describe
from autograder.isolation.session import WorkerFailure, WorkerSession
from autograder.reference import tuning as ref
from cs231n_core.check.cases.tuning import average_softmax, scaled_mnist1d
from cs231n_core.check.parts import BEST_MODEL_STEPS, ENSEMBLE_STEPS, accuracy_part
from cs231n_core.data_utils import load_mnist1d

BEST = "tuning.best_hyperparameters"
ENSEMBLE = "tuning.ensemble_hyperparameters"
# MNIST-1D generated with this seed holds the examples only the grader sees (the
# students' copy is generated with seed 42); the loader keeps it in its disk cache.
HELD_OUT_SEED = 918_273
HELD_OUT = 1000
MEMBERS = "beats its best member"
# A task's share of its module's time budget: the held-out data (generated once per
# machine), the student's run, and the reference's run when the student's falls short.
TRAINING_SECONDS = 30.0
# The reference's runs made by this process, by hyperparameters and seeds (the data, epochs
# and seeds fix a run): every broken submission of a class that keeps the same
# hyperparameters would otherwise train the same models again, several seconds each.
_REFERENCE_RUNS: dict[tuple[str, tuple[int, ...]], tuple[np.ndarray, ...]] = {}
REFERENCE_RUNS_KEPT = 16


def _unavailable(*_args: Any, **_kwargs: Any) -> None:
    raise RuntimeError("not available while the hyperparameters are read")


def _stand_ins() -> dict[str, Callable[..., Any]]:
    """classifiers and solver as empty stand-ins: reading a dict must not import them."""
    return {"classifiers.FullyConnectedNet": _unavailable, "solver.Solver": _unavailable}


def grading_data() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """(training data as the notebooks scale it, held-out inputs, held-out labels)."""
    data, scale = scaled_mnist1d()
    held = load_mnist1d(seed=HELD_OUT_SEED, num_test=HELD_OUT)
    return data, held["X_test"] / scale, held["y_test"]


def reference_scores(hyperparameters: dict[str, Any], data: dict[str, np.ndarray],
                     X: np.ndarray, seeds: tuple[int, ...]) -> list[np.ndarray]:
    """The held-out scores of the reference's training of ``hyperparameters``, one per seed.

    ``data`` and ``X`` are always those of ``grading_data``, so the hyperparameters (checked
    plain values, read back from the worker) and the seeds name the run; a run made before
    in this process is reused, read-only.
    """
    key = (repr(sorted(hyperparameters.items())), seeds)
    if key not in _REFERENCE_RUNS:
        if len(_REFERENCE_RUNS) >= REFERENCE_RUNS_KEPT:
            del _REFERENCE_RUNS[next(iter(_REFERENCE_RUNS))]  # the oldest
        scores = ref.trained_scores(hyperparameters, data, X, ref.BUDGET_EPOCHS, list(seeds))
        for s in scores:
            s.setflags(write=False)
        _REFERENCE_RUNS[key] = tuple(scores)
    return list(_REFERENCE_RUNS[key])


def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(scores, axis=1) == y))


def _own_scores(run: TaskRun, hyperparameters: dict[str, Any], X: np.ndarray,
                data: dict[str, np.ndarray], seeds: tuple[int, ...]) -> list[np.ndarray] | str:
    """The held-out scores of the student's own training, or why there are none."""
    session = WorkerSession(run.session.package_dir, timeout=run.session.timeout,
                            sandboxed=run.session.sandboxed, provided_dir=run.session.provided_dir)
    try:
        session.import_module("tuning", list(run.provided))
        scores = session.call("trained_scores",
                              (hyperparameters, data, X, ref.BUDGET_EPOCHS, list(seeds)))["value"]
    except WorkerFailure as failure:
        text = failure.message if failure.kind != "exception" else failure.message.splitlines()[-1]
        return f"training with your code failed ({text.strip()[:300]})"
    finally:
        session.close()
    if type(scores) is not list or len(scores) != len(seeds):
        return f"trained_scores returned {describe(scores)}, not a list of {len(seeds)} arrays"
    for s in scores:
        problem = array_problem(s, (X.shape[0], int(data["y_train"].max()) + 1))
        if problem:
            return f"the scores of the model your code trained: {problem}"
    return list(scores)


Outcome = dict[str, tuple[bool, str]]  # part -> (passed, what was measured)


def _steps(value: float, steps: tuple[float, ...], what: str) -> Outcome:
    return {accuracy_part(t): (value >= t, f"{what} {value:.3f}" + ("" if value >= t else
                                                                      f", below {t:.2f}"))
            for t in steps}


def _best_outcome(scores: list[np.ndarray], y: np.ndarray) -> Outcome:
    return _steps(accuracy(scores[0], y), BEST_MODEL_STEPS, "held-out accuracy")


def _ensemble_outcome(scores: list[np.ndarray], y: np.ndarray) -> Outcome:
    members = [accuracy(s, y) for s in scores]
    together = accuracy(average_softmax(scores), y)
    listed = ", ".join(f"{a:.3f}" for a in members)
    outcome = {MEMBERS: (together > max(members), f"ensemble {together:.3f}, members {listed}")}
    return {**outcome, **_steps(together, ENSEMBLE_STEPS, "ensemble's held-out accuracy")}


def _earned(outcome: Outcome) -> int:
    return sum(passed for passed, _ in outcome.values())


def _grade(run: TaskRun, max_weights: int, seeds: tuple[int, ...],
           outcome_of: Callable[[list[np.ndarray], np.ndarray], Outcome]) -> None:
    data, X_held, y_held = grading_data()
    num_classes = int(data["y_train"].max()) + 1
    hyperparameters = run.call()
    problems = ref.check_hyperparameters(hyperparameters, max_weights, data["X_train"].shape[1],
                                         num_classes)
    if problems:
        run.check("hyperparameters", False, "; ".join(problems))
        raise CheckAbort("fix the hyperparameters first: no model was trained")
    count = ref.weight_count(list(hyperparameters["hidden_dims"]), data["X_train"].shape[1],
                             num_classes)
    run.check("hyperparameters", True, "", f"usable, {count:,} weights of {max_weights:,}")

    own = _own_scores(run, hyperparameters, X_held, data, seeds)
    outcome = outcome_of(own, y_held) if isinstance(own, list) else None
    note = f"trained with your code for {ref.BUDGET_EPOCHS} epochs"
    if outcome is None or _earned(outcome) < len(outcome):
        reference = outcome_of(reference_scores(hyperparameters, data, X_held, seeds), y_held)
        mine = own if isinstance(own, str) else f"your code's run earned {_earned(outcome or {})}"
        if outcome is None or _earned(reference) > _earned(outcome):
            outcome = reference
            note = (f"{mine}; scored on the reference code's run of the same hyperparameters "
                    f"({ref.BUDGET_EPOCHS} epochs)")
    for part, (passed, measured) in outcome.items():
        run.check(part, passed, f"{measured} ({note})", f"{measured} ({note})")


@check(BEST, proxies=_stand_ins, seconds=TRAINING_SECONDS)
def _best(run: TaskRun) -> None:
    _grade(run, ref.MAX_WEIGHTS, (0,), _best_outcome)


@check(ENSEMBLE, proxies=_stand_ins, seconds=TRAINING_SECONDS)
def _ensemble(run: TaskRun) -> None:
    _grade(run, ref.MAX_MEMBER_WEIGHTS, ref.ENSEMBLE_SEEDS, _ensemble_outcome)
