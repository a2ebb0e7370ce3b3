"""Tests of the reference batch and layer normalisation.

Forward passes are compared with statistics computed independently (np.var,
explicit sums); backward passes with centered differences in float64 (h = 1e-5)
from cs231n_core.gradient_check, and the two batchnorm backward passes with
each other.

Degenerate sizes: batchnorm needs N >= 2 and layernorm D >= 2. With N = 1
(batchnorm) or D = 1 (layernorm) every centred value is 0, so the output is beta
whatever x is and dx is exactly 0; tests check exactly that. With N = 2 (D = 2
for layernorm) and the default eps the normalised values are +-1 up to a term
of order eps / var, so dx is of order 1e-5 and the centered difference cannot
resolve it to 1e-7: those gradient checks use eps = 0.5, which keeps the
gradient of order 1 (the same code path).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.reference.normalization import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)
from cs231n_core.gradient_check import eval_numerical_gradient_array, rel_error

task = pytest.mark.task
TOL = 1e-7
EPS = 1e-5

BN_FORWARD = "normalization.batchnorm_forward"
BN_GRAPH = "normalization.batchnorm_backward"
BN_ALT = "normalization.batchnorm_backward_alt"
LN_FORWARD = "normalization.layernorm_forward"
LN_BACKWARD = "normalization.layernorm_backward"

BACKWARDS = [
    pytest.param(batchnorm_backward, id="graph", marks=task(BN_GRAPH)),
    pytest.param(batchnorm_backward_alt, id="closed_form", marks=task(BN_ALT)),
]

# (N, D, eps): N >= 2 for batchnorm; N = 2 needs a large eps (see the module docstring).
BN_SHAPES = [(2, 1, 0.5), (2, 4, 0.5), (3, 1, EPS), (4, 3, EPS), (7, 5, EPS), (10, 1, EPS)]
# (N, D, eps): any N, D >= 2 for layernorm; D = 2 needs a large eps.
LN_SHAPES = [(1, 2, 0.5), (1, 5, EPS), (4, 2, 0.5), (3, 4, EPS), (6, 9, EPS), (2, 7, EPS)]


def make_inputs(seed: int, N: int, D: int, dtype: Any = np.float64):
    """x with non-zero mean and non-unit spread, gamma, beta and dout, all seeded."""
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=rng.uniform(-3, 3, size=D), scale=rng.uniform(0.5, 4, size=D), size=(N, D))
    gamma = rng.uniform(0.5, 2.0, size=D) * rng.choice([-1.0, 1.0], size=D)
    beta = rng.normal(size=D)
    dout = rng.normal(size=(N, D))
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dout))


def numeric_grads(fwd, x, gamma, beta, dout):
    """Centered-difference gradients of sum(fwd(x, gamma, beta) * dout) in x, gamma, beta."""
    return (
        eval_numerical_gradient_array(lambda v: fwd(v, gamma, beta), x.copy(), dout),
        eval_numerical_gradient_array(lambda v: fwd(x, v, beta), gamma.copy(), dout),
        eval_numerical_gradient_array(lambda v: fwd(x, gamma, v), beta.copy(), dout),
    )


def bn_expected(x, gamma, beta, mean, var, eps=EPS):
    """Batchnorm output written out independently of the code under test."""
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


# ---------------------------------------------------------------------------
# batchnorm_forward
# ---------------------------------------------------------------------------


@task(BN_FORWARD)
@pytest.mark.parametrize("N,D", [(2, 1), (2, 3), (5, 4), (16, 1), (50, 20)])
def test_batchnorm_train_forward_matches_closed_form(N: int, D: int) -> None:
    x, gamma, beta, _ = make_inputs(1, N, D)
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    # Biased batch variance (ddof = 0), per feature.
    expected = bn_expected(x, gamma, beta, x.sum(axis=0) / N, np.var(x, axis=0, ddof=0))
    assert out.shape == (N, D)
    assert rel_error(out, expected) < 1e-12


@task(BN_FORWARD)
def test_batchnorm_train_forward_hand_computed() -> None:
    # Feature 0: values 1, 3 -> mean 2, var 1; feature 1: 0, 0 -> mean 0, var 0.
    x = np.array([[1.0, 0.0], [3.0, 0.0]])
    out, _ = batchnorm_forward(x, np.array([2.0, 1.0]), np.array([0.5, -1.0]), {"mode": "train"})
    s = 1.0 / np.sqrt(1.0 + EPS)
    expected = np.array([[2.0 * -s + 0.5, -1.0], [2.0 * s + 0.5, -1.0]])
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=1e-14)


@task(BN_FORWARD)
def test_batchnorm_running_statistics_closed_form() -> None:
    D, momentum, eps = 4, 0.7, 1e-3
    rng = np.random.default_rng(2)
    batches = [rng.normal(loc=3.0, scale=2.0, size=(n, D)) for n in (5, 8, 3)]
    bn_param: dict[str, Any] = {"mode": "train", "momentum": momentum, "eps": eps}
    for xb in batches:
        out, _ = batchnorm_forward(xb, np.ones(D), np.zeros(D), bn_param)
        # Train mode normalises with the batch statistics, not the running ones.
        expected = bn_expected(xb, 1.0, 0.0, xb.mean(axis=0), xb.var(axis=0), eps)
        assert rel_error(out, expected) < 1e-12
    # Unrolled: running = sum_t (1 - m) m^(T-1-t) stat_t, starting from zeros.
    T = len(batches)
    weights = [(1 - momentum) * momentum ** (T - 1 - t) for t in range(T)]
    exp_mean = sum(w * xb.mean(axis=0) for w, xb in zip(weights, batches))
    exp_var = sum(w * xb.var(axis=0) for w, xb in zip(weights, batches))
    assert bn_param["running_mean"].shape == (D,)
    np.testing.assert_allclose(bn_param["running_mean"], exp_mean, rtol=1e-13)
    np.testing.assert_allclose(bn_param["running_var"], exp_var, rtol=1e-13)


@task(BN_FORWARD)
def test_batchnorm_defaults_zero_running_stats_and_momentum_0_9() -> None:
    x, gamma, beta, _ = make_inputs(3, 6, 3)
    bn_param: dict[str, Any] = {"mode": "train"}
    batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(axis=0), rtol=1e-13)
    # Only the running statistics are added; the caller's other keys stay as they were.
    assert set(bn_param) == {"mode", "running_mean", "running_var"}
    assert bn_param["mode"] == "train"


@task(BN_FORWARD)
def test_batchnorm_running_stats_are_new_arrays() -> None:
    x, gamma, beta, _ = make_inputs(4, 5, 3)
    rm, rv = np.full(3, 0.5), np.full(3, 2.0)
    bn_param = {"mode": "train", "running_mean": rm, "running_var": rv}
    batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_array_equal(rm, np.full(3, 0.5))
    np.testing.assert_array_equal(rv, np.full(3, 2.0))
    np.testing.assert_allclose(bn_param["running_mean"], 0.9 * rm + 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn_param["running_var"], 0.9 * rv + 0.1 * x.var(axis=0))


@task(BN_FORWARD)
def test_batchnorm_test_mode_uses_running_stats() -> None:
    x, gamma, beta, _ = make_inputs(5, 6, 4)
    rng = np.random.default_rng(5)
    rm, rv = rng.normal(size=4), rng.uniform(0.5, 3.0, size=4)
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy(), "eps": 1e-3}
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    assert rel_error(out, bn_expected(x, gamma, beta, rm, rv, 1e-3)) < 1e-12
    # Not normalised with the batch statistics, and nothing updated.
    assert rel_error(out, bn_expected(x, gamma, beta, x.mean(0), x.var(0), 1e-3)) > 1e-3
    np.testing.assert_array_equal(bn_param["running_mean"], rm)
    np.testing.assert_array_equal(bn_param["running_var"], rv)


@task(BN_FORWARD)
def test_batchnorm_test_mode_single_sample_matches_train_running_average() -> None:
    # After many identical batches the running statistics converge to the batch
    # statistics, so test mode reproduces train mode on that batch, one row at a time.
    x, gamma, beta, _ = make_inputs(6, 8, 3)
    bn_param: dict[str, Any] = {"mode": "train", "momentum": 0.5}
    for _ in range(80):
        train_out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    for i in range(x.shape[0]):
        row_out, _ = batchnorm_forward(x[i : i + 1], gamma, beta, bn_param)
        assert rel_error(row_out, train_out[i : i + 1]) < 1e-10


@task(BN_FORWARD)
@pytest.mark.parametrize("mode", [None, "eval", "Train", "", 1])
def test_batchnorm_rejects_unknown_or_missing_mode(mode: Any) -> None:
    x, gamma, beta, _ = make_inputs(7, 4, 2)
    bn_param = {} if mode is None else {"mode": mode}
    with pytest.raises(ValueError, match="mode"):
        batchnorm_forward(x, gamma, beta, bn_param)


@task(BN_FORWARD)
def test_gamma_and_beta_can_undo_batchnorm() -> None:
    # The lecture's point: gamma = sqrt(Var[x] (+ eps)) and beta = E[x] recover the identity.
    x, _, _, _ = make_inputs(8, 9, 5)
    gamma = np.sqrt(x.var(axis=0) + EPS)
    beta = x.mean(axis=0)
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out, x, rtol=1e-12, atol=1e-12)


@task(BN_FORWARD)
def test_batchnorm_single_sample_is_degenerate() -> None:
    # N = 1: the batch variance is 0 and every centred value is 0, so out = beta.
    x, gamma, beta, dout = make_inputs(9, 1, 4)
    out, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_array_equal(out, beta[None, :])
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        dx, dgamma, dbeta = backward(dout, cache)
        np.testing.assert_allclose(dx, 0.0, atol=1e-12)
        np.testing.assert_allclose(dgamma, 0.0, atol=1e-12)
        np.testing.assert_allclose(dbeta, dout[0])


# ---------------------------------------------------------------------------
# batchnorm backward passes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("backward", BACKWARDS)
@pytest.mark.parametrize("N,D,eps", BN_SHAPES)
def test_batchnorm_backward_train_numerical(backward, N: int, D: int, eps: float) -> None:
    x, gamma, beta, dout = make_inputs(10 + N * D, N, D)

    def fwd(x_, gamma_, beta_):
        return batchnorm_forward(x_, gamma_, beta_, {"mode": "train", "eps": eps})[0]

    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})
    grads = backward(dout, cache)
    assert [g.shape for g in grads] == [(N, D), (D,), (D,)]
    for analytic, numeric in zip(grads, numeric_grads(fwd, x, gamma, beta, dout)):
        assert rel_error(analytic, numeric) < TOL


@pytest.mark.parametrize("backward", BACKWARDS)
@pytest.mark.parametrize("N,D", [(1, 3), (4, 1), (5, 4)])
def test_batchnorm_backward_test_mode_numerical(backward, N: int, D: int) -> None:
    # In test mode the layer is an affine map of x; backward must work on its cache.
    x, gamma, beta, dout = make_inputs(30 + N * D, N, D)
    rng = np.random.default_rng(31)
    stats = {"running_mean": rng.normal(size=D), "running_var": rng.uniform(0.5, 2.0, size=D)}

    def fwd(x_, gamma_, beta_):
        return batchnorm_forward(x_, gamma_, beta_, {"mode": "test", **stats})[0]

    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "test", **stats})
    grads = backward(dout, cache)
    by_hand = dout * gamma / np.sqrt(stats["running_var"] + EPS)
    np.testing.assert_allclose(grads[0], by_hand, rtol=1e-12)
    for analytic, numeric in zip(grads, numeric_grads(fwd, x, gamma, beta, dout)):
        assert rel_error(analytic, numeric) < TOL


@task(BN_ALT)
@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("N,D", [(2, 1), (3, 7), (64, 100), (1024, 8)])
def test_batchnorm_graph_and_closed_form_agree(mode: str, N: int, D: int) -> None:
    x, gamma, beta, dout = make_inputs(40 + N + D, N, D)
    bn_param = {"mode": mode, "running_mean": np.full(D, 0.3), "running_var": np.full(D, 1.7)}
    _, cache = batchnorm_forward(x, gamma, beta, bn_param)
    for a, b in zip(batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)):
        assert rel_error(a, b) < 1e-10


@task(BN_ALT)
def test_batchnorm_closed_form_against_independent_formula() -> None:
    # dx = gamma / (N * sigma) * (N * dout - sum(dout) - xhat * sum(dout * xhat)).
    N, D = 12, 5
    x, gamma, beta, dout = make_inputs(41, N, D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    sigma = np.sqrt(x.var(axis=0) + EPS)
    xhat = (x - x.mean(axis=0)) / sigma
    expected = gamma / (N * sigma) * (N * dout - dout.sum(0) - xhat * (dout * xhat).sum(0))
    dx, dgamma, dbeta = batchnorm_backward_alt(dout, cache)
    assert rel_error(dx, expected) < 1e-12
    assert rel_error(dgamma, (dout * xhat).sum(0)) < 1e-12
    assert rel_error(dbeta, dout.sum(0)) < 1e-12


@pytest.mark.parametrize("backward", BACKWARDS)
def test_batchnorm_does_not_mutate_inputs(backward) -> None:
    x, gamma, beta, dout = make_inputs(50, 6, 4)
    rm, rv = np.full(4, 0.2), np.full(4, 1.5)
    originals = [a.copy() for a in (x, gamma, beta, dout, rm, rv)]
    for mode in ("train", "test"):
        bn_param = {"mode": mode, "running_mean": rm, "running_var": rv}
        _, cache = batchnorm_forward(x, gamma, beta, bn_param)
        cache_before = copy.deepcopy(cache)
        backward(dout, cache)
        backward(dout, cache)  # the cache is reusable: backward left it intact
        for key, value in cache_before.items():
            np.testing.assert_array_equal(cache[key], value)
    for now, before in zip((x, gamma, beta, dout, rm, rv), originals):
        np.testing.assert_array_equal(now, before)


@pytest.mark.parametrize("backward", BACKWARDS)
@pytest.mark.parametrize("mode", ["train", "test"])
def test_batchnorm_float32_stays_float32(backward, mode: str) -> None:
    x, gamma, beta, dout = make_inputs(60, 8, 5, np.float32)
    bn_param: dict[str, Any] = {"mode": mode}
    if mode == "test":
        bn_param.update(running_mean=np.zeros(5, np.float32), running_var=np.ones(5, np.float32))
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    assert out.dtype == np.float32
    assert bn_param["running_mean"].dtype == np.float32
    assert bn_param["running_var"].dtype == np.float32
    grads = backward(dout, cache)
    assert [g.dtype for g in grads] == [np.float32] * 3
    # float32 results agree with the float64 computation to float32 precision.
    x64, g64, b64, d64 = (a.astype(np.float64) for a in (x, gamma, beta, dout))
    p64 = {k: v.astype(np.float64) if isinstance(v, np.ndarray) else v for k, v in bn_param.items()}
    if mode == "train":
        p64 = {"mode": "train"}
    out64, cache64 = batchnorm_forward(x64, g64, b64, p64)
    assert rel_error(out, out64) < 1e-4
    for g32, g64_ in zip(grads, backward(d64, cache64)):
        assert np.allclose(g32, g64_, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------
# layernorm
# ---------------------------------------------------------------------------


@task(LN_FORWARD)
@pytest.mark.parametrize("N,D", [(1, 2), (1, 6), (5, 3), (20, 30)])
def test_layernorm_forward_matches_closed_form(N: int, D: int) -> None:
    x, gamma, beta, _ = make_inputs(70 + N * D, N, D)
    ln_param = {"eps": 1e-3}
    out, _ = layernorm_forward(x, gamma, beta, ln_param)
    mean = x.sum(axis=1, keepdims=True) / D
    var = np.var(x, axis=1, keepdims=True)
    expected = gamma * (x - mean) / np.sqrt(var + 1e-3) + beta
    assert out.shape == (N, D)
    assert rel_error(out, expected) < 1e-12
    assert ln_param == {"eps": 1e-3}


@task(LN_FORWARD)
def test_layernorm_default_eps_and_ignores_mode() -> None:
    x, gamma, beta, _ = make_inputs(71, 4, 6)
    out_default, _ = layernorm_forward(x, gamma, beta, {})
    out_test, _ = layernorm_forward(x, gamma, beta, {"mode": "test", "eps": EPS})
    xhat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    expected = gamma * xhat + beta
    assert rel_error(out_default, expected) < 1e-12
    np.testing.assert_array_equal(out_default, out_test)


@task(LN_FORWARD)
def test_layernorm_is_per_sample_not_per_batch() -> None:
    # Each row is normalised alone: a row's output does not depend on the other rows.
    x, gamma, beta, _ = make_inputs(72, 6, 5)
    out, _ = layernorm_forward(x, gamma, beta, {})
    for i in range(6):
        row, _ = layernorm_forward(x[i : i + 1], gamma, beta, {})
        np.testing.assert_allclose(row[0], out[i], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("N,D", [(1, 1), (5, 1)])
@task(LN_BACKWARD)
def test_layernorm_single_feature_is_degenerate(N: int, D: int) -> None:
    x, gamma, beta, dout = make_inputs(73, N, D)
    out, cache = layernorm_forward(x, gamma, beta, {})
    np.testing.assert_array_equal(out, np.broadcast_to(beta, (N, D)))
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    np.testing.assert_allclose(dx, 0.0, atol=1e-12)
    np.testing.assert_allclose(dgamma, 0.0, atol=1e-12)
    np.testing.assert_allclose(dbeta, dout.sum(axis=0))


@task(LN_BACKWARD)
@pytest.mark.parametrize("N,D,eps", LN_SHAPES)
def test_layernorm_backward_numerical(N: int, D: int, eps: float) -> None:
    x, gamma, beta, dout = make_inputs(80 + N * D, N, D)

    def fwd(x_, gamma_, beta_):
        return layernorm_forward(x_, gamma_, beta_, {"eps": eps})[0]

    _, cache = layernorm_forward(x, gamma, beta, {"eps": eps})
    grads = layernorm_backward(dout, cache)
    assert [g.shape for g in grads] == [(N, D), (D,), (D,)]
    for analytic, numeric in zip(grads, numeric_grads(fwd, x, gamma, beta, dout)):
        assert rel_error(analytic, numeric) < TOL


@task(LN_BACKWARD)
def test_layernorm_equals_batchnorm_on_the_transpose() -> None:
    # With gamma = 1 and beta = 0, layernorm of x is batchnorm of x.T, transposed.
    N, D = 4, 7
    x, _, _, dout = make_inputs(90, N, D)
    ln_out, ln_cache = layernorm_forward(x, np.ones(D), np.zeros(D), {})
    bn_out, bn_cache = batchnorm_forward(x.T, np.ones(N), np.zeros(N), {"mode": "train"})
    np.testing.assert_allclose(ln_out, bn_out.T, rtol=1e-13, atol=1e-13)
    dx_ln = layernorm_backward(dout, ln_cache)[0]
    dx_bn = batchnorm_backward(dout.T, bn_cache)[0]
    assert rel_error(dx_ln, dx_bn.T) < 1e-10


@task(LN_BACKWARD)
def test_layernorm_does_not_mutate_inputs() -> None:
    x, gamma, beta, dout = make_inputs(91, 5, 6)
    originals = [a.copy() for a in (x, gamma, beta, dout)]
    ln_param = {"eps": 1e-4}
    _, cache = layernorm_forward(x, gamma, beta, ln_param)
    first = layernorm_backward(dout, cache)
    second = layernorm_backward(dout, cache)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    for now, before in zip((x, gamma, beta, dout), originals):
        np.testing.assert_array_equal(now, before)
    assert ln_param == {"eps": 1e-4}


@task(LN_BACKWARD)
def test_layernorm_float32_stays_float32() -> None:
    x, gamma, beta, dout = make_inputs(92, 6, 8, np.float32)
    out, cache = layernorm_forward(x, gamma, beta, {})
    assert out.dtype == np.float32
    grads = layernorm_backward(dout, cache)
    assert [g.dtype for g in grads] == [np.float32] * 3
    x64, g64, b64, d64 = (a.astype(np.float64) for a in (x, gamma, beta, dout))
    out64, cache64 = layernorm_forward(x64, g64, b64, {})
    assert rel_error(out, out64) < 1e-4
    for g32, g64_ in zip(grads, layernorm_backward(d64, cache64)):
        assert np.allclose(g32, g64_, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------
# Properties (hypothesis)
# ---------------------------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def matrices(min_rows: int, min_cols: int):
    shape = st.tuples(st.integers(min_rows, 12), st.integers(min_cols, 8))
    return hnp.arrays(np.float64, shape, elements=finite)


def expected_variance(v: np.ndarray, eps: float) -> np.ndarray:
    # xhat = (x - mean) / sqrt(v + eps) has variance v / (v + eps): 1 up to eps / v.
    return v / (v + eps)


@task(BN_FORWARD)
@settings(max_examples=60, deadline=None)
@given(x=matrices(2, 1))
def test_property_batchnorm_train_output_zero_mean_unit_variance(x: np.ndarray) -> None:
    D = x.shape[1]
    out, _ = batchnorm_forward(x, np.ones(D), np.zeros(D), {"mode": "train"})
    assert out.shape == x.shape and out.dtype == x.dtype
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-8)
    np.testing.assert_allclose(out.var(axis=0), expected_variance(x.var(axis=0), EPS), atol=1e-8)


@task(BN_FORWARD)
@settings(max_examples=30, deadline=None)
@given(x=matrices(2, 1), shift=st.floats(-50, 50), scale=st.floats(0.1, 10))
def test_property_batchnorm_output_invariant_to_feature_shift(
    x: np.ndarray, shift: float, scale: float
) -> None:
    D = x.shape[1]
    params = (np.full(D, scale), np.full(D, shift))
    out1, _ = batchnorm_forward(x, *params, {"mode": "train"})
    out2, _ = batchnorm_forward(x + 123.0, *params, {"mode": "train"})
    np.testing.assert_allclose(out1, out2, atol=1e-6 * scale + 1e-9)


@task(LN_FORWARD)
@settings(max_examples=60, deadline=None)
@given(x=matrices(1, 2))
def test_property_layernorm_output_zero_mean_unit_variance_per_sample(x: np.ndarray) -> None:
    D = x.shape[1]
    out, _ = layernorm_forward(x, np.ones(D), np.zeros(D), {})
    assert out.shape == x.shape and out.dtype == x.dtype
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-8)
    np.testing.assert_allclose(out.var(axis=1), expected_variance(x.var(axis=1), EPS), atol=1e-8)


@task(BN_ALT)
@settings(max_examples=40, deadline=None)
@given(x=matrices(2, 1), seed=st.integers(0, 2**32 - 1))
def test_property_batchnorm_backward_graph_equals_closed_form(x: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    N, D = x.shape
    gamma, beta, dout = rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    graph, alt = batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)
    # Absolute scale: dx is of order |gamma| / sqrt(var + eps) * |dout|.
    scale = np.max(np.abs(gamma) / np.sqrt(x.var(axis=0) + EPS)) * np.max(np.abs(dout))
    np.testing.assert_allclose(graph[0], alt[0], rtol=1e-8, atol=1e-10 * scale)
    np.testing.assert_allclose(graph[1], alt[1], rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(graph[2], alt[2], rtol=1e-12, atol=1e-12)
    # The gradient with respect to x sums to 0 over the batch (the output ignores shifts).
    np.testing.assert_allclose(alt[0].sum(axis=0), 0.0, atol=1e-8 * scale * N)
