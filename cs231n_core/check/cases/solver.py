"""Self-checks of the ``solver`` tasks (graded by ``autograder/checks/solver.py``)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from cs231n_core.check.cases._common import rng_of
from cs231n_core.check.harness import Trial, _describe, _is_number, _needs, case


class PrototypeModel:
    """A tiny stand-in model for the Solver checks: one prototype vector per class.

    scores[n, c] = b[c] - 0.5 * |x_n - P[c]|^2, and the loss pulls the prototype of
    each example's class towards it: loss = mean_n 0.5 * |x_n - P[y_n]|^2 + 0.5 * |b|^2.
    It records every call of loss as (number of examples, labels given).
    """

    def __init__(self, P: np.ndarray, b: np.ndarray) -> None:
        self.params = {"P": P, "b": b}
        self.calls: list[tuple[int, bool]] = []

    def loss(self, X: np.ndarray, y: np.ndarray | None = None) -> Any:
        self.calls.append((len(X), y is not None))
        P, b = self.params["P"], self.params["b"]
        diff = X.reshape(len(X), -1)[:, None, :] - P[None]  # (N, C, D)
        if y is None:
            return b - 0.5 * np.einsum("ncd,ncd->nc", diff, diff)
        own = diff[np.arange(len(X)), y]  # x_n - P[y_n], of shape (N, D)
        value = 0.5 * float(np.einsum("nd,nd->", own, own)) / len(X) + 0.5 * float(b @ b)
        dP = np.zeros_like(P)
        np.add.at(dP, y, -own / len(X))
        return value, {"P": dP, "b": b.copy()}


_CENTERS = np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0], [-1.5, -1.5, -1.5]])


def _clusters(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 4, n)
    return _CENTERS[y] + rng.standard_normal((n, 3)), y


def _solver_setup(seed: int) -> tuple[PrototypeModel, dict[str, np.ndarray]]:
    rng = rng_of(seed)
    X_train, y_train = _clusters(rng, 40)
    X_val, y_val = _clusters(rng, 20)
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    model = PrototypeModel(0.5 * rng.standard_normal((4, 3)), 0.1 * rng.standard_normal(4))
    return model, data


def _counting_sgd(w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None) -> Any:
    """Plain SGD that returns a NEW config counting its calls (so it must be stored)."""
    config = dict(config or {})
    config["calls"] = config.get("calls", 0) + 1
    return w - config["learning_rate"] * dw, config


def _copy(params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in params.items()}


@case("solver.Solver._step")
def _solver_step(t: Trial) -> None:
    solver_mod = t.mod("solver")
    model, data = _solver_setup(7001)
    solver = solver_mod.Solver(
        model, data, optim_config={"learning_rate": 0.5}, batch_size=10, seed=7001, verbose=False
    )
    solver.update_rule = _counting_sgd
    recorded: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = []

    # Stand-in for _record_update_ratios, so this check does not need yours.
    def record(old_params: dict[str, np.ndarray], new_params: dict[str, np.ndarray]) -> None:
        recorded.append((_copy(old_params), _copy(new_params)))

    solver._record_update_ratios = record
    before, after = [], []
    for _ in range(5):
        before.append(_copy(model.params))
        t.call(solver._step)
        after.append(_copy(model.params))
    losses = solver.loss_history
    if t.holds(
        "loss history",
        isinstance(losses, list) and len(losses) == 5 and all(isinstance(v, float) for v in losses),
        f"after 5 steps loss_history is {losses!r}"[:200],
        what="one Python float per step",
    ):
        t.expect("loss history", np.array(losses), what="after 5 steps")
        t.within(
            "loss history", "ratio", losses[-1] / losses[0], 0.0, 0.9, what="last loss / first loss"
        )
    t.expect_all("parameters", model.params, what="model.params after 5 steps")
    configs = solver.optim_configs
    t.holds(
        "optimizer configs",
        isinstance(configs, dict)
        and set(configs) == set(model.params)
        and all(isinstance(c, dict) and c.get("calls") == 5 for c in configs.values()),
        "store the config the update rule returns in self.optim_configs[name]",
        what="each parameter's config returned by the update rule is stored",
    )
    t.holds(
        "update ratios",
        len(recorded) == 5,
        f"called {len(recorded)} times in 5 steps",
        what="_record_update_ratios is called once per step",
    )
    if len(recorded) == 5:
        t.holds(
            "update ratios",
            all(
                set(o) == set(b)
                and set(n) == set(a)
                and all(np.array_equal(o[k], b[k]) and np.array_equal(n[k], a[k]) for k in b)
                for (o, n), b, a in zip(recorded, before, after)
            ),
            "pass the old parameters (before the update) and the new ones",
            what="with the parameters before and after the step",
        )


@case("solver.Solver.check_accuracy")
def _solver_check_accuracy(t: Trial) -> None:
    solver_mod = t.mod("solver")
    model, data = _solver_setup(7002)
    rng = rng_of(7102)
    model.params["P"] = _CENTERS + 0.8 * rng.standard_normal((4, 3))
    X, y = _clusters(rng, 250)
    y[:30] = rng.integers(0, 4, 30)  # some noisy labels
    solver = solver_mod.Solver(model, data, seed=7002, verbose=False)
    model.calls.clear()
    acc = t.call(solver.check_accuracy, X, y)
    t.holds("accuracy", isinstance(acc, float), f"got {_describe(acc)}", what="returns a float")
    t.expect_number("accuracy", acc, what="250 examples")
    model.calls.clear()
    acc = t.call(solver.check_accuracy, X, y, batch_size=64)
    t.expect_number("accuracy", acc, what="batch_size=64")
    t.holds(
        "batches",
        model.calls
        and all(n <= 64 and not labelled for n, labelled in model.calls)
        and sum(n for n, _ in model.calls) == 250,
        f"model.loss was called as (batch size, labels given): {model.calls}"[:200],
        what="predicts without labels, in batches of at most batch_size",
    )
    acc = t.call(solver.check_accuracy, X, y, num_samples=100)
    t.expect_number("accuracy", acc, what="num_samples=100")


def _divergence(solver: Any, history: list[float], loss: float) -> tuple[Any, Any]:
    solver.loss_history = list(history)
    solver.stop_reason = None
    return solver._check_divergence(loss), solver.stop_reason


@case("solver.Solver._check_divergence")
def _solver_check_divergence(t: Trial) -> None:
    solver_mod = t.mod("solver")
    model, data = _solver_setup(7003)
    solver = solver_mod.Solver(model, data, verbose=False)

    def diverged(part: str, what: str, history: list[float], loss: float, expected: bool) -> None:
        result, reason = _divergence(solver, history, loss)
        if expected:
            t.holds(
                part,
                result is True and isinstance(reason, str) and reason,
                f"returned {result!r} with stop_reason {reason!r}; expected True and a reason",
                what=what,
            )
        else:
            t.holds(
                part,
                result is False and reason is None,
                f"returned {result!r} with stop_reason {reason!r}; expected False",
                what=what,
            )

    diverged("normal loss", "loss 5.9 after a first loss 2.0: not diverged", [2.0, 2.5], 5.9, False)
    diverged(
        "exploding loss", "loss 6.1 after a first loss 2.0: diverged (3 x)", [2.0, 2.5], 6.1, True
    )
    diverged("non-finite loss", "NaN loss: diverged", [2.0], math.nan, True)
    diverged("non-finite loss", "infinite loss: diverged", [2.0], math.inf, True)
    diverged("normal loss", "empty history: compares with the loss itself", [], 4.0, False)
    solver.explosion_factor = None
    diverged("exploding loss", "explosion_factor=None: a huge loss is fine", [2.0], 1e9, False)
    diverged("non-finite loss", "explosion_factor=None: NaN still diverges", [2.0], math.nan, True)
    solver.explosion_factor = 10.0
    diverged("normal loss", "explosion_factor=10: loss 15 is fine", [2.0], 15.0, False)
    solver.explosion_factor = 3.0
    diverged(
        "threshold", "loss exactly 3 x the first: not diverged (only greater is)", [2.0], 6.0, False
    )

    part, what = "stop reason", "training at learning_rate 1e6 stops early with a reason"
    reason = _working_step(t, solver_mod)
    if reason:
        t.skip(part, reason, what=what)
        return
    model, data = _solver_setup(7103)
    solver = solver_mod.Solver(
        model,
        data,
        optim_config={"learning_rate": 1e6},
        batch_size=10,
        num_epochs=5,
        seed=7103,
        verbose=False,
    )
    # Stand-ins, so this run needs only your _step besides _check_divergence.
    solver.check_accuracy = lambda *args, **kwargs: 0.0
    solver._record_update_ratios = lambda old_params, new_params: None
    solver.train()
    n = len(solver.loss_history)
    t.holds(
        part,
        solver.stopped_early and isinstance(solver.stop_reason, str) and 1 < n < 20,
        f"stopped_early={solver.stopped_early}, stop_reason={solver.stop_reason!r} after "
        f"{n} of 20 iterations",
        f"stopped after {n} of 20 iterations: {solver.stop_reason}",
        what=what,
    )


def _working_step(t: Trial, solver_mod: ModuleType) -> str | None:
    """Why a training run cannot check _check_divergence (None if your _step works)."""
    model, data = _solver_setup(7203)
    solver = solver_mod.Solver(
        model, data, optim_config={"learning_rate": 0.5}, batch_size=10, seed=7203, verbose=False
    )
    solver._record_update_ratios = lambda old_params, new_params: None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solver._step()
    except NotImplementedError as exc:
        return f"skipped: {_needs(t, exc) or 'needs solver.Solver._step'}"
    except Exception:  # _step's own check reports it
        return "skipped: needs a working solver.Solver._step (see its check)"
    losses = (
        np.array(solver.loss_history, dtype=np.float64)
        if all(_is_number(v) for v in solver.loss_history)
        else None
    )
    ok = t.forward_check("one step's loss", losses, "solver.Solver._step").correct
    ok &= t.forward_check("one step's params", model.params.get("P"), "solver.Solver._step").correct
    return None if ok else "skipped: needs a working solver.Solver._step (see its check)"


@case("solver.Solver._record_update_ratios")
def _solver_record_update_ratios(t: Trial) -> None:
    solver_mod = t.mod("solver")
    model, data = _solver_setup(7004)
    solver = solver_mod.Solver(model, data, verbose=False)
    rng = rng_of(7104)
    old = {"W": rng.standard_normal((4, 3)), "b": np.zeros(3), "g": rng.standard_normal(5)}
    new = {
        "W": old["W"] + 1e-3 * rng.standard_normal((4, 3)),
        "b": 0.01 * rng.standard_normal(3),
        "g": old["g"] - 0.2 * rng.standard_normal(5),
    }
    solver.update_ratio_history = {"W": [0.25], "b": []}
    t.call(solver._record_update_ratios, old, new)
    t.call(solver._record_update_ratios, new, old)
    history = solver.update_ratio_history
    lists = isinstance(history, dict) and all(isinstance(history.get(k), list) for k in old)
    if not t.holds(
        "history kept",
        lists,
        f"update_ratio_history is {history!r}"[:200],
        what="one list per parameter in update_ratio_history",
    ):
        return
    if not t.holds(
        "history kept",
        [len(history[k]) for k in old] == [3, 2, 2] and history["W"][0] == 0.25,
        f"lengths {[len(history[k]) for k in old]} after two calls (expected W: 3, b: 2, g: 2)",
        what="appends to the existing lists",
    ):
        return
    values = [v for k in old for v in history[k][-2:]]
    t.holds(
        "ratios",
        all(isinstance(v, float) for v in values),
        f"got {sorted({type(v).__name__ for v in values})}",
        what="Python floats",
    )
    if all(_is_number(v) for v in values):
        b_first = float(history["b"][-2])
        t.holds(
            "zero weights",
            math.isnan(b_first),
            f"got {b_first} for all-zero old weights",
            what="NaN when the old weights are all zero",
        )
        t.expect("ratios", np.array(history["W"][-2:], dtype=np.float64), what="W, both calls")
        t.expect_number("ratios", history["b"][-1], what="b, second call")
        t.expect(
            "ratios",
            np.array(history["g"][-2:], dtype=np.float64),
            what="g, a new name, both calls",
        )
