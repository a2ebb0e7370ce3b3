"""Hidden checks of the ``layers`` tasks.

Inputs avoid the kinks (x == 0, a hinge margin of exactly 0) where conventions may
differ: Gaussian draws never hit them. Where the docstrings promise stability
(sigmoid, softmax) or the function is defined for every real input (tanh, ELU),
some inputs have magnitudes of 1e3 and more, so an overflowing formula fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.checks.harness import BackwardCase, Section, TaskRun, array_problem, check
from autograder.reference import layers as ref

# ----------------------------------------------------------------- helpers


def _dim(run: TaskRun, low: int, high: int) -> int:
    return int(run.rng.integers(low, high + 1))


def _any_shape(run: TaskRun) -> tuple[int, ...]:
    """A shape of 1 to 3 axes (N may be 1), for elementwise layers."""
    return tuple(_dim(run, 1, 6) for _ in range(_dim(run, 1, 3)))


def _with_large(run: TaskRun, x: np.ndarray, count: int = 4) -> np.ndarray:
    """x with ``count`` entries (or all, if fewer) replaced by values of magnitude 1e3 to 1e4."""
    x = x.copy()
    picks = run.rng.choice(x.size, size=min(count, x.size), replace=False)
    signs = np.where(np.arange(picks.size) % 2 == 0, 1.0, -1.0)  # both signs
    x.flat[picks] = signs * run.rng.uniform(1e3, 1e4, size=picks.size)
    return x


def _activation_inputs(run: TaskRun, large: bool) -> list[np.ndarray]:
    """Two inputs of random shapes; with ``large``, the second holds huge entries."""
    first = 2.0 * run.rng.standard_normal(_any_shape(run))
    second = 2.0 * run.rng.standard_normal((_dim(run, 1, 5), _dim(run, 4, 8)))
    return [first, _with_large(run, second) if large else second]


def _slope(run: TaskRun) -> float:
    return float(run.rng.uniform(0.05, 0.5))


def _elu_alpha(run: TaskRun) -> float:
    # Never close to 1: with alpha == 1 some wrong derivatives look right.
    return float(run.rng.uniform(0.3, 0.7) if run.rng.random() < 0.5 else run.rng.uniform(1.5, 3))


def _close_loss(run: TaskRun, part: str, got: Any, expected: float, tol: float = 1e-6) -> bool:
    """A scalar loss, to ``tol`` relative to max(|expected|, 1) (losses near 0 need a floor)."""
    if type(got) not in (float, int) and not (
        isinstance(got, np.generic) and np.asarray(got).dtype.kind in "fiu"
    ):
        return run.check(
            part, False, f"expected a number, got a value of type {type(got).__name__}"
        )
    value = float(got)
    if not math.isfinite(value):
        return run.check(part, False, f"is {value}", got=value, expected=expected)
    err = abs(value - expected) / max(abs(expected), 1.0)
    return run.check(
        part,
        err <= tol,
        f"relative error {err:.2e} exceeds the tolerance {tol:.0e}",
        f"relative error {err:.1e} (tolerance {tol:.0e})",
        got=value,
        expected=expected,
    )


def _elementwise_forward(
    run: TaskRun, reference: Callable[..., tuple], inputs: list[np.ndarray], *extra: Any
) -> None:
    for x in inputs:
        out, _ = run.returns(run.call(x, *extra), 2)
        run.close("out", out, reference(x, *extra)[0])


def _elementwise_backward(
    run: TaskRun,
    forward: str,
    reference_forward: Callable[..., tuple],
    reference_backward: Callable[..., Any],
    inputs: list[np.ndarray],
    *extra: Any,
) -> None:
    cases = []
    for x in inputs:
        dout = run.rng.standard_normal(x.shape)
        out, cache = reference_forward(x, *extra)
        cases.append(BackwardCase((x, *extra), dout, cache, out, reference_backward(dout, cache)))

    def score(case: BackwardCase, dx: Any, _out: Any) -> None:
        run.close("dx", dx, case.expected)

    run.check_backward(forward, cases, score)


def _activation_checks(
    name: str, large: bool, param: Callable[[TaskRun], float] | None = None
) -> None:
    """Register the checks of an elementwise activation's forward and backward pass.

    large: the second input holds huge entries (see _activation_inputs). param draws
    the activation's parameter (a slope, an alpha): the forward pass is then checked
    once with the signature's default and once with a drawn value.
    """
    forward = f"{name}_forward"

    @check(f"layers.{forward}")
    def _forward(run: TaskRun) -> None:
        reference = getattr(ref, forward)
        inputs = _activation_inputs(run, large)
        if param is None:
            _elementwise_forward(run, reference, inputs)
            return
        first, second = inputs
        out, _ = run.returns(run.call(first), 2)  # the default parameter
        run.close("out", out, reference(first)[0])
        _elementwise_forward(run, reference, [second], param(run))

    @check(f"layers.{name}_backward")
    def _backward(run: TaskRun) -> None:
        inputs = _activation_inputs(run, large)
        extra = () if param is None else (param(run),)
        reference_backward = getattr(ref, f"{name}_backward")
        _elementwise_backward(
            run, forward, getattr(ref, forward), reference_backward, inputs, *extra
        )


# ----------------------------------------------------------------- affine


def _affine_inputs(run: TaskRun, d0: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x of shape (n, d0, d1), w and b of an affine layer to m outputs; n and d1 are drawn."""
    n, shape = int(run.rng.integers(2, 6)), (d0, int(run.rng.integers(2, 5)))
    x = run.rng.standard_normal((n, *shape))
    w = run.rng.standard_normal((shape[0] * shape[1], m))
    b = run.rng.standard_normal(m)
    return x, w, b


@check("layers.affine_forward")
def _affine_forward(run: TaskRun) -> None:
    x, w, b = _affine_inputs(run, 3, 4)
    out, _ = run.returns(run.call(x, w, b), 2)
    run.close("out", out, ref.affine_forward(x, w, b)[0])


@check("layers.affine_backward")
def _affine_backward(run: TaskRun) -> None:
    x, w, b = _affine_inputs(run, 2, 3)
    dout = run.rng.standard_normal((x.shape[0], b.shape[0]))
    out, cache = ref.affine_forward(x, w, b)
    case = BackwardCase((x, w, b), dout, cache, out, ref.affine_backward(dout, cache))

    def score(case: BackwardCase, grads: object, _out: Any) -> None:
        dx, dw, db = run.returns(grads, 3)
        run.close("dx", dx, case.expected[0])
        run.close("dw", dw, case.expected[1])
        run.close("db", db, case.expected[2])

    run.check_backward("affine_forward", [case], score)


# ----------------------------------------------------------------- ReLU family

_activation_checks("relu", large=False)
_activation_checks("leaky_relu", large=False, param=_slope)


def _prelu_inputs(run: TaskRun) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, alpha) for a general shape, N == 1 and D == 1."""
    shapes = [(_dim(run, 2, 6), _dim(run, 2, 6)), (1, _dim(run, 2, 6)), (_dim(run, 2, 6), 1)]
    return [
        (2.0 * run.rng.standard_normal(s), run.rng.uniform(0.05, 0.6, size=s[1])) for s in shapes
    ]


@check("layers.prelu_forward")
def _prelu_forward(run: TaskRun) -> None:
    for x, alpha in _prelu_inputs(run):
        out, _ = run.returns(run.call(x, alpha), 2)
        run.close("out", out, ref.prelu_forward(x, alpha)[0])


@check("layers.prelu_backward")
def _prelu_backward(run: TaskRun) -> None:
    cases = []
    for x, alpha in _prelu_inputs(run):
        dout = run.rng.standard_normal(x.shape)
        out, cache = ref.prelu_forward(x, alpha)
        cases.append(BackwardCase((x, alpha), dout, cache, out, ref.prelu_backward(dout, cache)))

    def score(case: BackwardCase, grads: Any, _out: Any) -> None:
        dx, dalpha = run.returns(grads, 2)
        run.close("dx", dx, case.expected[0])
        run.close("dalpha", dalpha, case.expected[1])

    run.check_backward("prelu_forward", cases, score)


_activation_checks("elu", large=True, param=_elu_alpha)

# ----------------------------------------------------------------- sigmoid, tanh

_activation_checks("sigmoid", large=True)
_activation_checks("tanh", large=True)


# ----------------------------------------------------------------- maxout


def _maxout_inputs(run: TaskRun) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A Gaussian input, and one with small integers where pieces tie.

    In the second, one piece is a copy of an earlier one and every score is an
    exact small integer (any summation order gives the same value), so ties are
    exact and the documented rule (the first maximal piece wins) decides.
    """
    n, d, m, k = _dim(run, 1, 5), _dim(run, 2, 5), _dim(run, 2, 4), _dim(run, 2, 4)
    gaussian = (
        run.rng.standard_normal((n, d)),
        run.rng.standard_normal((k, d, m)),
        run.rng.standard_normal((k, m)),
    )
    n, d, m, k = _dim(run, 4, 7), _dim(run, 2, 4), _dim(run, 2, 4), _dim(run, 2, 3)
    x = run.rng.integers(-3, 4, size=(n, d)).astype(np.float64)
    w = run.rng.integers(-2, 3, size=(k, d, m)).astype(np.float64)
    b = run.rng.integers(-2, 3, size=(k, m)).astype(np.float64)
    first, later = np.sort(run.rng.choice(k, size=2, replace=False))
    w[later], b[later] = w[first], b[first]
    return [gaussian, (x, w, b)]


@check("layers.maxout_forward")
def _maxout_forward(run: TaskRun) -> None:
    for x, w, b in _maxout_inputs(run):
        out, _ = run.returns(run.call(x, w, b), 2)
        run.close("out", out, ref.maxout_forward(x, w, b)[0])


@check("layers.maxout_backward")
def _maxout_backward(run: TaskRun) -> None:
    cases = []
    for x, w, b in _maxout_inputs(run):
        dout = run.rng.standard_normal((x.shape[0], w.shape[2]))
        out, cache = ref.maxout_forward(x, w, b)
        cases.append(BackwardCase((x, w, b), dout, cache, out, ref.maxout_backward(dout, cache)))

    def score(case: BackwardCase, grads: Any, _out: Any) -> None:
        dx, dw, db = run.returns(grads, 3)
        run.close("dx", dx, case.expected[0])
        run.close("dw", dw, case.expected[1])
        run.close("db", db, case.expected[2])

    run.check_backward("maxout_forward", cases, score)


# ----------------------------------------------------------------- losses


def _loss_inputs(run: TaskRun, large: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """(scores, labels): ordinary scores with N >= 2; then, with ``large``, scores of
    magnitude 1e3 and scores offset by 1e4 (exp overflows without the max shift)."""
    shapes = [(_dim(run, 2, 8), _dim(run, 3, 10)), (_dim(run, 1, 6), _dim(run, 2, 8))]
    scales = [(1.5, 0.0), (1e3, 0.0) if large else (3.0, 0.0)]
    if large:
        shapes.append((_dim(run, 2, 6), _dim(run, 2, 8)))
        scales.append((3.0, 1e4))
    cases = []
    for (n, c), (scale, offset) in zip(shapes, scales):
        x = scale * run.rng.standard_normal((n, c)) + offset
        cases.append((x, run.rng.integers(0, c, size=n)))
    return cases


def _check_loss(run: TaskRun, reference: Callable[..., tuple], large: bool) -> None:
    for x, y in _loss_inputs(run, large):
        loss, dx = run.returns(run.call(x, y), 2)
        ref_loss, ref_dx = reference(x, y)
        _close_loss(run, "loss", loss, ref_loss)
        run.close("dx", dx, ref_dx)


@check("layers.softmax_loss")
def _softmax_loss(run: TaskRun) -> None:
    _check_loss(run, ref.softmax_loss, large=True)


@check("layers.svm_loss")
def _svm_loss(run: TaskRun) -> None:
    _check_loss(run, ref.svm_loss, large=False)


# ----------------------------------------------------------------- dropout
#
# Which units a given seed drops is not part of the API (rng.random, rng.uniform
# or rng.binomial are all fine), so training mode is checked through relations
# every correct mask satisfies: about a fraction p of the units is kept, a kept
# unit equals x / p, a dropped one is exactly 0, and the backward pass lets dout
# through exactly where the student's own forward pass kept a unit.

_DROPOUT_UNITS = 20_000
# A correct submission fails one keep-rate test with probability below this
# (Hoeffding's bound), so below 1e-10 over the two tests of a grading run.
_DROPOUT_FALSE_FAILURE = 5e-11
# Kept units are x * (1 / p) or x / p, which differ in the last bit; float32 work is fine.
_DROPOUT_SCALE_TOL = 1e-6


def _keep_probability(run: TaskRun) -> float:
    # Far from 1/2, so keep and drop probabilities swapped cannot pass.
    p = float(run.rng.uniform(0.15, 0.4))
    return p if run.rng.random() < 0.5 else 1.0 - p


def _score_train_output(run: TaskRun, out: Any, x: np.ndarray, p: float) -> None:
    problem = array_problem(out, x.shape)
    if problem:
        run.check("keep rate", False, problem)
        run.check("scaling", False, problem)
        return
    kept = out != 0  # x has no zeros
    rate = float(kept.mean())
    allowed = math.sqrt(math.log(2 / _DROPOUT_FALSE_FAILURE) / (2 * x.size)) if p < 1 else 0.0
    run.check(
        "keep rate",
        abs(rate - p) <= allowed,
        f"the fraction of units kept differs from p by {abs(rate - p):.3f} "
        f"(allowed: {allowed:.3f})",
    )
    scaled = x[kept] / p
    err = float(np.max(np.abs(out[kept] - scaled) / np.abs(scaled))) if kept.any() else np.inf
    run.check(
        "scaling",
        err <= _DROPOUT_SCALE_TOL,
        "kept units must equal x / p and dropped units exactly 0 "
        f"(largest relative error of a kept unit: {err:.1e})",
    )


def _dropout_shape(run: TaskRun) -> tuple[int, ...]:
    # At least 200 units: all of them kept (or all dropped) has probability < 1e-14.
    return (_dim(run, 2, 6), _dim(run, 10, 20), _dim(run, 10, 15))


@check("layers.dropout_forward")
def _dropout_forward(run: TaskRun) -> None:
    """Three independent sections: training mode, test mode, and the seed."""

    def train() -> None:
        # Training mode on two large inputs: one with a seed, one without.
        for shape, seeded in (((100, 200), True), ((40, 25, 20), False)):
            x = run.rng.standard_normal(shape)
            p = _keep_probability(run)
            param: dict[str, Any] = {"mode": "train", "p": p}
            if seeded:
                param["seed"] = int(run.rng.integers(2**31))
            out, _ = run.returns(run.call(x, param), 2)
            _score_train_output(run, out, x, p)
        # p == 1 keeps every unit.
        x = run.rng.standard_normal(_dropout_shape(run))
        out, _ = run.returns(run.call(x, {"mode": "train", "p": 1.0}), 2)
        _score_train_output(run, out, x, 1.0)

    def test() -> None:
        # The input, unchanged (at least 200 units, so a stray mask shows).
        x = run.rng.standard_normal((_dim(run, 20, 40), _dim(run, 10, 30)))
        out, _ = run.returns(run.call(x, {"mode": "test", "p": _keep_probability(run)}), 2)
        problem = array_problem(out, x.shape, allow_float32=False)
        run.check(
            "test mode",
            problem is None and out.dtype == x.dtype and np.array_equal(out, x),
            problem or "in test mode the output must equal the input",
        )

    def seed() -> None:
        # The same seed gives the same mask; no seed gives a fresh mask every call.
        x = run.rng.standard_normal((30, 40))
        p = _keep_probability(run)
        seed = int(run.rng.integers(2**31))
        outs = []
        seeded: dict[str, Any] = {"mode": "train", "p": p, "seed": seed}
        for param in (seeded, seeded, {"mode": "train", "p": p}, {"mode": "train", "p": p}):
            out, _ = run.returns(run.call(x, dict(param)), 2)
            problem = array_problem(out, x.shape)
            if problem:
                run.check("seed", False, problem)
                return
            outs.append(out != 0)
        run.check(
            "seed",
            np.array_equal(outs[0], outs[1]),
            "two calls with the same seed dropped different units",
        )
        # Two independent masks of 1200 units agree with probability below 0.75**1200.
        run.check(
            "seed",
            not np.array_equal(outs[2], outs[3]),
            "two calls without a seed dropped the same units (is the generator seeded "
            "with a constant?)",
        )

    run.independently(
        Section("in training mode", ("keep rate", "scaling"), train),
        Section("in test mode", ("test mode",), test),
        Section("with and without a seed", ("seed",), seed),
    )


@check("layers.dropout_backward")
def _dropout_backward(run: TaskRun) -> None:
    x = run.rng.standard_normal(_dropout_shape(run))
    dout = run.rng.standard_normal(x.shape)
    p = _keep_probability(run)
    train = {"mode": "train", "p": p, "seed": int(run.rng.integers(2**31))}
    test = {"mode": "test", "p": p}
    cases = []
    for mode, param in (("train", train), ("test", test)):  # independent: one part each
        out, cache = ref.dropout_forward(x, dict(param))
        where = f"in {mode} mode"
        cases.append(BackwardCase((x, param), dout, cache, out, where=where, owns=(mode,)))

    def forward_problem(case: BackwardCase, out: Any) -> str | None:
        # Any mask is fine: kept units must be x / p and dropped ones 0 (x has no zeros).
        problem = array_problem(out, x.shape)
        if problem:
            return f"returns an output with {problem}"
        if case.forward_args[1]["mode"] == "test":
            return None if np.array_equal(out, x) else "changes x in test mode"
        kept = out != 0
        if not np.allclose(out[kept], x[kept] / p, rtol=_DROPOUT_SCALE_TOL, atol=0):
            return "keeps units that are not x / p in training"
        return None

    def score(case: BackwardCase, dx: Any, out: Any) -> None:
        # dout flows back through the units the forward pass kept, scaled as they were.
        if case.forward_args[1]["mode"] == "train":
            run.close("train", dx, np.where(out != 0, dout / p, 0.0))
        else:
            run.close("test", dx, dout)

    run.check_backward("dropout_forward", cases, score, forward_problem)
