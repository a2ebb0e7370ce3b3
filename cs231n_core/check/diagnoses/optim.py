"""Likely mistakes of the ``optim`` tasks (see ``rules``).

An update rule's call is (w, dw, config), where config is what the student's
previous step returned (None on a first step), so a known wrong rule is run from
the same state as the student's: one step of it is compared with their next_w,
under whichever of the parts ``defaults`` (from config=None) and ``next_w``
(given hyperparameters) failed first.

Provided whole: use it, do not edit it.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    Outcome,
    Predicate,
    Seen,
    absent,
    all_of,
    any_of,
    failed,
    matches,
    nonfinite,
    passed,
)

MOMENTUM_DEFAULTS = {"learning_rate": 1e-2, "momentum": 0.9}
_ADAGRAD = {"learning_rate": 1e-2, "epsilon": 1e-8}
_RMSPROP = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
_ADAM = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def _state(seen: Seen, defaults: dict[str, float], key: str) -> tuple[dict[str, Any], Any]:
    """The call's config with the defaults filled in, and the state array under ``key``."""
    w, config = seen.args[0], seen.args[2] if len(seen.args) > 2 else None
    merged = {**defaults, **(config or {})}
    value = merged.get(key)
    return merged, np.zeros_like(w) if value is None else value


def _step(wrong: Callable[[Seen], Any]) -> Predicate:
    """The failed update part's next_w equals one step of a known wrong rule."""
    return any_of(matches("defaults", wrong), matches("next_w", wrong))


def _momentum(sign: float = -1.0, along_gradient: bool = False) -> Callable[[Seen], Any]:
    def step(seen: Seen) -> Any:
        w, dw = seen.args[0], seen.args[1]
        c, v = _state(seen, MOMENTUM_DEFAULTS, "velocity")
        if along_gradient:
            return w - c["learning_rate"] * dw
        return w + c["momentum"] * v + sign * c["learning_rate"] * dw

    return step


def _nesterov(old_sign: float) -> Callable[[Seen], Any]:
    def step(seen: Seen) -> Any:
        w, dw = seen.args[0], seen.args[1]
        c, v_prev = _state(seen, MOMENTUM_DEFAULTS, "velocity")
        v = c["momentum"] * v_prev - c["learning_rate"] * dw
        if old_sign == 0:
            return w + v  # plain momentum
        return w + old_sign * c["momentum"] * v_prev + (1 + c["momentum"]) * v

    return step


def _adagrad(replace: bool = False, no_sqrt: bool = False, squared: bool = False
             ) -> Callable[[Seen], Any]:
    def step(seen: Seen) -> Any:
        w, dw = seen.args[0], seen.args[1]
        c, cache = _state(seen, _ADAGRAD, "cache")
        cache = dw * dw if replace else cache + dw * dw
        scale = cache if no_sqrt else np.sqrt(cache)
        grad = dw * dw if squared else dw
        return w - c["learning_rate"] * grad / (scale + c["epsilon"])

    return step


def _rmsprop(old: Callable[[float], float], new: Callable[[float], float]
             ) -> Callable[[Seen], Any]:
    """RMSProp with the cache's update old(decay) * cache + new(decay) * dw**2."""

    def step(seen: Seen) -> Any:
        w, dw = seen.args[0], seen.args[1]
        c, cache = _state(seen, _RMSPROP, "cache")
        d = c["decay_rate"]
        cache = old(d) * cache + new(d) * dw * dw
        return w - c["learning_rate"] * dw / (np.sqrt(cache) + c["epsilon"])

    return step


def _adam(
    corrected: bool = True, use_m: bool = False, use_v: bool = False, swapped: bool = False
) -> Callable[[Seen], Any]:
    def step(seen: Seen) -> Any:
        w, dw = seen.args[0], seen.args[1]
        c, m = _state(seen, _ADAM, "m")
        v = _state(seen, _ADAM, "v")[1]
        t = c.get("t", 0) + 1
        b1, b2 = c["beta1"], c["beta2"]
        m = (b2 * m + (1 - b2) * dw) if swapped else (b1 * m + (1 - b1) * dw)
        v = b2 * v + (1 - b2) * dw * dw
        m_hat = m / (1 - b1**t) if corrected and not use_m else m
        v_hat = v / (1 - b2**t) if corrected and not use_v else v
        return w - c["learning_rate"] * m_hat / (np.sqrt(v_hat) + c["epsilon"])

    return step


def _schedule(part: str, wrong: Callable[..., float]) -> Predicate:
    """The failed schedule part's rate equals a known wrong formula at the same call."""
    return matches(part, lambda s: wrong(*s.args, **s.kwargs), tol=1e-9)


def _cosine(lr0: float, t: float, total: float, lr_min: float = 0.0, *, clip: bool = True,
            floor: bool = True, shift: float = 0.0, angle: float = math.pi) -> float:
    progress = (min(t + shift, total) if clip else t + shift) / total
    low = lr_min if floor else 0.0
    return low + 0.5 * (lr0 - low) * (1 + math.cos(angle * progress))


def _t_late(o: Outcome) -> bool:
    """next_w is NaN or inf on the first step (a bias correction by 1 - beta ** 0)."""
    return nonfinite("defaults")(o) or nonfinite("next_w")(o)


TABLE: dict[str, tuple[D, ...]] = {
    "optim.sgd_momentum": (
        D(absent("state"),
          "the velocity is not stored in the returned config, so every step starts from 0"),
        D(_step(_momentum(sign=+1.0)),
          "the velocity adds the gradient: v = momentum * v - learning_rate * dw"),
        D(_step(_momentum(along_gradient=True)),
          "the step follows the gradient, not the velocity: next_w = w + v"),
    ),
    "optim.nesterov_momentum": (
        D(_step(_nesterov(0.0)),
          "this is plain momentum (next_w = w + v): Nesterov's step is "
          "w - momentum * v_prev + (1 + momentum) * v, with v_prev the velocity before "
          "this step"),
        D(_step(_nesterov(+1.0)),
          "the old velocity enters with the wrong sign: w - momentum * v_prev + ..."),
    ),
    "optim.adagrad": (
        D(_step(_adagrad(replace=True)),
          "the cache is replaced by dw**2, not accumulated: cache += dw**2"),
        D(_step(_adagrad(no_sqrt=True)),
          "the step divides by the cache: divide by its square root"),
        D(_step(_adagrad(squared=True)),
          "the step uses dw**2 in the numerator: it is learning_rate * dw / (sqrt(cache) + eps)"),
    ),
    "optim.rmsprop": (
        D(_step(_rmsprop(lambda d: 1.0, lambda d: 1 - d)),
          "the cache does not decay: cache = decay_rate * cache + (1 - decay_rate) * dw**2"),
        D(_step(_rmsprop(lambda d: d, lambda d: 1.0)),
          "dw**2 enters without its (1 - decay_rate) factor"),
        D(_step(_rmsprop(lambda d: 1 - d, lambda d: d)),
          "decay_rate and 1 - decay_rate are swapped: the old cache keeps decay_rate"),
    ),
    "optim.adam": (
        D(_t_late,
          "NaN or inf on the first step: the bias correction divides by 1 - beta ** 0 = 0. "
          "Increment t before the correction"),
        D(_step(_adam(corrected=False)),
          "no bias correction: divide m by (1 - beta1 ** t) and v by (1 - beta2 ** t)"),
        D(_step(_adam(use_m=True)), "the step uses m: it uses the corrected m_hat"),
        D(_step(_adam(use_v=True)), "the step divides by sqrt(v): it uses the corrected v_hat"),
        D(_step(_adam(swapped=True)),
          "the first moment averages with beta2: m = beta1 * m + (1 - beta1) * dw"),
    ),
    "optim.step_decay": (
        D(any_of(
            _schedule("lr", lambda lr0, t, drop=0.5, every=10: lr0 * drop ** math.floor(
                (t + 1) / every)),
            _schedule("lr", lambda lr0, t, drop=0.5, every=10: lr0 * drop ** math.ceil(
                t / every))),
          "the rate drops too early: the number of drops is floor(t / every), so the first "
          "drop comes at t = every"),
        D(_schedule("lr", lambda lr0, t, drop=0.5, every=10: lr0 * drop ** (t / every)),
          "the rate decays continuously: it drops in steps, by a whole number of drops"),
    ),
    "optim.exponential_decay": (
        D(_schedule("lr", lambda lr0, t, k=0.1: lr0 * math.exp(-k * (t + 1))),
          "off by one: lr(0) is lr0, exp(-k * t)"),
        D(_schedule("lr", lambda lr0, t, k=0.1: lr0 * math.exp(k * t)),
          "the rate grows: the exponent is -k * t"),
    ),
    "optim.inverse_time_decay": (
        D(_schedule("lr", lambda lr0, t, k=0.1: lr0 / (1 + k * (t + 1))),
          "off by one: lr(0) is lr0, lr0 / (1 + k * t)"),
        D(_schedule("lr", lambda lr0, t, k=0.1: lr0 / (1 + k) ** t),
          "this decays exponentially: the inverse time rule is lr0 / (1 + k * t)"),
    ),
    "optim.cosine_decay": (
        D(all_of(passed("decay"), failed("after_total")),
          "after total steps the rate must stay at lr_min: clip t at total"),
        D(_schedule("decay", lambda *a, **k: _cosine(*a, **k, floor=False)),
          "lr_min is ignored: the rate goes from lr0 down to lr_min"),
        D(_schedule("decay", lambda *a, **k: _cosine(*a, **k, shift=1.0)),
          "off by one: lr(0) is lr0"),
        D(_schedule("decay", lambda *a, **k: _cosine(*a, **k, angle=1.0)),
          "the cosine's argument misses pi: cos(pi * t / total)"),
    ),
}
