"""Tests of the reference layers: gradients, closed forms, stability, dtypes, properties.

Backward passes are compared with centered differences (float64, h = 1e-5) from
cs231n_core.gradient_check; forward passes with values worked out by hand.

Kinks: relu, leaky relu, prelu, elu (alpha != 1), maxout and the SVM hinge are not
differentiable everywhere, and a centered difference that straddles a kink is wrong by
design. Their gradient checks therefore draw inputs that stay a fixed distance away
from every kink (much larger than h), so the 1e-7 bound applies to them unchanged.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.reference import layers as L
from cs231n_core.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)

task = pytest.mark.task
TOL = 1e-7
# Inputs of the kinked activations stay at least this far from 0 (h is 1e-5).
KINK_MARGIN = 0.1

ELEMENTWISE_SHAPES = [(1, 1), (1, 5), (4, 1), (3, 7), (2, 3, 4)]
MATRIX_SHAPES = [(1, 1), (1, 5), (4, 1), (6, 3)]
LOSS_SHAPES = [(1, 1), (1, 4), (5, 1), (6, 10)]


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in [-2, -KINK_MARGIN] U [KINK_MARGIN, 2], each sign with probability 1/2."""
    magnitude = rng.uniform(KINK_MARGIN, 2.0, size=shape)
    return np.where(rng.random(shape) < 0.5, -magnitude, magnitude)


def numeric_grad(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray):
    return eval_numerical_gradient_array(f, x, dout)


def assert_backward_matches_numerical(
    forward: Callable[..., tuple[np.ndarray, Any]],
    backward: Callable[[np.ndarray, Any], tuple[np.ndarray, ...]],
    inputs: tuple[np.ndarray, ...],
    dout: np.ndarray,
) -> None:
    """Each gradient of backward has its input's shape and matches a centered difference."""
    _, cache = forward(*inputs)
    grads = backward(dout, cache)
    assert [g.shape for g in grads] == [v.shape for v in inputs]
    for i, (value, grad) in enumerate(zip(inputs, grads, strict=True)):

        def out_of(v: np.ndarray, i: int = i) -> np.ndarray:
            return forward(*inputs[:i], v, *inputs[i + 1 :])[0]

        assert rel_error(grad, numeric_grad(out_of, value, dout)) < TOL, f"gradient {i}"


@contextlib.contextmanager
def no_warnings() -> Iterator[None]:
    """Turn every warning, and numpy overflow / divide-by-zero / invalid, into an error."""
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------------------
# Numerical gradient checks
# --------------------------------------------------------------------------------------

# name -> (forward kwargs, input maker); the maker returns a kink-free x where needed.
ELEMENTWISE: dict[str, list[tuple[dict[str, Any], Callable]]] = {
    "relu": [({}, away_from_zero)],
    "leaky_relu": [
        ({}, away_from_zero),
        ({"negative_slope": 0.2}, away_from_zero),
    ],
    # alpha = 1 is differentiable at 0; alpha != 1 has a kink there.
    "elu": [
        ({}, lambda rng, shape: 1.5 * rng.standard_normal(shape)),
        ({"alpha": 0.3}, away_from_zero),
    ],
    "sigmoid": [({}, lambda rng, shape: 3.0 * rng.standard_normal(shape))],
    "tanh": [({}, lambda rng, shape: 1.5 * rng.standard_normal(shape))],
}

ELEMENTWISE_CASES = [
    pytest.param(
        name,
        kwargs,
        maker,
        shape,
        marks=task(f"layers.{name}_backward"),
        id="-".join([name, *(f"{k}={v}" for k, v in kwargs.items()), "x".join(map(str, shape))]),
    )
    for name, variants in ELEMENTWISE.items()
    for kwargs, maker in variants
    for shape in ELEMENTWISE_SHAPES
]


@pytest.mark.parametrize(("name", "kwargs", "maker", "shape"), ELEMENTWISE_CASES)
def test_elementwise_backward_matches_numerical_gradient(name, kwargs, maker, shape) -> None:
    rng = np.random.default_rng(sum(shape) + len(name))
    forward = getattr(L, f"{name}_forward")
    backward = getattr(L, f"{name}_backward")
    x = maker(rng, shape)
    dout = rng.standard_normal(shape)
    _, cache = forward(x, **kwargs)
    dx = backward(dout, cache)
    dx_num = numeric_grad(lambda x_: forward(x_, **kwargs)[0], x, dout)
    assert dx.shape == x.shape
    assert rel_error(dx, dx_num) < TOL


@task("layers.affine_backward")
@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 2, 3), (4, 1, 1), (3, 2, 2)])
@pytest.mark.parametrize("M", [1, 4])
def test_affine_backward_matches_numerical_gradient(shape, M) -> None:
    rng = np.random.default_rng(10 * sum(shape) + M)
    D = int(np.prod(shape[1:]))
    x = rng.standard_normal(shape)
    w = rng.standard_normal((D, M))
    b = rng.standard_normal(M)
    dout = rng.standard_normal((shape[0], M))
    assert_backward_matches_numerical(L.affine_forward, L.affine_backward, (x, w, b), dout)


@task("layers.prelu_backward")
@pytest.mark.parametrize("shape", MATRIX_SHAPES)
def test_prelu_backward_matches_numerical_gradient(shape) -> None:
    rng = np.random.default_rng(20 + sum(shape))
    x = away_from_zero(rng, shape)  # kink at x == 0 (w.r.t. x and alpha)
    alpha = rng.uniform(0.05, 0.5, size=shape[1])
    dout = rng.standard_normal(shape)
    assert_backward_matches_numerical(L.prelu_forward, L.prelu_backward, (x, alpha), dout)


def maxout_inputs(rng: np.random.Generator, N: int, D: int, M: int, K: int, gap: float = 0.05):
    """x, w, b whose best piece beats the runner-up by at least `gap` at every output.

    The max over pieces has a kink where two pieces tie; keeping a gap far larger
    than the finite-difference step keeps every centered difference on one side.
    When there is room, also require that more than one piece wins somewhere, so
    the routing of the gradient is actually exercised.
    """
    for _ in range(1000):
        x = rng.standard_normal((N, D))
        w = rng.standard_normal((K, D, M))
        b = rng.standard_normal((K, M))
        scores = np.sort(np.matmul(x, w) + b[:, None, :], axis=0)
        if K > 1 and np.min(scores[-1] - scores[-2]) < gap:
            continue
        winners = np.argmax(np.matmul(x, w) + b[:, None, :], axis=0)
        if K > 1 and N * M >= 4 and len(np.unique(winners)) < 2:
            continue
        return x, w, b
    raise AssertionError("could not draw kink-free maxout inputs")


@task("layers.maxout_backward")
@pytest.mark.parametrize(
    ("N", "D", "M", "K"),
    [(1, 1, 1, 1), (1, 1, 3, 2), (4, 1, 2, 3), (1, 5, 1, 3), (3, 4, 5, 2), (5, 3, 2, 4)],
)
def test_maxout_backward_matches_numerical_gradient(N, D, M, K) -> None:
    rng = np.random.default_rng(N + 10 * D + 100 * M + 1000 * K)
    x, w, b = maxout_inputs(rng, N, D, M, K)
    dout = rng.standard_normal((N, M))
    assert_backward_matches_numerical(L.maxout_forward, L.maxout_backward, (x, w, b), dout)


@task("layers.softmax_loss")
@pytest.mark.parametrize("shape", LOSS_SHAPES)
def test_softmax_loss_gradient_matches_numerical_gradient(shape) -> None:
    rng = np.random.default_rng(30 + sum(shape))
    N, C = shape
    # Unit-scale logits: with much larger ones some probabilities get so small that
    # the round-off of the finite difference (~1e-11) is no longer negligible next to them.
    x = rng.standard_normal(shape)
    y = rng.integers(C, size=N)
    _, dx = L.softmax_loss(x, y)
    dx_num = eval_numerical_gradient(lambda v: L.softmax_loss(v, y)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < TOL


@task("layers.svm_loss")
@pytest.mark.parametrize("shape", LOSS_SHAPES)
def test_svm_loss_gradient_matches_numerical_gradient(shape) -> None:
    rng = np.random.default_rng(40 + sum(shape))
    N, C = shape
    y = rng.integers(C, size=N)
    # The hinge has a kink where a margin x[i, j] - x[i, y[i]] + 1 is 0: redraw until
    # every margin of a wrong class is at least KINK_MARGIN away from it.
    for _ in range(1000):
        x = rng.standard_normal(shape)
        margins = x - x[np.arange(N), y][:, None] + 1
        margins[np.arange(N), y] = 1.0
        if np.min(np.abs(margins)) >= KINK_MARGIN:
            break
    else:
        raise AssertionError("could not draw kink-free SVM scores")
    _, dx = L.svm_loss(x, y)
    dx_num = eval_numerical_gradient(lambda v: L.svm_loss(v, y)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < TOL


@task("layers.dropout_backward")
@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES)
@pytest.mark.parametrize("mode", ["train", "test"])
def test_dropout_backward_matches_numerical_gradient(shape, mode) -> None:
    rng = np.random.default_rng(50 + sum(shape))
    x = rng.standard_normal(shape)
    dout = rng.standard_normal(shape)
    # A fixed seed draws the same mask on every call, so the forward pass is a
    # deterministic linear map that finite differences can check.
    param = {"p": 0.6, "mode": mode, "seed": 7}
    _, cache = L.dropout_forward(x, param)
    dx = L.dropout_backward(dout, cache)
    dx_num = numeric_grad(lambda v: L.dropout_forward(v, param)[0], x, dout)
    assert rel_error(dx, dx_num) < TOL


# --------------------------------------------------------------------------------------
# Closed forms (values worked out by hand, independent of the code under test)
# --------------------------------------------------------------------------------------

LECTURE_POINTS = np.array([-10.0, 0.0, 10.0])


@task("layers.sigmoid_forward")
@task("layers.sigmoid_backward")
def test_sigmoid_values_and_gradients_at_lecture_points() -> None:
    out, cache = L.sigmoid_forward(LECTURE_POINTS)
    dx = L.sigmoid_backward(np.ones(3), cache)
    e = math.exp(-10.0)
    np.testing.assert_allclose(out, [e / (1 + e), 0.5, 1 / (1 + e)], rtol=1e-12)
    # sigma'(x) = e^-x / (1 + e^-x)^2, symmetric; sigma'(0) = 1/4 (the lecture's 0.5 at
    # x = 0 is the value of sigma there, not its slope).
    np.testing.assert_allclose(dx, [e / (1 + e) ** 2, 0.25, e / (1 + e) ** 2], rtol=1e-9)
    # Saturated at |x| = 10: the gradient is all but killed.
    assert dx[0] < 1e-4 and dx[2] < 1e-4


@task("layers.relu_forward")
@task("layers.relu_backward")
def test_relu_values_and_gradients_at_lecture_points() -> None:
    out, cache = L.relu_forward(LECTURE_POINTS)
    dx = L.relu_backward(np.ones(3), cache)
    np.testing.assert_array_equal(out, [0.0, 0.0, 10.0])
    # Dead for x < 0, 0 at the kink by convention, slope 1 for x > 0.
    np.testing.assert_array_equal(dx, [0.0, 0.0, 1.0])


@task("layers.tanh_forward")
@task("layers.tanh_backward")
def test_tanh_values_and_gradients_at_lecture_points() -> None:
    out, cache = L.tanh_forward(LECTURE_POINTS)
    dx = L.tanh_backward(np.ones(3), cache)
    t = (math.exp(10) - math.exp(-10)) / (math.exp(10) + math.exp(-10))
    np.testing.assert_allclose(out, [-t, 0.0, t], rtol=1e-14, atol=0)
    sech2 = 4.0 / (math.exp(10) + math.exp(-10)) ** 2
    np.testing.assert_allclose(dx, [sech2, 1.0, sech2], rtol=1e-6)


@task("layers.leaky_relu_forward")
@task("layers.leaky_relu_backward")
@pytest.mark.parametrize("slope", [None, 0.2])
def test_leaky_relu_values_and_gradients(slope) -> None:
    kwargs = {} if slope is None else {"negative_slope": slope}
    s = 0.01 if slope is None else slope  # the documented default
    out, cache = L.leaky_relu_forward(LECTURE_POINTS, **kwargs)
    dx = L.leaky_relu_backward(np.array([2.0, 3.0, 4.0]), cache)
    np.testing.assert_allclose(out, [-10 * s, 0.0, 10.0], rtol=1e-15)
    np.testing.assert_allclose(dx, [2 * s, 3 * s, 4.0], rtol=1e-15)


@task("layers.elu_forward")
@task("layers.elu_backward")
@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_values_and_gradients(alpha) -> None:
    x = np.array([-10.0, -1.0, 0.0, 2.0, 1e3])
    out, cache = L.elu_forward(x, alpha=alpha)
    dx = L.elu_backward(np.ones_like(x), cache)
    e10, e1 = math.exp(-10), math.exp(-1)
    np.testing.assert_allclose(
        out, [alpha * (e10 - 1), alpha * (e1 - 1), 0.0, 2.0, 1e3], rtol=1e-14
    )
    # Left derivative (alpha) at 0; alpha * e^x on the negative side, kept to full
    # relative precision deep in saturation.
    np.testing.assert_allclose(dx, [alpha * e10, alpha * e1, alpha, 1.0, 1.0], rtol=1e-14)


@task("layers.prelu_forward")
@task("layers.prelu_backward")
def test_prelu_hand_computed() -> None:
    x = np.array([[-2.0, 3.0], [4.0, -1.0], [-6.0, -8.0]])
    alpha = np.array([0.5, 0.25])
    out, cache = L.prelu_forward(x, alpha)
    np.testing.assert_allclose(out, [[-1.0, 3.0], [4.0, -0.25], [-3.0, -2.0]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    dx, dalpha = L.prelu_backward(dout, cache)
    np.testing.assert_allclose(dx, [[0.5, 2.0], [3.0, 1.0], [2.5, 1.5]])
    # dalpha[d] = sum over non-positive x[n, d] of dout[n, d] * x[n, d]
    np.testing.assert_allclose(dalpha, [1 * -2 + 5 * -6, 4 * -1 + 6 * -8])


@task("layers.affine_forward")
def test_affine_forward_hand_computed() -> None:
    x = np.arange(8.0).reshape(2, 2, 2)  # rows [0 1 2 3] and [4 5 6 7]
    w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 2.0]])
    b = np.array([0.5, -0.5])
    out, _ = L.affine_forward(x, w, b)
    np.testing.assert_allclose(
        out, [[0 + 2 - 3 + 0.5, 1 + 2 + 6 - 0.5], [4 + 6 - 7 + 0.5, 5 + 6 + 14 - 0.5]]
    )


@task("layers.maxout_forward")
@task("layers.maxout_backward")
def test_maxout_with_identity_and_zero_pieces_is_relu() -> None:
    # max(x @ I, x @ 0) = max(x, 0): the lecture's "maxout generalizes ReLU".
    x = np.array([[-2.0, 3.0, 0.5], [1.0, -1.0, -0.25]])
    w = np.stack([np.eye(3), np.zeros((3, 3))])
    b = np.zeros((2, 3))
    out, cache = L.maxout_forward(x, w, b)
    np.testing.assert_array_equal(out, [[0.0, 3.0, 0.5], [1.0, 0.0, 0.0]])
    dout = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    dx, dw, db = L.maxout_backward(dout, cache)
    np.testing.assert_array_equal(dx, [[0.0, 2.0, 3.0], [4.0, 0.0, 0.0]])
    # Piece 0 wins where x > 0, piece 1 (the zero piece) elsewhere.
    np.testing.assert_array_equal(db, [[4.0, 2.0, 3.0], [1.0, 5.0, 6.0]])
    np.testing.assert_array_equal(dw[0], x.T @ (dout * (x > 0)))
    np.testing.assert_array_equal(dw[1], x.T @ (dout * (x <= 0)))


@task("layers.maxout_forward")
@task("layers.maxout_backward")
def test_maxout_leaky_relu_pieces() -> None:
    # max(x, 0.1 x) is a leaky ReLU with slope 0.1.
    x = np.array([[-2.0, 3.0]])
    w = np.stack([np.eye(2), 0.1 * np.eye(2)])
    out, cache = L.maxout_forward(x, w, np.zeros((2, 2)))
    np.testing.assert_allclose(out, [[-0.2, 3.0]], rtol=1e-15)
    dx, _, _ = L.maxout_backward(np.ones((1, 2)), cache)
    np.testing.assert_allclose(dx, [[0.1, 1.0]], rtol=1e-15)


@task("layers.maxout_backward")
def test_maxout_ties_send_the_gradient_to_the_first_piece() -> None:
    rng = np.random.default_rng(60)
    x = rng.standard_normal((3, 4))
    piece = rng.standard_normal((4, 2))
    w = np.stack([piece, piece, piece])  # three identical pieces: a tie everywhere
    b = np.zeros((3, 2))
    out, cache = L.maxout_forward(x, w, b)
    dout = rng.standard_normal((3, 2))
    dx, dw, db = L.maxout_backward(dout, cache)
    np.testing.assert_allclose(out, x @ piece, rtol=1e-13)
    np.testing.assert_allclose(db[0], dout.sum(axis=0), rtol=1e-13)
    np.testing.assert_array_equal(db[1:], 0.0)
    np.testing.assert_array_equal(dw[1:], 0.0)
    np.testing.assert_allclose(dw[0], x.T @ dout, rtol=1e-13)
    np.testing.assert_allclose(dx, dout @ piece.T, rtol=1e-13)


@task("layers.softmax_loss")
@pytest.mark.parametrize(("N", "C"), [(1, 1), (1, 10), (4, 3), (7, 5)])
def test_softmax_loss_of_zero_logits_is_log_C(N, C) -> None:
    y = np.arange(N) % C
    loss, dx = L.softmax_loss(np.zeros((N, C)), y)
    assert loss == pytest.approx(math.log(C), rel=1e-12, abs=1e-15)
    expected = np.full((N, C), 1.0 / C)
    expected[np.arange(N), y] -= 1.0
    np.testing.assert_allclose(dx, expected / N, rtol=1e-12, atol=1e-17)


@task("layers.softmax_loss")
def test_softmax_loss_hand_computed() -> None:
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, math.log(2.0)]])
    y = np.array([2, 0])
    # Row 0: -log(e^3 / (e + e^2 + e^3)) = log(1 + e^-1 + e^-2); row 1: -log(1/4) = log 4.
    expected = (math.log(1 + math.exp(-1) + math.exp(-2)) + math.log(4.0)) / 2
    loss, dx = L.softmax_loss(x, y)
    assert loss == pytest.approx(expected, rel=1e-13)
    z = math.exp(1) + math.exp(2) + math.exp(3)
    row0 = [math.exp(1) / z, math.exp(2) / z, math.exp(3) / z - 1]
    row1 = [0.25 - 1, 0.25, 0.5]
    np.testing.assert_allclose(dx, np.array([row0, row1]) / 2, rtol=1e-13)


@task("layers.svm_loss")
@pytest.mark.parametrize(("N", "C"), [(1, 1), (1, 10), (4, 3), (7, 5)])
def test_svm_loss_of_zero_logits_is_C_minus_1(N, C) -> None:
    y = np.arange(N) % C
    loss, dx = L.svm_loss(np.zeros((N, C)), y)
    # Every wrong class violates the margin by exactly 1.
    assert loss == pytest.approx(C - 1, rel=1e-15)
    expected = np.full((N, C), 1.0)
    expected[np.arange(N), y] = -(C - 1)
    np.testing.assert_allclose(dx, expected / N, rtol=1e-15)


@task("layers.svm_loss")
def test_svm_loss_hand_computed() -> None:
    x = np.array([[3.0, 1.0, 2.5], [0.0, 4.0, 1.0]])
    y = np.array([0, 2])
    # Row 0: max(0, 1-3+1) + max(0, 2.5-3+1) = 0 + 0.5.
    # Row 1: max(0, 0-1+1) + max(0, 4-1+1) = 0 + 4 (a margin of exactly 0 gets no gradient).
    loss, dx = L.svm_loss(x, y)
    assert loss == pytest.approx(4.5 / 2, rel=1e-15)
    np.testing.assert_array_equal(dx, np.array([[-1.0, 0.0, 1.0], [0.0, 1.0, -1.0]]) / 2)


@task("layers.dropout_forward")
def test_dropout_test_mode_is_the_identity() -> None:
    rng = np.random.default_rng(70)
    x = rng.standard_normal((5, 6))
    out, cache = L.dropout_forward(x, {"p": 0.3, "mode": "test"})
    np.testing.assert_array_equal(out, x)
    dout = rng.standard_normal((5, 6))
    np.testing.assert_array_equal(L.dropout_backward(dout, cache), dout)


@task("layers.dropout_forward")
def test_dropout_keeps_everything_when_p_is_1() -> None:
    x = np.random.default_rng(71).standard_normal((4, 5))
    out, _ = L.dropout_forward(x, {"p": 1.0, "mode": "train"})
    np.testing.assert_array_equal(out, x)


@task("layers.dropout_forward")
def test_dropout_train_outputs_are_zero_or_scaled_and_seed_reproduces() -> None:
    x = np.random.default_rng(72).uniform(1.0, 2.0, size=(50, 40))
    p = 0.25
    out1, _ = L.dropout_forward(x, {"p": p, "mode": "train", "seed": 3})
    out2, _ = L.dropout_forward(x, {"p": p, "mode": "train", "seed": 3})
    out3, _ = L.dropout_forward(x, {"p": p, "mode": "train", "seed": 4})
    np.testing.assert_array_equal(out1, out2)
    assert not np.array_equal(out1, out3)
    kept = out1 != 0
    np.testing.assert_allclose(out1[kept], x[kept] / p, rtol=1e-15)
    # 2000 units kept with probability 1/4: the kept fraction is 0.25 +- 0.01 (1 sd).
    assert abs(kept.mean() - p) < 0.05


@task("layers.dropout_forward")
@pytest.mark.parametrize(
    "param",
    [
        {"p": 0.5, "mode": "eval"},
        {"p": 0.5, "mode": "Train"},
        {"p": 0.5, "mode": None},
        {"p": 0.0, "mode": "train"},
        {"p": 1.5, "mode": "train"},
    ],
)
def test_dropout_rejects_bad_params(param) -> None:
    with pytest.raises(ValueError):
        L.dropout_forward(np.ones((2, 2)), param)


# --------------------------------------------------------------------------------------
# Numerical stability: no overflow, no log(0), no warnings
# --------------------------------------------------------------------------------------


@task("layers.softmax_loss")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_loss_is_stable_for_huge_logits(dtype) -> None:
    rng = np.random.default_rng(80)
    x = (1e4 * rng.standard_normal((20, 10))).astype(dtype)
    y = rng.integers(10, size=20)
    with no_warnings():
        loss, dx = L.softmax_loss(x, y)
    assert math.isfinite(loss) and loss >= 0
    assert np.all(np.isfinite(dx))
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-6)


@task("layers.softmax_loss")
def test_softmax_loss_huge_logits_hand_computed() -> None:
    x = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]])
    y = np.array([0, 1])
    with no_warnings():
        loss, dx = L.softmax_loss(x, y)
    # Row 0 is certain and right (loss 0); row 1 is certain and wrong (loss 2e4).
    assert loss == pytest.approx(1e4, rel=1e-15)
    np.testing.assert_array_equal(dx, np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.0]]) / 2)


@task("layers.svm_loss")
def test_svm_loss_is_stable_for_huge_scores() -> None:
    rng = np.random.default_rng(81)
    x = 1e4 * rng.standard_normal((20, 10))
    with no_warnings():
        loss, dx = L.svm_loss(x, rng.integers(10, size=20))
    assert math.isfinite(loss) and np.all(np.isfinite(dx))


@task("layers.sigmoid_forward")
@task("layers.sigmoid_backward")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_is_stable_for_large_inputs(dtype) -> None:
    x = np.array([-1e4, -1e3, -50.0, 50.0, 1e3, 1e4], dtype=dtype)
    with no_warnings():
        out, cache = L.sigmoid_forward(x)
        dx = L.sigmoid_backward(np.ones_like(x), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    np.testing.assert_array_equal(out[[1, 4]], [0.0, 1.0])
    np.testing.assert_array_equal(dx[[0, 1, 4, 5]], 0.0)
    if dtype == np.float64:
        # No cancellation on the negative side: sigma(-50) = e^-50 / (1 + e^-50).
        assert out[2] == pytest.approx(math.exp(-50) / (1 + math.exp(-50)), rel=1e-14)


@task("layers.elu_forward")
@task("layers.elu_backward")
@task("layers.tanh_forward")
@task("layers.tanh_backward")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elu_and_tanh_are_stable_for_large_inputs(dtype) -> None:
    x = np.array([-1e4, -1e3, 1e3, 1e4], dtype=dtype)
    with no_warnings():
        for name in ("elu", "tanh"):
            out, cache = getattr(L, f"{name}_forward")(x)
            dx = getattr(L, f"{name}_backward")(np.ones_like(x), cache)
            assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx)), name


# --------------------------------------------------------------------------------------
# Inputs are never modified; float32 stays float32
# --------------------------------------------------------------------------------------


def _inputs(name: str, rng: np.random.Generator, dtype) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments of name_forward, arrays of the given dtype."""

    def a(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(dtype)

    if name == "affine":
        return [a(3, 2, 2), a(4, 5), a(5)], {}
    if name == "prelu":
        return [a(4, 5), rng.uniform(0.1, 0.3, 5).astype(dtype)], {}
    if name == "maxout":
        return [a(4, 3), a(2, 3, 5), a(2, 5)], {}
    if name == "dropout":
        return [a(4, 5), {"p": 0.6, "mode": "train", "seed": 1}], {}
    if name == "leaky_relu":
        return [a(4, 5)], {"negative_slope": 0.1}
    if name == "elu":
        return [a(4, 5)], {"alpha": 0.7}
    return [a(4, 5)], {}


PAIRS = ["affine", "relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "maxout", "dropout"]
PAIR_CASES = [
    pytest.param(n, marks=[task(f"layers.{n}_forward"), task(f"layers.{n}_backward")], id=n)
    for n in PAIRS
]
LOSS_CASES = [
    pytest.param(n, marks=task(f"layers.{n}"), id=n) for n in ("softmax_loss", "svm_loss")
]


def _run_pair(name: str, args: list[Any], kwargs: dict[str, Any], dout_seed: int):
    """Forward, then backward with a random upstream gradient: (out, dout, grads tuple)."""
    out, cache = getattr(L, f"{name}_forward")(*args, **kwargs)
    dout = np.random.default_rng(dout_seed).standard_normal(out.shape).astype(out.dtype)
    grads = getattr(L, f"{name}_backward")(dout, cache)
    return out, dout, grads if isinstance(grads, tuple) else (grads,)


def _snapshot(value: Any) -> Any:
    return value.copy() if isinstance(value, (np.ndarray, dict)) else value


@pytest.mark.parametrize("name", PAIR_CASES)
def test_forward_and_backward_do_not_modify_their_inputs(name) -> None:
    args, kwargs = _inputs(name, np.random.default_rng(90), np.float64)
    before = [_snapshot(v) for v in args]
    out, cache = getattr(L, f"{name}_forward")(*args, **kwargs)
    dout = np.random.default_rng(91).standard_normal(out.shape)
    dout_before = dout.copy()
    getattr(L, f"{name}_backward")(dout, cache)
    np.testing.assert_array_equal(dout, dout_before)
    for b, v in zip(before, args):
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(v, b, strict=True)
        else:
            assert v == b


@pytest.mark.parametrize("name", LOSS_CASES)
def test_losses_do_not_modify_their_inputs(name) -> None:
    rng = np.random.default_rng(92)
    x, y = rng.standard_normal((6, 4)), rng.integers(4, size=6)
    x0, y0 = x.copy(), y.copy()
    getattr(L, name)(x, y)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("name", PAIR_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_backward_preserve_dtype(name, dtype) -> None:
    args, kwargs = _inputs(name, np.random.default_rng(93), dtype)
    out, _, grads = _run_pair(name, args, kwargs, 94)
    assert out.dtype == dtype
    assert [g.dtype for g in grads] == [dtype] * len(grads)


@pytest.mark.parametrize("name", LOSS_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_preserve_dtype(name, dtype) -> None:
    rng = np.random.default_rng(95)
    loss, dx = getattr(L, name)(rng.standard_normal((6, 4)).astype(dtype), rng.integers(4, size=6))
    assert isinstance(loss, float)
    assert dx.dtype == dtype


# --------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------

FLOAT_DTYPES = st.sampled_from([np.float32, np.float64])


@st.composite
def float_arrays(draw, max_dims: int = 3, bound: float = 1e4) -> np.ndarray:
    dtype = draw(FLOAT_DTYPES)
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=max_dims, max_side=6))
    elements = st.floats(-bound, bound, allow_nan=False, width=32)
    return draw(hnp.arrays(dtype, shape, elements=elements))


ACTIVATION_RANGES = {
    "relu": (0.0, np.inf),
    "leaky_relu": (-np.inf, np.inf),
    "elu": (-1.0, np.inf),
    "sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=[task(f"layers.{n}_forward"), task(f"layers.{n}_backward")], id=n)
        for n in ACTIVATION_RANGES
    ],
)
@settings(max_examples=25, deadline=None)
@given(x=float_arrays())
def test_activation_shape_dtype_and_range(name, x) -> None:
    x0 = x.copy()
    with no_warnings():
        out, cache = getattr(L, f"{name}_forward")(x)
        dx = getattr(L, f"{name}_backward")(np.ones_like(x), cache)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert dx.shape == x.shape and dx.dtype == x.dtype
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    lo, hi = ACTIVATION_RANGES[name]
    assert np.all(out >= lo) and np.all(out <= hi)
    # Every activation here is non-decreasing, so its local slope is never negative.
    assert np.all(dx >= 0)
    np.testing.assert_array_equal(x, x0)


@task("layers.maxout_forward")
@task("layers.maxout_backward")
@settings(max_examples=30, deadline=None)
@given(
    dims=st.tuples(*[st.integers(1, 5)] * 4),
    dtype=FLOAT_DTYPES,
    seed=st.integers(0, 2**32 - 1),
)
def test_maxout_shapes_and_bounds(dims, dtype, seed) -> None:
    N, D, M, K = dims
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D)).astype(dtype)
    w = rng.standard_normal((K, D, M)).astype(dtype)
    b = rng.standard_normal((K, M)).astype(dtype)
    out, cache = L.maxout_forward(x, w, b)
    assert out.shape == (N, M) and out.dtype == dtype
    # The maximum is at least every piece and equal to one of them.
    pieces = np.stack([x @ w[k] + b[k] for k in range(K)])
    assert np.all(out >= pieces - 1e-4 * (1 + np.abs(pieces)))
    dout = rng.standard_normal((N, M)).astype(dtype)
    dx, dw, db = L.maxout_backward(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == ((N, D), (K, D, M), (K, M))
    # Each output routes its gradient to exactly one piece: the biases' gradients sum
    # over pieces to dout summed over the batch.
    np.testing.assert_allclose(db.sum(axis=0), dout.sum(axis=0), rtol=1e-4, atol=1e-4)


@st.composite
def loss_inputs(draw):
    N = draw(st.integers(1, 8))
    C = draw(st.integers(1, 8))
    dtype = draw(FLOAT_DTYPES)
    x = draw(hnp.arrays(dtype, (N, C), elements=st.floats(-1e4, 1e4, width=32)))
    y = draw(hnp.arrays(np.int64, N, elements=st.integers(0, C - 1)))
    return x, y


def checked_loss_gradient(
    loss_fn: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]],
    inputs: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, dx) for loss_fn on inputs, run without warnings; checks the loss and dx's type."""
    x, y = inputs
    with no_warnings():
        loss, dx = loss_fn(x, y)
    assert math.isfinite(loss) and loss >= 0
    assert dx.shape == x.shape and dx.dtype == x.dtype
    return x, y, dx


@task("layers.softmax_loss")
@settings(max_examples=40, deadline=None)
@given(inputs=loss_inputs())
def test_softmax_loss_properties(inputs) -> None:
    x, y, dx = checked_loss_gradient(L.softmax_loss, inputs)
    N = x.shape[0]
    # Each row of dx is (probabilities - one-hot) / N: sums to 0, entries in [-1/N, 1/N].
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-5)
    assert np.all(np.abs(dx) <= 1.0 / N * (1 + 1e-5))


@task("layers.svm_loss")
@settings(max_examples=40, deadline=None)
@given(inputs=loss_inputs())
def test_svm_loss_properties(inputs) -> None:
    x, y, dx = checked_loss_gradient(L.svm_loss, inputs)
    N, C = x.shape
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-6)
    # The correct class gets -(number of violated margins) / N, each violator +1/N.
    assert np.all(dx[np.arange(N), y] <= 0) and np.all(dx[np.arange(N), y] >= -(C - 1) / N)


@task("layers.dropout_forward")
@settings(max_examples=30, deadline=None)
@given(p=st.floats(0.05, 1.0), seed=st.integers(0, 2**32 - 1), dtype=FLOAT_DTYPES)
def test_dropout_keeps_the_expected_value(p, seed, dtype) -> None:
    x = np.random.default_rng(seed ^ 0x5EED).uniform(0.5, 1.5, size=(400, 250)).astype(dtype)
    out, _ = L.dropout_forward(x, {"p": p, "mode": "train", "seed": seed})
    assert out.shape == x.shape and out.dtype == x.dtype
    # E[out] = x for every unit, so E[sum(out)] = sum(x); the sum's standard deviation
    # is sqrt(sum(x^2) (1 - p) / p). Allow 6 standard deviations.
    x64, out64 = x.astype(np.float64), out.astype(np.float64)
    sd = math.sqrt(float(np.sum(x64**2)) * (1 - p) / p)
    assert abs(out64.sum() - x64.sum()) <= 6 * sd
    # Units are either dropped or scaled by exactly 1/p.
    kept = out != 0
    np.testing.assert_allclose(out64[kept], x64[kept] / p, rtol=1e-6)


@task("layers.dropout_forward")
@task("layers.dropout_backward")
@settings(max_examples=25, deadline=None)
@given(x=float_arrays(), p=st.floats(0.05, 1.0))
def test_dropout_test_mode_property(x, p) -> None:
    out, cache = L.dropout_forward(x, {"p": p, "mode": "test"})
    np.testing.assert_array_equal(out, x)
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(L.dropout_backward(np.ones_like(x), cache), np.ones_like(x))
