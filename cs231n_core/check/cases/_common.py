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
    """Score a backward pass against stored answers on the cache of your forward pass.

    A forward/backward pair must agree with itself: while your forward pass gives the
    right output, only its own cache is used. When it does not, the cache its docstring
    describes (when it fixes one) is used instead, and each line says so."""
    note = ""
    if not status.correct:
        note = f" (from the cache of your {forward}, which fails)"
        if documented is not None:
            cache = documented()
            note = f" (from the cache the docstring describes, since your {forward} fails)"
    grads = t.call(backward, dout, cache)
    if len(names) > 1:
        grads = t.unpack(grads, len(names), backward.__name__)
    else:
        grads = (grads,)
    for name, value in zip(names, grads):
        if not t.expect(name, value, note=note, what=what, mode=mode):
            continue
        t.parts[-1].detail += note  # a passing line says which cache it used too
