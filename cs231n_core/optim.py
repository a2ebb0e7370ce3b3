# Student module of cs231n_core: replace each `raise NotImplementedError(<task id>)`
# with your implementation. Generated from the course's reference by
# `python -m autograder.maintain.build_stubs`; the instructor's copy is
# regenerated, yours is not.
"""First-order update rules and learning-rate schedules.

Every update rule has the signature

    next_w, config = rule(w, dw, config=None)

Inputs:
- w: current weights, an array of any shape
- dw: gradient of the loss with respect to w, same shape as w
- config: dict of hyperparameters (learning rate, momentum, ...) and of the
  rule's state (velocity, moment estimates, ...); None means all defaults.
  Missing hyperparameters are filled in with their defaults and the state is
  created on the first call, in this same dict.

Returns:
- next_w: the updated weights: a new array, or w itself updated in place (the
  caller replaces its weights with next_w, so either works; w must not be left
  holding anything else). dw is never modified: the caller may still need it.
- config: the same dict, holding the state to pass to the next call

Keep one config per parameter array: the state is shaped like that array.

The schedules are pure functions

    lr = schedule(lr0, t, ...)

Inputs:
- lr0: learning rate at t = 0
- t: epoch (or iteration), t >= 0
- ...: the schedule's own arguments; bind them with ``functools.partial`` to
  get a function of (lr0, t)

Returns:
- lr: the learning rate at t, a Python float
"""

from __future__ import annotations

from typing import Any

import numpy as np

Config = dict[str, Any]

# Both momentum rules take the same hyperparameters.
MOMENTUM_DEFAULTS: Config = {"learning_rate": 1e-2, "momentum": 0.9}


def _config_and_state(
    config: Config | None, w: np.ndarray, defaults: Config, *state: str
) -> tuple[Config, list[np.ndarray]]:
    """The rule's config with its missing hyperparameters filled in, and its state arrays.

    ``config`` is updated in place (a new dict when None) from ``defaults``; each name
    in ``state`` gives the array stored under it, or zeros shaped like w on the first
    call. The rule stores its new state back into ``config`` itself.
    """
    if config is None:
        config = {}
    for name, value in defaults.items():
        config.setdefault(name, value)
    arrays = []
    for name in state:
        array = config.get(name)
        arrays.append(np.zeros_like(w) if array is None else array)
    return config, arrays


def sgd(w: np.ndarray, dw: np.ndarray, config: Config | None = None) -> tuple[np.ndarray, Config]:
    """Vanilla stochastic gradient descent: w <- w - learning_rate * dw.

    config:
    - learning_rate: step size (default 1e-2)
    """
    config, _ = _config_and_state(config, w, {"learning_rate": 1e-2})
    # float() keeps float32 weights float32 when a hyperparameter is a numpy scalar.
    next_w = w - float(config["learning_rate"]) * dw
    return next_w, config


def sgd_momentum(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """Stochastic gradient descent with momentum.

    The velocity is a decaying sum of past steps:
        v <- momentum * v - learning_rate * dw
        w <- w + v

    config:
    - learning_rate: step size (default 1e-2)
    - momentum: fraction of the velocity kept from one step to the next, in
      [0, 1) (default 0.9; 0 gives plain SGD)
    - velocity: state, an array shaped like w (zeros on the first call)

    Inputs / Returns: see the module docstring.
    """
    config, (v,) = _config_and_state(config, w, MOMENTUM_DEFAULTS, "velocity")
    # TODO: update v, compute next_w, and store the new velocity in config.
    raise NotImplementedError("optim.sgd_momentum")


def nesterov_momentum(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """Stochastic gradient descent with Nesterov momentum.

    config: as for sgd_momentum (learning_rate, momentum and the velocity state).
    Inputs / Returns: see the module docstring.

    Nesterov evaluates the gradient at the look-ahead point x + momentum * v:
        v <- momentum * v - learning_rate * grad(x + momentum * v)
        x <- x + v
    To keep the usual API, where the gradient is taken at the weights we hold,
    this rule stores the look-ahead point w = x + momentum * v instead of x.
    In that variable, with dw the gradient at w, the update becomes
        v_prev = v
        v <- momentum * v - learning_rate * dw
        w <- w - momentum * v_prev + (1 + momentum) * v
    """
    config, (v,) = _config_and_state(config, w, MOMENTUM_DEFAULTS, "velocity")
    # TODO: use the look-ahead form above; store the new velocity in config.
    raise NotImplementedError("optim.nesterov_momentum")


def adagrad(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """AdaGrad: per-coordinate steps scaled by the history of squared gradients.

        cache <- cache + dw**2
        w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    The steps shrink as the cache grows, so AdaGrad slows down over time.

    config:
    - learning_rate: step size (default 1e-2)
    - epsilon: small constant that avoids division by zero (default 1e-8)
    - cache: state, the running sum of squared gradients, shaped like w
      (zeros on the first call)

    Inputs / Returns: see the module docstring.
    """
    defaults = {"learning_rate": 1e-2, "epsilon": 1e-8}
    config, (cache,) = _config_and_state(config, w, defaults, "cache")
    raise NotImplementedError("optim.adagrad")


def rmsprop(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """RMSProp: AdaGrad with a leaky (exponentially decaying) cache.

        cache <- decay_rate * cache + (1 - decay_rate) * dw**2
        w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config:
    - learning_rate: step size (default 1e-2)
    - decay_rate: how much of the cache is kept per step, in [0, 1) (default 0.99)
    - epsilon: small constant that avoids division by zero (default 1e-8)
    - cache: state, the moving average of squared gradients, shaped like w
      (zeros on the first call)

    Inputs / Returns: see the module docstring.
    """
    defaults = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
    config, (cache,) = _config_and_state(config, w, defaults, "cache")
    raise NotImplementedError("optim.rmsprop")


def adam(w: np.ndarray, dw: np.ndarray, config: Config | None = None) -> tuple[np.ndarray, Config]:
    """Adam (Kingma & Ba 2015): momentum plus RMSProp, with bias correction.

        t <- t + 1
        m <- beta1 * m + (1 - beta1) * dw          (first moment)
        v <- beta2 * v + (1 - beta2) * dw**2       (second moment)
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w <- w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    m and v start at zero, so early on they are biased towards zero; dividing
    by (1 - beta**t) removes that bias. t is incremented BEFORE the correction,
    so the first step uses t = 1 and moves each coordinate by about
    learning_rate in the direction of -dw. A common mistake is to divide by the
    square root of the uncorrected second moment v instead of v_hat: with the
    default beta2 the first step then comes out about 30 times too large.

    config:
    - learning_rate: step size (default 1e-3)
    - beta1: decay rate of the first moment (default 0.9)
    - beta2: decay rate of the second moment (default 0.999)
    - epsilon: small constant that avoids division by zero (default 1e-8)
    - m, v: state, the moment estimates, shaped like w (zeros on the first call)
    - t: state, the number of steps taken so far (0 before the first call)

    Inputs / Returns: see the module docstring.
    """
    defaults = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    config, (m, v) = _config_and_state(config, w, defaults, "m", "v")
    # TODO: update t, m and v (store them in config), then take the bias-corrected step.
    raise NotImplementedError("optim.adam")


def step_decay(lr0: float, t: float, drop: float = 0.5, every: int = 10) -> float:
    """Step decay: multiply the learning rate by ``drop`` every ``every`` epochs.

        lr(t) = lr0 * drop ** floor(t / every)

    Inputs (lr0 and t: see the module docstring):
    - drop: factor applied at each step, in (0, 1]
    - every: number of epochs between two drops, > 0

    Returns: see the module docstring.
    """
    raise NotImplementedError("optim.step_decay")


def exponential_decay(lr0: float, t: float, k: float = 0.1) -> float:
    """Exponential decay: lr(t) = lr0 * exp(-k * t).

    Inputs (lr0 and t: see the module docstring):
    - k: decay rate, >= 0

    Returns: see the module docstring.
    """
    raise NotImplementedError("optim.exponential_decay")


def inverse_time_decay(lr0: float, t: float, k: float = 0.1) -> float:
    """1/t decay: lr(t) = lr0 / (1 + k * t).

    Inputs (lr0 and t: see the module docstring):
    - k: decay rate, >= 0

    Returns: see the module docstring.
    """
    raise NotImplementedError("optim.inverse_time_decay")


def cosine_decay(lr0: float, t: float, total: float, lr_min: float = 0.0) -> float:
    """Cosine decay from lr0 at t = 0 to lr_min at t = total, then flat.

        lr(t) = lr_min + 0.5 * (lr0 - lr_min) * (1 + cos(pi * min(t, total) / total))

    Inputs (lr0 and t: see the module docstring; t past total counts as total):
    - total: length of the decay, > 0
    - lr_min: learning rate reached at t = total

    Returns: see the module docstring.
    """
    raise NotImplementedError("optim.cosine_decay")
