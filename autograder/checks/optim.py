"""Hidden checks of the ``optim`` tasks.

An update rule is run as a Solver runs it: several consecutive steps, each fed
the weights and the config the previous step returned (the same dict mutated or
a new one, both are fine). The expected values come from the reference run on
the same weights with its own config. Only the documented keys of the config
are compared, so extra keys are fine. Weights and gradients are kept away from
zero (|w| >= 0.5, |dw| >= 1) and epsilon small, so that where epsilon sits
(inside or outside the square root, or Adam's "efficient" form) changes nothing
beyond the tolerance. A rule may update w in place and return it (the caller
replaces w with next_w), but must not modify dw.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.checks.harness import CheckAbort, Section, TaskRun, array_problem, check
from autograder.reference import optim as ref


def _log_uniform(run: TaskRun, lo: float, hi: float) -> float:
    return float(10 ** run.rng.uniform(math.log10(lo), math.log10(hi)))


def _shape(run: TaskRun) -> tuple[int, ...]:
    options = [
        (int(run.rng.integers(2, 9)),),
        (int(run.rng.integers(2, 6)), int(run.rng.integers(2, 6))),
        (2, int(run.rng.integers(2, 4)), int(run.rng.integers(2, 4))),
    ]
    return options[int(run.rng.integers(0, len(options)))]


def _away_from_zero(run: TaskRun, shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
    sign = np.where(run.rng.random(shape) < 0.5, -1.0, 1.0)
    return sign * run.rng.uniform(lo, hi, shape)


def _number(value: Any) -> float | None:
    """A real number as a float, or None (bool and arrays are not numbers here)."""
    if type(value) in (int, float) or (isinstance(value, np.generic) and value.dtype.kind in "fiu"):
        return float(value)
    return None


def _close_at(run: TaskRun, part: str, got: Any, expected: Any, where: str) -> bool:
    """run.close, with where it happened added to the first failure's message."""
    if part in run.results and not run.results[part].passed:
        return False
    if not run.close(part, got, expected):
        run.results[part].message += f" ({where})"
        return False
    return True


def _inputs_part(
    run: TaskRun, args_after: Any, w: np.ndarray, dw: np.ndarray, next_w: Any
) -> None:
    """dw must be left alone (the caller may still need it); w may be updated in place,
    as long as it then holds next_w (the caller replaces w with next_w either way)."""
    w_after, dw_after = args_after[0], args_after[1]
    run.check(
        "inputs_unchanged",
        np.array_equal(dw_after, dw),
        "dw was modified: the caller may still need the gradient, so leave it unchanged",
        "dw left as it was",
    )
    run.check(
        "inputs_unchanged",
        np.array_equal(w_after, w)
        or (type(next_w) is np.ndarray and np.array_equal(w_after, next_w)),
        "w was changed in place but does not hold next_w: update w in place to next_w, "
        "or leave it unchanged",
        "w left as it was, or updated in place to next_w",
    )


def _run_rule(
    run: TaskRun,
    rule: Callable[..., tuple[np.ndarray, dict]],
    config: dict | None,
    steps: int,
    w_part: str,
    state_keys: tuple[str, ...],
    defaults: dict[str, float],
) -> None:
    """Run ``steps`` consecutive steps from ``config``, scoring next_w under ``w_part``.

    With ``defaults`` (config=None), also check that the returned config holds
    them; otherwise compare the state (``state_keys``) with the reference after
    every step.
    """
    shape = _shape(run)
    w = _away_from_zero(run, shape, 0.5, 2.0)
    theirs, ours = copy.deepcopy(config), copy.deepcopy(config)
    for step in range(1, steps + 1):
        where = f"at step {step} of {steps} consecutive steps"
        if defaults:
            where = f"from config=None, {where}"
        dw = _away_from_zero(run, shape, 1.0, 3.0)
        expected_w, ours = rule(w.copy(), dw.copy(), copy.deepcopy(ours))
        res = run.call_full((w, dw, theirs))
        next_w, theirs = run.returns(res["value"], 2, "the return value (next_w, config)")
        _inputs_part(run, res["args"], w, dw, next_w)
        _close_at(run, w_part, next_w, expected_w, where)
        if type(theirs) is not dict:
            raise CheckAbort(f"the returned config should be a dict, got {type(theirs).__name__}")
        if defaults and step == 1:
            for key, value in defaults.items():
                run.check(
                    "defaults",
                    _number(theirs.get(key)) == value,
                    f"config=None: the returned config should hold {key!r} = {value:g}",
                    "defaults filled in, and the steps they give",
                )
        for key in state_keys if not defaults else ():
            if "state" in run.results and not run.results["state"].passed:
                break
            if key not in theirs:
                run.check(
                    "state", False, f"the returned config has no {key!r} ({where})",
                    expected=ours[key],
                )
            elif key == "t":
                run.check(
                    "state",
                    _number(theirs[key]) == ours[key],
                    f"'t' is {theirs[key]!r} where {ours[key]} is expected ({where})",
                    "the state kept in config matches",
                )
            else:
                _close_at(run, "state", theirs[key], ours[key], f"{key!r} {where}")
        if array_problem(next_w, shape) is not None:
            break  # nothing to feed to the next step
        w = next_w


def _rule_check(
    run: TaskRun,
    rule: Callable[..., tuple[np.ndarray, dict]],
    defaults: dict[str, float],
    custom: dict[str, float],
    state_keys: tuple[str, ...],
) -> None:
    # From config=None, as a first step does: the defaults (hyperparameters and
    # the steps they give); then with the given hyperparameters (one dict per
    # parameter array, fed back). An exception in one run fails only its own parts;
    # either run judges "inputs_unchanged".
    run.independently(
        Section("from config=None", ("defaults",),
                lambda: _run_rule(run, rule, None, 3, "defaults", state_keys, defaults)),
        Section("with a given config", ("next_w", "state"),
                lambda: _run_rule(run, rule, custom, 5, "next_w", state_keys, {})),
    )


def _momentum_check(run: TaskRun, rule: Callable[..., tuple[np.ndarray, dict]]) -> None:
    """Both momentum rules share their hyperparameters, defaults and state."""
    custom = {
        "learning_rate": _log_uniform(run, 1e-3, 1e-1),
        "momentum": float(run.rng.uniform(0.5, 0.95)),
    }
    _rule_check(run, rule, {"learning_rate": 1e-2, "momentum": 0.9}, custom, ("velocity",))


@check("optim.sgd_momentum")
def _sgd_momentum(run: TaskRun) -> None:
    _momentum_check(run, ref.sgd_momentum)


@check("optim.nesterov_momentum")
def _nesterov_momentum(run: TaskRun) -> None:
    _momentum_check(run, ref.nesterov_momentum)


@check("optim.adagrad")
def _adagrad(run: TaskRun) -> None:
    custom = {
        "learning_rate": _log_uniform(run, 1e-3, 3e-2),
        "epsilon": _log_uniform(run, 1e-9, 1e-8),
    }
    _rule_check(run, ref.adagrad, {"learning_rate": 1e-2, "epsilon": 1e-8}, custom, ("cache",))


@check("optim.rmsprop")
def _rmsprop(run: TaskRun) -> None:
    custom = {
        "learning_rate": _log_uniform(run, 1e-3, 3e-2),
        "decay_rate": float(run.rng.uniform(0.8, 0.99)),
        "epsilon": _log_uniform(run, 1e-9, 1e-8),
    }
    defaults = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
    _rule_check(run, ref.rmsprop, defaults, custom, ("cache",))


@check("optim.adam")
def _adam(run: TaskRun) -> None:
    custom = {
        "learning_rate": _log_uniform(run, 1e-4, 1e-2),
        "beta1": float(run.rng.uniform(0.7, 0.95)),
        "beta2": float(run.rng.uniform(0.9, 0.999)),
        "epsilon": _log_uniform(run, 1e-9, 1e-8),
    }
    defaults = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    _rule_check(run, ref.adam, defaults, custom, ("m", "v", "t"))


# ------------------------------------------------------------------ schedules


def _schedule_cases(
    run: TaskRun, part: str, cases: list[tuple[tuple, dict]], fn: Callable[..., float]
) -> None:
    for args, kwargs in cases:
        got = run.call(*args, **kwargs)
        if not run.close_scalar(part, got, fn(*args, **kwargs), tol=1e-9):
            break


@check("optim.step_decay")
def _step_decay(run: TaskRun) -> None:
    lr0 = _log_uniform(run, 1e-4, 1.0)
    drop = float(run.rng.uniform(0.1, 0.9))
    every = int(run.rng.integers(2, 8))
    k = int(run.rng.integers(1, 4))
    # Just before, at and just after drops, a fractional epoch, and t = 0.
    ts: list[float] = [0, 1, every - 1, every, every + 1, k * every - 1, k * every, k * every + 0.5]
    cases = [((lr0, t), {"drop": drop, "every": every}) for t in ts]
    _schedule_cases(run, "lr", cases, ref.step_decay)


def _rate_decay_cases(run: TaskRun, k_high: float) -> list[tuple[tuple, dict]]:
    """Cases of a schedule with one rate k: lr0, k, then four times t (t = 0 among them)."""
    lr0 = _log_uniform(run, 1e-4, 1.0)
    k = float(run.rng.uniform(0.05, k_high))
    ts = [0, 1, int(run.rng.integers(2, 20)), float(run.rng.uniform(0, 20))]
    return [((lr0, t), {"k": k}) for t in ts]


@check("optim.exponential_decay")
def _exponential_decay(run: TaskRun) -> None:
    _schedule_cases(run, "lr", _rate_decay_cases(run, 0.5), ref.exponential_decay)


@check("optim.inverse_time_decay")
def _inverse_time_decay(run: TaskRun) -> None:
    _schedule_cases(run, "lr", _rate_decay_cases(run, 2.0), ref.inverse_time_decay)


@check("optim.cosine_decay")
def _cosine_decay(run: TaskRun) -> None:
    lr0 = _log_uniform(run, 1e-3, 1.0)
    lr_min = lr0 * float(run.rng.uniform(0.05, 0.3))
    total = int(run.rng.integers(5, 30))
    ts = [0, 1, total // 3, total // 2, total - 1, float(run.rng.uniform(0, total)), total]
    cases = [((lr0, t), {"total": total, "lr_min": lr_min}) for t in ts]
    cases.append(((lr0, total // 2), {"total": total}))  # lr_min defaults to 0
    after = [total + 1, total + float(run.rng.uniform(1, total)), 3 * total]
    late = [((lr0, t), {"total": total, "lr_min": lr_min}) for t in after]
    run.independently(
        Section("up to total", ("decay",),
                lambda: _schedule_cases(run, "decay", cases, ref.cosine_decay)),
        Section("after total", ("after_total",),
                lambda: _schedule_cases(run, "after_total", late, ref.cosine_decay)),
    )
