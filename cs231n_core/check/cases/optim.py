"""Self-checks of the ``optim`` tasks (graded by ``autograder/checks/optim.py``)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cs231n_core.check.cases._common import magnitudes, rng_of
from cs231n_core.check.harness import CheckAbort, Trial, _describe, _is_number, case


def _step(
    t: Trial, rule: Callable[..., Any], name: str, w: np.ndarray, dw: np.ndarray, config: Any
) -> Any:
    """One call of an update rule. dw must stay as it was (the caller may still need it);
    w may be updated in place, as long as it then holds next_w, since the caller replaces
    w with next_w either way."""
    before = w.copy()

    def rule_step(dw: np.ndarray, config: Any = None) -> Any:
        return rule(w, dw, config)  # w is checked below, not by t.call

    rule_step.__name__ = name
    given = copy.deepcopy(config)
    result = t.call(rule_step, dw, config)
    t.called_with(before, dw, given)
    if not np.array_equal(w, before):
        next_w = result[0] if type(result) is tuple and result else None
        if not (type(next_w) is np.ndarray and np.array_equal(w, next_w)):
            t._habit(
                "inputs unchanged",
                f"{name} changed w in place but w does not hold next_w: update w in place "
                "to next_w, or leave it unchanged",
            )
    return result


def _update_rule_case(
    t: Trial, name: str, seed: int, config: dict[str, Any], state: Sequence[str]
) -> list[np.ndarray]:
    """Three steps of an update rule from a given config: weights and state after steps 1 and 3."""
    rule = getattr(t.mod("optim"), name)
    rng = rng_of(seed)
    # Weights and gradients of magnitude 1 to 3: no entry is near 0, so equivalent forms
    # (epsilon inside or outside the square root) agree far below the tolerance.
    w = magnitudes(rng, (3, 4), 1.0, 2.0)
    dws = [magnitudes(rng, (3, 4), 1.0, 3.0) for _ in range(3)]
    cfg: Any = dict(config)
    history = [w.copy()]  # copies: a rule may update the array it is given in place
    for step in (1, 2, 3):
        next_w, cfg = t.unpack(_step(t, rule, name, w, dws[step - 1], cfg), 2, name)
        if not isinstance(cfg, dict):
            raise CheckAbort(
                f"{name} should return (next_w, config) with a dict config, got {_describe(cfg)}"
            )
        if step in (1, 3):
            t.expect("next_w", next_w, what=f"after step {step}")
            for key in state:
                if key == "t":
                    t.expect_number("state", cfg.get("t"), what=f"config['t'] after step {step}")
                else:
                    t.expect("state", cfg.get(key), what=f"config['{key}'] after step {step}")
        if type(next_w) is not np.ndarray:
            raise CheckAbort(f"{name} should return next_w as an array, got {_describe(next_w)}")
        w = next_w
        history.append(w.copy())
    w0 = magnitudes(rng_of(seed + 100), (2, 3), 1.0, 2.0)
    dw0 = magnitudes(rng_of(seed + 200), (2, 3), 1.0, 3.0)
    next_w, _ = t.unpack(_step(t, rule, name, w0, dw0, None), 2, name)
    t.expect("defaults", next_w, what="next_w with config=None")
    return history


@case("optim.sgd_momentum")
def _sgd_momentum(t: Trial) -> None:
    _update_rule_case(
        t, "sgd_momentum", 6001, {"learning_rate": 0.05, "momentum": 0.8}, ["velocity"]
    )


@case("optim.nesterov_momentum")
def _nesterov_momentum(t: Trial) -> None:
    _update_rule_case(
        t, "nesterov_momentum", 6002, {"learning_rate": 0.05, "momentum": 0.8}, ["velocity"]
    )


@case("optim.adagrad")
def _adagrad(t: Trial) -> None:
    _update_rule_case(t, "adagrad", 6003, {"learning_rate": 0.05}, ["cache"])


@case("optim.rmsprop")
def _rmsprop(t: Trial) -> None:
    _update_rule_case(t, "rmsprop", 6004, {"learning_rate": 0.05, "decay_rate": 0.9}, ["cache"])


@case("optim.adam")
def _adam(t: Trial) -> None:
    lr = 0.01
    history = _update_rule_case(t, "adam", 6005, {"learning_rate": lr}, ["m", "v", "t"])
    if len(history) > 1:
        # With bias correction the first step moves every weight by about the learning rate.
        step = np.abs(history[1] - history[0]) / lr
        t.within(
            "next_w",
            "min",
            float(step.min()),
            0.99,
            1.01,
            what="first step / learning_rate, smallest",
        )
        t.within(
            "next_w",
            "max",
            float(step.max()),
            0.99,
            1.01,
            what="first step / learning_rate, largest",
        )


def _schedule_case(
    t: Trial, name: str, ts: Sequence[float], part: str = "lr", **kwargs: Any
) -> None:
    fn = getattr(t.mod("optim"), name)
    values = [t.call(fn, 0.1, step, **kwargs) for step in ts]
    wrong = [v for v in values if not isinstance(v, float)]
    t.holds(part, not wrong, f"got {_describe(wrong[0])}" if wrong else "", what="returns a float")
    if all(_is_number(v) for v in values):
        t.expect(part, np.array(values, dtype=np.float64), what=f"lr(t) for t in {list(ts)}")


@case("optim.step_decay")
def _step_decay(t: Trial) -> None:
    _schedule_case(t, "step_decay", [0, 1, 2.5, 3, 5, 6, 9.9, 12], drop=0.5, every=3)


@case("optim.exponential_decay")
def _exponential_decay(t: Trial) -> None:
    _schedule_case(t, "exponential_decay", [0, 1, 2.5, 10, 40], k=0.2)


@case("optim.inverse_time_decay")
def _inverse_time_decay(t: Trial) -> None:
    _schedule_case(t, "inverse_time_decay", [0, 1, 2.5, 10, 40], k=0.5)


@case("optim.cosine_decay")
def _cosine_decay(t: Trial) -> None:
    # t = 15 is past total: the graded part "after_total" checks that case on its own.
    _schedule_case(t, "cosine_decay", [0, 1, 2.5, 5, 9, 10], part="decay", total=10, lr_min=1e-3)
    _schedule_case(t, "cosine_decay", [15, 30], part="after_total", total=10, lr_min=1e-3)
