"""Numerical gradients by centered differences, for checking backward passes.

Provided whole: students use these helpers, they do not edit them. Work in
float64; with h = 1e-5 the centered difference is accurate to about 1e-10 for
smooth functions, so a relative error above 1e-7 usually means a bug.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def rel_error(x: np.ndarray | float, y: np.ndarray | float) -> float:
    """Largest relative error between x and y: max |x - y| / max(1e-8, |x| + |y|)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _centered_values(
    f: Callable[[np.ndarray], T], x: np.ndarray, ix: tuple[int, ...], h: float
) -> tuple[T, T]:
    """f at x with x[ix] moved by +h and by -h; x is perturbed in place and restored."""
    old = x[ix]
    x[ix] = old + h
    plus = f(x)
    x[ix] = old - h
    minus = f(x)
    x[ix] = old
    return plus, minus


def _multi_indices(x: np.ndarray) -> Iterator[tuple[int, ...]]:
    """Every index of x, in the array's memory order."""
    # numpy's stub matches the nested op_flags list against its flat form.
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])  # type: ignore[list-item]
    while not it.finished:
        yield it.multi_index
        it.iternext()


def eval_numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, verbose: bool = True, h: float = 1e-5
) -> np.ndarray:
    """Numerical gradient of a scalar function f at x.

    Inputs:
    - f: a function of one array argument returning a scalar
    - x: the point, an array of any shape; it is perturbed in place and restored
    - verbose: print each coordinate's gradient as it is computed
    - h: the step of the centered difference

    Returns:
    - grad: array of x's shape, (f(x + h e_i) - f(x - h e_i)) / (2h) at each index i
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for ix in _multi_indices(x):
        fxph, fxmh = _centered_values(f, x, ix, h)
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Numerical gradient of sum(f(x) * df) with respect to x, for array-valued f.

    Inputs:
    - f: a function of one array argument returning an array of df's shape
    - x: the point, perturbed in place and restored
    - df: the upstream gradient, of f(x)'s shape
    - h: the step of the centered difference

    Returns:
    - grad: array of x's shape
    """

    def f_copy(x: np.ndarray) -> np.ndarray:
        # f may return a view of x or a buffer it reuses: keep each answer as it was.
        return np.array(f(x), dtype=np.float64, copy=True)

    grad = np.zeros_like(x, dtype=np.float64)
    for ix in _multi_indices(x):
        pos, neg = _centered_values(f_copy, x, ix, h)
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    seed: int | None = None,
) -> list[float]:
    """Compare analytic_grad with centered differences at num_checks random indices.

    Prints one line per checked index and returns the relative errors.
    """
    rng = np.random.default_rng(seed)
    errors: list[float] = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        fxph, fxmh = _centered_values(f, x, ix, h)
        numeric = (fxph - fxmh) / (2 * h)
        analytic = analytic_grad[ix]
        err = abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic))
        errors.append(float(err))
        print(f"numerical: {numeric:f} analytic: {analytic:f}, relative error: {err:e}")
    return errors
