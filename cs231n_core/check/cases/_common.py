"""Helpers shared by the cases of several modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cs231n_core.check.harness import ForwardStatus, Trial


def rng_of(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def magnitudes(
    rng: np.random.Generator, shape: tuple[int, ...], lo: float, hi: float
) -> np.ndarray:
    """Entries of magnitude in [lo, hi] with random signs."""
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Entries of magnitude in [0.1, 1] with random signs: no kink of relu & co nearby."""
    return magnitudes(rng, shape, 0.1, 1.0)


def scored_backward(
    t: Trial,
    backward: Callable[..., Any],
    dout: np.ndarray,
    cache: Any,
    names: Sequence[str],
    status: ForwardStatus,
    forward: str,
    documented: Callable[[], Any] | None = None,
    what: str = "",
    mode: str = "",
) -> None:
    """Score a backward pass against stored answers: with the cache of your forward pass
    and, if that falls short, with the cache its docstring describes (when it fixes one)."""
    own_note = "" if status.correct else f" (from the cache of your {forward}, which fails)"

    def score(c: Any, note: str) -> None:
        grads = t.call(backward, dout, c)
        if len(names) > 1:
            grads = t.unpack(grads, len(names), backward.__name__)
        else:
            grads = (grads,)
        for name, value in zip(names, grads):
            t.expect(name, value, note=note, what=what, mode=mode)

    attempts = [lambda: score(cache, own_note)]
    if documented is not None:
        attempts.append(
            lambda: score(documented(), " (also with the cache the docstring describes)")
        )
    t.best_of(*attempts)
