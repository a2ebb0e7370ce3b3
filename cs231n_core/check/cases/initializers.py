"""Self-checks of the ``initializers`` tasks (graded by ``autograder/checks/initializers.py``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cs231n_core.check.cases._common import rng_of
from cs231n_core.check.harness import Trial, _describe, _e, case


@case("initializers.zeros")
def _zeros(t: Trial) -> None:
    w = t.call(t.mod("initializers").zeros, 3, 7)
    t.holds(
        "zeros",
        type(w) is np.ndarray and w.shape == (3, 7) and w.dtype == np.float64,
        f"got {_describe(w)}",
        what="shape (3, 7) and dtype float64",
    )
    t.holds(
        "zeros", type(w) is np.ndarray and not np.any(w), "some entries are not 0", what="all zero"
    )
    w = t.call(t.mod("initializers").zeros, 4, 2, rng=rng_of(0))
    t.holds(
        "zeros",
        type(w) is np.ndarray and w.shape == (4, 2),
        f"got {_describe(w)}",
        what="accepts rng",
    )


def _random_init(
    t: Trial,
    name: str,
    fan_in: int,
    fan_out: int,
    target_std: float,
    seed: int,
    spread: float = 0.03,
    gaussian: bool = False,
    spread_part: str = "distribution",
    **kwargs: Any,
) -> np.ndarray | None:
    """Shape, dtype, statistics and the use of rng of a random initialiser."""
    fn = getattr(t.mod("initializers"), name)
    w = t.call(fn, fan_in, fan_out, rng=rng_of(seed), **kwargs)
    if not t.holds(
        "shape",
        type(w) is np.ndarray and w.shape == (fan_in, fan_out) and w.dtype == np.float64,
        f"got {_describe(w)}",
        what=f"({fan_in}, {fan_out}) and dtype float64",
    ):
        return None
    # Over 10^5 entries the sample standard deviation is within 0.5% of the true
    # one with overwhelming probability; 3% leaves room only for wrong scales.
    lo, hi = (1 - spread) * target_std, (1 + spread) * target_std
    t.within(spread_part, "std", float(w.std()), lo, hi, what="standard deviation")
    bound = 6 * target_std / math.sqrt(w.size)
    t.within(spread_part, "mean", float(w.mean()), -bound, bound, what="mean")
    if gaussian:
        # A normal distribution puts 4.55% of its mass beyond 2 standard deviations;
        # the bounds are 6 standard errors of that share.
        p = math.erfc(math.sqrt(2))
        margin = 6 * math.sqrt(p * (1 - p) / w.size)
        share = float(np.mean(np.abs(w) > 2 * target_std))
        t.within(
            "distribution",
            "share",
            share,
            p - margin,
            p + margin,
            what="share beyond 2 std, normal: 0.0455",
        )
    same = t.call(fn, fan_in, fan_out, rng=rng_of(seed), **kwargs)
    t.holds(
        "rng",
        type(same) is np.ndarray and np.array_equal(same, w),
        "draw from the rng argument (not from np.random)",
        what="the same seed gives the same weights",
    )
    other = t.call(fn, fan_in, fan_out, rng=rng_of(seed + 1), **kwargs)
    t.holds(
        "rng",
        type(other) is np.ndarray and not np.array_equal(other, w),
        "draw from the rng argument",
        what="another seed gives other weights",
    )
    fresh = [t.call(fn, fan_in, fan_out, **kwargs) for _ in range(2)]
    t.holds(
        "rng",
        all(type(f) is np.ndarray and f.shape == w.shape for f in fresh)
        and not np.array_equal(fresh[0], fresh[1]),
        "two calls without rng gave the same weights (or no array)",
        what="rng=None draws fresh weights",
    )
    return w


@case("initializers.gaussian")
def _gaussian(t: Trial) -> None:
    _random_init(t, "gaussian", 400, 300, 0.05, 3001, gaussian=True, std=0.05)


@case("initializers.xavier")
def _xavier(t: Trial) -> None:
    _random_init(t, "xavier", 500, 200, 1 / math.sqrt(500), 3002, gaussian=True)


@case("initializers.glorot_uniform")
def _glorot_uniform(t: Trial) -> None:
    a = math.sqrt(6 / (400 + 300))
    w = _random_init(t, "glorot_uniform", 400, 300, a / math.sqrt(3), 3003)
    if w is not None:
        t.within("distribution", "max |w|", float(np.abs(w).max()), 0.99 * a, a, what="largest |w|")


@case("initializers.he")
def _he(t: Trial) -> None:
    _random_init(t, "he", 500, 200, math.sqrt(2 / 500), 3004, gaussian=True)


@case("initializers.orthogonal")
def _orthogonal(t: Trial) -> None:
    # Columns of a random orthogonal 200 x 60 matrix are unit vectors in R^200.
    # Orthogonal has no part "distribution": its spread follows from orthonormal columns.
    w = _random_init(
        t, "orthogonal", 200, 60, 1 / math.sqrt(200), 3005, spread=0.05, spread_part="orthonormal"
    )
    if w is not None:
        # einsum: a threaded BLAS is slow on small products when the machine is busy.
        err = float(np.abs(np.einsum("ki,kj->ij", w, w) - np.eye(60)).max())
        t.holds(
            "orthonormal",
            err < 1e-10,
            f"max |w.T @ w - I| = {_e(err)} (should be below 1e-10)",
            f"max |w.T @ w - I| = {_e(err)} (should be below 1e-10)",
            what="columns: w.T @ w = I",
        )
    wide = t.call(t.mod("initializers").orthogonal, 40, 90, gain=math.sqrt(2), rng=rng_of(3105))
    if t.holds(
        "shape",
        type(wide) is np.ndarray and wide.shape == (40, 90),
        f"got {_describe(wide)}",
        what="(40, 90) with gain sqrt(2)",
    ):
        err = float(np.abs(np.einsum("ik,jk->ij", wide, wide) - 2 * np.eye(40)).max())
        t.holds(
            "orthonormal",
            err < 1e-10,
            f"max |w @ w.T - 2 I| = {_e(err)} (should be below 1e-10)",
            f"max |w @ w.T - 2 I| = {_e(err)} (should be below 1e-10)",
            what="rows: w @ w.T = gain**2 I",
        )
    # For a uniformly random orthogonal matrix the diagonal entries are positive or
    # negative with equal chance; QR without the sign fix makes most of them negative.
    draws = [w, wide]
    draws += [
        t.call(t.mod("initializers").orthogonal, *shape, rng=rng_of(3205 + k))
        for k, shape in enumerate([(120, 100), (100, 120)])
    ]
    signs = [np.diagonal(d) < 0 for d in draws if type(d) is np.ndarray and d.ndim == 2]
    if signs:
        negative = np.concatenate(signs)
        half = 6 * 0.5 / math.sqrt(negative.size)  # 6 standard errors of a fair coin's share
        t.within(
            "random_signs",
            "share",
            float(negative.mean()),
            0.5 - half,
            0.5 + half,
            what="share of negative diagonal entries, about 0.5",
        )


@case("initializers.lsuv")
def _lsuv(t: Trial) -> None:
    init = t.mod("initializers")
    rng = rng_of(3006)
    x = 0.5 + 2.0 * rng.standard_normal((200, 20))
    weights = [
        0.05 * rng.standard_normal((20, 30)),
        3.0 * rng.standard_normal((30, 25)),
        rng.standard_normal((25, 10)),
    ]
    new = t.call(init.lsuv, weights, x)
    t.expect_all("scale", new, item="layer ", what="ReLU")
    # The stored answer has output variances of 1 with ReLU; 1.02 times its first layer
    # gives variances of 1.0404 in every layer, within tol: nothing should change.
    within = [t.answer(f"scale (ReLU)/layer {k}") for k in (1, 2, 3)]
    within[0] = within[0] * 1.02
    kept = t.call(init.lsuv, within, x)
    t.holds(
        "scale",
        isinstance(kept, list)
        and len(kept) == 3
        and all(type(k) is np.ndarray and np.array_equal(k, w) for k, w in zip(kept, within)),
        "a layer whose output variance is already within tol of 1 must not be rescaled",
        what="layers already within tol are returned unchanged",
    )
    tol = 0.05
    new = t.call(init.lsuv, weights, x, activation=np.tanh, tol=tol)
    if not t.holds(
        "unit_variance",
        isinstance(new, list)
        and len(new) == 3
        and all(type(w) is np.ndarray and w.shape == v.shape for w, v in zip(new, weights)),
        f"got {_describe(new)}",
        what="one array per layer",
    ):
        return
    h = x
    for layer, (w, old) in enumerate(zip(new, weights), start=1):
        z = h @ w
        t.within(
            "unit_variance",
            "variance",
            float(np.var(z)),
            1 - tol,
            1 + tol,
            what=f"layer {layer}, tanh",
        )
        ratio = w / old
        t.holds(
            "positive_multiple",
            np.all(ratio > 0) and np.ptp(ratio) <= 1e-9 * np.abs(ratio).max(),
            "rescale the whole matrix by one positive number",
            what=f"layer {layer}",
        )
        h = np.tanh(z)
    zero = [np.zeros((20, 30)), weights[1]]
    t.raises(
        "zero_variance", ValueError, init.lsuv, zero, x, what="an all-zero layer raises ValueError"
    )
    w32 = [w.astype(np.float32) for w in weights]
    new32 = t.call(init.lsuv, w32, x.astype(np.float32))
    t.holds(
        "float32",
        isinstance(new32, list) and all(getattr(w, "dtype", None) == np.float32 for w in new32),
        f"got {_describe(new32)}",
    )
