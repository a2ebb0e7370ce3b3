"""Hidden checks of the ``initializers`` tasks.

The random initialisers are checked statistically on one large draw (about 10^5
entries) with bounds a correct answer breaks with probability below about 1e-10
(exponential tail bounds with exponent ``_X``), and by reproducibility: the
worker cannot receive a Generator, so the check passes an integer seed as
``rng``, which the shipped line ``rng = np.random.default_rng(rng)`` turns into a
seeded Generator; equal seeds must give equal arrays and different seeds
different ones. Nothing compares the student's draws with the reference's, so
any correct way of drawing (``rng.normal``, ``rng.uniform``, SVD instead of QR)
keeps full marks.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from autograder.checks.harness import (
    CheckAbort,
    Section,
    TaskRun,
    array_problem,
    check,
    scaled_error,
)
from autograder.reference import initializers as ref

# Exponent of the tail bounds: each statistical test fails a correct answer with
# probability at most 2 * exp(-_X) (about 3e-11); a check runs at most four.
_X = 25.0

def _seed(run: TaskRun) -> int:
    return int(run.rng.integers(0, 2**62))


def _big_fans(run: TaskRun) -> tuple[int, int]:
    """A large layer with clearly different fans (ratio >= 1.2), in random order."""
    small, large = int(run.rng.integers(260, 340)), int(run.rng.integers(420, 520))
    return (small, large) if run.rng.random() < 0.5 else (large, small)


def _small_shapes(run: TaskRun) -> list[tuple[int, int]]:
    a, b = int(run.rng.integers(2, 7)), int(run.rng.integers(8, 14))
    return [(a, b), (b, a), (1, a), (b, 1), (a, a)]


def _shape_ok(run: TaskRun, part: str, w: Any, shape: tuple[int, int]) -> bool:
    problem = array_problem(w, shape, allow_float32=False)
    if problem:
        run.record(part, False, f"{part}: for a ({shape[0]}, {shape[1]}) layer: {problem}")
        return False
    return run.record(part, True, f"{part}: arrays of the right shape and dtype")


class _Draws:
    """Calls of one initialiser; remembers whether an integer seed is accepted as rng."""

    def __init__(self, run: TaskRun, kwargs: dict[str, Any]) -> None:
        self.run = run
        self.kwargs = kwargs
        self.seed_failure: str | None = None

    def draw(self, fan_in: int, fan_out: int, seed: int | None) -> Any:
        if seed is not None and self.seed_failure is None:
            try:
                return self.run.call(fan_in, fan_out, rng=seed, **self.kwargs)
            except CheckAbort as exc:
                # Try without a generator, so only the rng part depends on it (unless
                # that fails too: then this layer, not the seed, is what fails).
                value = self.run.call(fan_in, fan_out, **self.kwargs)
                self.seed_failure = str(exc)
                return value
        return self.run.call(fan_in, fan_out, **self.kwargs)

    def check_rng(self, fan_in: int, fan_out: int) -> None:
        run = self.run
        if self.seed_failure is not None:
            run.check(
                "rng",
                False,
                "calling with a seed as rng failed (keep the given line "
                "rng = np.random.default_rng(rng), which accepts a seed or a Generator):\n"
                + self.seed_failure,
            )
            return
        s1, s2 = _seed(run), _seed(run)
        a = self.draw(fan_in, fan_out, s1)
        b = self.draw(fan_in, fan_out, s1)
        c = self.draw(fan_in, fan_out, s2)
        none = run.call(fan_in, fan_out, **self.kwargs)
        for w in (a, b, c):
            if array_problem(w, (fan_in, fan_out), allow_float32=False):
                run.check("rng", False, "a seeded call returned an array of the wrong kind")
                return
        run.check(
            "rng",
            np.array_equal(a, b),
            "two generators seeded alike gave different weights: draw from the rng argument only",
        )
        run.check(
            "rng",
            not np.array_equal(a, c),
            "generators with different seeds gave the same weights: draw from the rng argument",
        )
        run.check(
            "rng",
            array_problem(none, (fan_in, fan_out), allow_float32=False) is None,
            "with rng=None the result is not a float64 array of the right shape",
            "draws from the given generator; rng=None works",
        )


def _check_normal(run: TaskRun, w: np.ndarray, sigma: float) -> None:
    """Entries independent N(0, sigma**2): mean, standard deviation and tail mass."""
    n = w.size
    # Mean of n normals: exact normal tail, 7 standard deviations.
    mean_tol = 7.0 * sigma / math.sqrt(n)
    # Sum of squares / sigma**2 is chi-square(n) (Laurent & Massart 2000 bounds).
    hi = math.sqrt(1 + 2 * math.sqrt(_X / n) + 2 * _X / n) - 1
    lo = 1 - math.sqrt(1 - 2 * math.sqrt(_X / n))
    std_tol = max(hi, lo)
    # Entries beyond 2 sigma: binomial(n, p) count (Bernstein bound).
    p = math.erfc(2 / math.sqrt(2))
    var = n * p * (1 - p)
    tail_tol = _X / 3 + math.sqrt(_X**2 / 9 + 2 * _X * var)
    mean = float(np.mean(w))
    rel_std = math.sqrt(float(np.mean(w * w))) / sigma - 1
    tail = int(np.count_nonzero(np.abs(w) > 2 * sigma))
    if abs(mean) > mean_tol:
        run.check("distribution", False, "the entries do not have mean 0")
    elif abs(rel_std) > std_tol:
        run.check(
            "distribution",
            False,
            f"the standard deviation is off by {100 * rel_std:+.1f}% "
            f"(a correct draw stays within {100 * std_tol:.1f}%)",
            got=sigma * (1 + rel_std),
            expected=sigma,
        )
    elif abs(tail - n * p) > tail_tol:
        run.check(
            "distribution",
            False,
            "the mean and standard deviation are right but the entries are not normally "
            "distributed (wrong share of entries beyond 2 standard deviations)",
        )
    else:
        run.check("distribution", True, "", "mean, standard deviation and shape as expected")


def _check_uniform(run: TaskRun, w: np.ndarray, limit: float) -> None:
    """Entries independent U(-limit, limit): bounds, mean and variance."""
    n = w.size
    biggest = float(np.max(np.abs(w)))
    mean_tol = limit * math.sqrt(2 * _X / n)  # Hoeffding
    s2 = 4 / 45  # variance of (w / limit)**2 for a uniform w
    # Bernstein, on the mean of (w / limit)**2.
    var_tol = (_X / 3 + math.sqrt(_X**2 / 9 + 2 * _X * n * s2)) / n
    mean = float(np.mean(w))
    second = float(np.mean((w / limit) ** 2))
    if biggest > limit * (1 + 1e-12):
        run.check(
            "distribution", False, "some entries lie outside [-a, a]", got=biggest, expected=limit
        )
    elif biggest < limit * (1 - _X / n):
        run.check("distribution", False, "the entries do not reach the bounds -a and a")
    elif abs(mean) > mean_tol:
        run.check("distribution", False, "the entries do not have mean 0")
    elif abs(second - 1 / 3) > var_tol:
        run.check(
            "distribution",
            False,
            "the entries lie in [-a, a] but are not uniformly distributed there",
        )
    else:
        run.check("distribution", True, "", "bounds, mean and variance as expected")


def _random_init(run: TaskRun, kwargs: dict[str, Any], kind: str, scale: Any) -> None:
    """Statistics on a large layer, shape and dtype on small ones, then the rng part:
    three independent sections.

    ``scale(fan_in, fan_out)`` gives the standard deviation (kind "normal") or
    the bound a (kind "uniform").
    """
    draws = _Draws(run, kwargs)

    def large() -> None:
        fan_in, fan_out = _big_fans(run)
        w = draws.draw(fan_in, fan_out, _seed(run))
        if _shape_ok(run, "shape", w, (fan_in, fan_out)):
            if kind == "normal":
                _check_normal(run, w, scale(fan_in, fan_out))
            else:
                _check_uniform(run, w, scale(fan_in, fan_out))
        else:
            run.check("distribution", False, "not checked: the large layer has the wrong shape")

    def small() -> None:
        for shape in _small_shapes(run):
            _shape_ok(run, "shape", draws.draw(*shape, _seed(run)), shape)

    run.independently(
        Section("on a large layer", ("distribution",), large),
        Section("on small layers", ("shape",), small),
        Section("with seeds", ("rng",), lambda: draws.check_rng(*_small_shapes(run)[0])),
    )


@check("initializers.zeros")
def _zeros(run: TaskRun) -> None:
    shapes = _small_shapes(run)
    for i, shape in enumerate(shapes):
        w = run.call(*shape) if i % 2 else run.call(*shape, rng=_seed(run))
        problem = array_problem(w, shape, allow_float32=False)
        if problem:
            run.check("zeros", False, f"for a ({shape[0]}, {shape[1]}) layer: {problem}")
        else:
            run.check("zeros", not np.any(w), "some entries are not zero", "all zeros")


@check("initializers.gaussian")
def _gaussian(run: TaskRun) -> None:
    std = float(10 ** run.rng.uniform(-2.5, 0.5))
    _random_init(run, {"std": std}, "normal", lambda fi, fo: std)


@check("initializers.xavier")
def _xavier(run: TaskRun) -> None:
    _random_init(run, {}, "normal", lambda fi, fo: 1 / math.sqrt(fi))


@check("initializers.glorot_uniform")
def _glorot_uniform(run: TaskRun) -> None:
    _random_init(run, {}, "uniform", lambda fi, fo: math.sqrt(6 / (fi + fo)))


@check("initializers.he")
def _he(run: TaskRun) -> None:
    _random_init(run, {}, "normal", lambda fi, fo: math.sqrt(2 / fi))


@check("initializers.orthogonal")
def _orthogonal(run: TaskRun) -> None:
    gain = float(run.rng.uniform(0.5, 3.0))
    draws = _Draws(run, {"gain": gain})

    def orthonormal(w: np.ndarray) -> None:
        fan_in, fan_out = w.shape
        # einsum: small products are slower through a threaded BLAS on a busy machine.
        gram = np.einsum("ki,kj->ij", w, w) if fan_in >= fan_out else np.einsum("ik,jk->ij", w, w)
        err = float(np.max(np.abs(gram - gain**2 * np.eye(len(gram))))) / gain**2
        which = "columns" if fan_in >= fan_out else "rows"
        run.check(
            "orthonormal",
            err <= 1e-8,
            f"for a ({fan_in}, {fan_out}) layer the {which} are not orthogonal with norm gain "
            f"(error {err:.1e}, tolerance 1e-08)",
            "orthogonal rows or columns, scaled by gain",
        )

    def large() -> None:
        # Four large layers, two tall and two wide. For a uniformly distributed
        # (sign-fixed) result the signs of the diagonal entries are independent fair
        # coins; QR without the sign fix makes about 80% of them negative.
        big = []
        for i in range(4):
            k, m = int(run.rng.integers(90, 111)), int(run.rng.integers(190, 231))
            big.append((m, k) if i % 2 else (k, m))
        negative = total = 0
        for shape in big:
            w = draws.draw(*shape, _seed(run))
            if _shape_ok(run, "shape", w, shape):
                orthonormal(w)
                d = np.diagonal(w)
                negative += int(np.count_nonzero(d < 0))
                total += d.size
        if total < sum(min(s) for s in big) or not run.results["orthonormal"].passed:
            run.check(
                "random_signs",
                False,
                "not checked: the large results have the wrong shape or are not orthonormal",
            )
        else:
            tol = math.sqrt(_X / (2 * total))  # Hoeffding
            run.check(
                "random_signs",
                abs(negative / total - 0.5) <= tol,
                f"{100 * negative / total:.0f}% of the diagonal entries are negative instead of "
                "about half: fix the signs so that R has a positive diagonal",
                "signs as random as they should be",
            )

    def small() -> None:
        for shape in _small_shapes(run):
            w = draws.draw(*shape, _seed(run))
            if _shape_ok(run, "shape", w, shape):
                orthonormal(w)

    # "shape" and "orthonormal" are judged on large and small layers alike.
    run.independently(
        Section("on large layers", ("random_signs",), large),
        Section("on small layers", ("shape",), small),
        Section("with seeds", ("rng",), lambda: draws.check_rng(*_small_shapes(run)[0])),
    )
    if "orthonormal" not in run.results:
        run.check("orthonormal", False, "not checked: no result had the right shape")


# ------------------------------------------------------------------------- lsuv


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def _lsuv_case(
    run: TaskRun, dtype: type, tol: float, max_iter: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """A batch and a stack of layers far from unit variance, except one within tol.

    The layer within tol is never the only one feeding a later layer, so a
    layer that passes on a wrongly scaled output shows.
    """
    n_layers = int(run.rng.integers(2, 5))
    dims = [int(run.rng.integers(5, 30))] + [int(run.rng.integers(4, 25)) for _ in range(n_layers)]
    n = int(run.rng.integers(20, 60))
    x = run.rng.standard_normal((n, dims[0])) * run.rng.uniform(0.3, 3) + run.rng.uniform(-1, 1)
    if run.rng.random() < 0.5 and dims[0] % 2 == 0:
        x = x.reshape(n, 2, dims[0] // 2)
    near = int(run.rng.integers(0, n_layers)) if n_layers > 2 else 1
    weights: list[np.ndarray] = []
    h = x.reshape(n, -1)
    for a, b in itertools.pairwise(dims):
        w = run.rng.standard_normal((a, b)) * 10 ** run.rng.uniform(-1.5, 1)
        var = float(np.var(h @ w))
        if len(weights) == near:
            # Output variance 1 +- tol/2: the reference leaves this layer unchanged.
            w *= math.sqrt((1 + (tol / 2) * (1 if run.rng.random() < 0.5 else -1)) / var)
        elif abs(var - 1) < 0.5:
            w *= 2.0  # clearly away from 1 (variance x4)
        weights.append(w.astype(dtype))
        # The next layer's input, as the reference computes it.
        h = _relu(h @ ref.lsuv(weights[-1:], h, tol=tol, max_iter=max_iter)[0])
    return weights, x


def _lsuv_result(run: TaskRun, got: Any, weights: list[np.ndarray], part: str) -> bool:
    if type(got) not in (list, tuple) or len(got) != len(weights):
        run.check(
            part, False, f"expected a list of {len(weights)} arrays, got {type(got).__name__}"
        )
        return False
    for i, (g, w) in enumerate(zip(got, weights)):
        problem = array_problem(g, w.shape, allow_float32=w.dtype == np.float32)
        if problem:
            run.check(part, False, f"layer {i}: {problem}")
            return False
    return True


@check("initializers.lsuv")
def _lsuv(run: TaskRun) -> None:
    """Three independent sections: float64 weights, float32 weights, a dead layer."""
    tol = float(run.rng.uniform(0.02, 0.1))
    max_iter = int(run.rng.integers(3, 11))
    weights, x = _lsuv_case(run, np.float64, tol, max_iter)

    def float64() -> None:
        given = ([w.copy() for w in weights], x.copy())
        expected = ref.lsuv(weights, x, tol=tol, max_iter=max_iter)
        res = run.call_full((weights, x), {"tol": tol, "max_iter": max_iter})
        got = res["value"]

        after_w, after_x = res["args"]
        run.check(
            "inputs_unchanged",
            type(after_w) is list
            and len(after_w) == len(given[0])
            and all(np.array_equal(a, b) for a, b in zip(after_w, given[0]))
            and np.array_equal(after_x, given[1]),
            "the given weights or inputs were modified: rescale copies",
            "inputs left as they were",
        )
        if not _lsuv_result(run, got, weights, "unit_variance"):
            for part in ("positive_multiple", "scale"):
                run.check(part, False, "not checked: the result has the wrong form")
            return
        h = x.reshape(x.shape[0], -1)
        for i, w in enumerate(got):
            z = h @ np.asarray(w, dtype=np.float64)
            var = float(np.var(z))
            if not run.check(
                "unit_variance",
                abs(var - 1) <= tol * (1 + 1e-9),
                f"the output of layer {i} has variance {var:.3g}, not within tol of 1",
                "every layer's output has unit variance (within tol)",
            ):
                break
            h = _relu(z)
        for i, (g, w) in enumerate(zip(got, weights)):
            c = float(np.sum(g * w) / np.sum(w * w))
            err = float(np.max(np.abs(g - c * w))) / max(float(np.max(np.abs(g))), 1e-300)
            run.check(
                "positive_multiple",
                c > 0 and err <= 1e-9,
                f"layer {i} is not a positive multiple of the given weights",
                "each layer is a positive multiple of the given one",
            )
        errors = [scaled_error(np.asarray(g, dtype=np.float64), e) for g, e in zip(got, expected)]
        worst = int(np.argmax(errors))
        run.check(
            "scale",
            errors[worst] <= 1e-8,
            f"layer {worst} is scaled differently from the rule (error {errors[worst]:.1e}): "
            "rescale by 1/sqrt(np.var(z)) only while |var - 1| > tol, and leave a layer "
            "already within tol as it is",
            "every layer scaled as the rule says",
            got=errors[worst],
        )

    def float32() -> None:
        # float32 weights stay float32.
        weights32, x32 = _lsuv_case(run, np.float32, tol, max_iter)
        got32 = run.call(weights32, x32, tol=tol, max_iter=max_iter)
        if not _lsuv_result(run, got32, weights32, "float32"):
            return
        for i, (g, w) in enumerate(zip(got32, weights32)):
            c = float(np.sum(g * w, dtype=np.float64) / np.sum(w * w, dtype=np.float64))
            err = float(np.max(np.abs(g - c * w))) / max(float(np.max(np.abs(g))), 1e-30)
            ok = run.check(
                "float32",
                g.dtype == np.float32,
                f"layer {i} of float32 weights came back as {g.dtype}: keep each layer's dtype",
            ) and run.check(
                "float32",
                c > 0 and err <= 1e-5,
                f"layer {i} of float32 weights is not a positive multiple of the given one",
                "float32 weights stay float32",
            )
            if not ok:
                break

    def zero_variance() -> None:
        # An all-zero layer has an output of zero variance: ValueError.
        dead = [np.zeros_like(weights[0])] + [w.copy() for w in weights[1:]]
        try:
            run.call(dead, x, tol=tol, max_iter=max_iter)
        except CheckAbort as exc:
            last = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
            run.check(
                "zero_variance",
                last.startswith("ValueError"),
                "a layer with an output of zero variance should raise ValueError, "
                "not another exception",
                "raises ValueError for an output of zero variance",
            )
        else:
            run.check(
                "zero_variance",
                False,
                "a layer with an output of zero variance should raise ValueError",
            )

    run.independently(
        Section("with float64 weights",
                ("unit_variance", "positive_multiple", "scale", "inputs_unchanged"), float64),
        Section("with float32 weights", ("float32",), float32),
        Section("with a layer of zero output variance", ("zero_variance",), zero_variance),
    )
