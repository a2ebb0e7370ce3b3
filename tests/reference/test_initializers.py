"""Weight initialisers: statistics, orthogonality, reproducibility, the lecture's
activation-statistics experiment, and LSUV."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.reference import initializers as I

RANDOM_INITS = {
    "gaussian": I.gaussian,
    "xavier": I.xavier,
    "glorot_uniform": I.glorot_uniform,
    "he": I.he,
    "orthogonal": I.orthogonal,
}
ALL_INITS = {"zeros": I.zeros, **RANDOM_INITS}


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


# ---------------------------------------------------------------- shapes and dtypes


@pytest.mark.parametrize("name", ALL_INITS)
@settings(max_examples=25, deadline=None)
@given(fan_in=st.integers(1, 40), fan_out=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_shape_dtype_and_finite(name: str, fan_in: int, fan_out: int, seed: int) -> None:
    w = ALL_INITS[name](fan_in, fan_out, rng=np.random.default_rng(seed))
    assert isinstance(w, np.ndarray)
    assert w.shape == (fan_in, fan_out)
    assert w.dtype == np.float64
    assert np.all(np.isfinite(w))


@pytest.mark.task("initializers.zeros")
def test_zeros() -> None:
    w = I.zeros(3, 5)
    assert w.shape == (3, 5) and w.dtype == np.float64
    assert not w.any()
    # rng is accepted (uniform calling convention) and ignored.
    assert not I.zeros(2, 2, rng=np.random.default_rng(0)).any()


# ---------------------------------------------------------------- statistics at 500 x 500

N500 = 500


def _assert_std_close(w: np.ndarray, target: float) -> None:
    # 250,000 samples: the sample std is within about 0.15% of the true one.
    assert abs(w.std() - target) < 0.05 * target, (w.std(), target)
    assert abs(w.mean()) < 0.01 * target


@pytest.mark.task("initializers.gaussian")
@pytest.mark.parametrize("std", [0.01, 1.0, 3e-3])
def test_gaussian_std(std: float) -> None:
    w = I.gaussian(N500, N500, std=std, rng=np.random.default_rng(1))
    _assert_std_close(w, std)


@pytest.mark.task("initializers.gaussian")
def test_gaussian_default_std_is_0_01() -> None:
    _assert_std_close(I.gaussian(N500, N500, rng=np.random.default_rng(2)), 0.01)


@pytest.mark.task("initializers.xavier")
def test_xavier_std() -> None:
    _assert_std_close(I.xavier(N500, N500, rng=np.random.default_rng(3)), 1 / np.sqrt(500))
    # The lecture's variant depends on fan_in only.
    _assert_std_close(I.xavier(200, 1250, rng=np.random.default_rng(3)), 1 / np.sqrt(200))


@pytest.mark.task("initializers.he")
def test_he_std() -> None:
    _assert_std_close(I.he(N500, N500, rng=np.random.default_rng(4)), np.sqrt(2 / 500))
    _assert_std_close(I.he(200, 1250, rng=np.random.default_rng(4)), np.sqrt(2 / 200))


@pytest.mark.task("initializers.glorot_uniform")
@pytest.mark.parametrize(("fan_in", "fan_out"), [(N500, N500), (200, 1250)])
def test_glorot_uniform_bounds_and_std(fan_in: int, fan_out: int) -> None:
    w = I.glorot_uniform(fan_in, fan_out, rng=np.random.default_rng(5))
    limit = np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w).max() <= limit
    # 250,000 uniform draws come within 0.1% of both ends.
    assert w.max() > 0.999 * limit and w.min() < -0.999 * limit
    _assert_std_close(w, limit / np.sqrt(3))


@pytest.mark.task("initializers.orthogonal")
def test_orthogonal_std_at_500() -> None:
    # An orthogonal 500 x 500 matrix has unit-norm columns: entries have std 1/sqrt(500).
    _assert_std_close(I.orthogonal(N500, N500, rng=np.random.default_rng(6)), 1 / np.sqrt(500))


# ---------------------------------------------------------------- orthogonal


@pytest.mark.task("initializers.orthogonal")
@pytest.mark.parametrize("n", [1, 2, 7, 64, 500])
def test_orthogonal_square(n: int) -> None:
    w = I.orthogonal(n, n, rng=np.random.default_rng(n))
    np.testing.assert_allclose(w.T @ w, np.eye(n), rtol=0, atol=1e-10)
    np.testing.assert_allclose(w @ w.T, np.eye(n), rtol=0, atol=1e-10)


@pytest.mark.task("initializers.orthogonal")
@pytest.mark.parametrize(("fan_in", "fan_out"), [(300, 100), (100, 300), (5, 1), (1, 5), (64, 63)])
@pytest.mark.parametrize("gain", [1.0, np.sqrt(2), 0.5])
def test_orthogonal_rectangular(fan_in: int, fan_out: int, gain: float) -> None:
    w = I.orthogonal(fan_in, fan_out, gain=gain, rng=np.random.default_rng(7))
    assert w.shape == (fan_in, fan_out)
    k = min(fan_in, fan_out)
    # Tall: orthonormal columns; wide: orthonormal rows (the identity of the small side).
    gram = w.T @ w if fan_in >= fan_out else w @ w.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(k), rtol=0, atol=1e-10)


def _gram_schmidt(a: np.ndarray) -> np.ndarray:
    """Q of A = QR with R's diagonal positive, by modified Gram-Schmidt (independent of LAPACK)."""
    q = np.array(a, dtype=np.float64)
    for j in range(q.shape[1]):
        for i in range(j):
            q[:, j] -= (q[:, i] @ q[:, j]) * q[:, i]
        q[:, j] /= np.linalg.norm(q[:, j])
    return q


@pytest.mark.task("initializers.orthogonal")
@pytest.mark.parametrize(("fan_in", "fan_out"), [(6, 6), (8, 3), (3, 8), (1, 1)])
def test_orthogonal_is_the_sign_fixed_qr_of_the_documented_draw(fan_in: int, fan_out: int) -> None:
    """The sign fix makes Q unique: the Q of A = QR with R's diagonal positive."""
    tall = fan_in >= fan_out
    shape = (fan_in, fan_out) if tall else (fan_out, fan_in)
    a = np.random.default_rng(8).standard_normal(shape)
    q = _gram_schmidt(a)
    expected = q if tall else q.T
    w = I.orthogonal(fan_in, fan_out, gain=2.0, rng=np.random.default_rng(8))
    np.testing.assert_allclose(w, 2.0 * expected, rtol=0, atol=1e-10)


@pytest.mark.task("initializers.orthogonal")
def test_orthogonal_is_sign_symmetric() -> None:
    """Without the sign fix, LAPACK's Householder QR makes Q[0, 0] negative on every draw."""
    first = [I.orthogonal(5, 5, rng=np.random.default_rng(s))[0, 0] for s in range(200)]
    assert 0.3 < np.mean(np.array(first) > 0) < 0.7


@settings(max_examples=40, deadline=None)
@given(fan_in=st.integers(1, 30), fan_out=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
@pytest.mark.task("initializers.orthogonal")
def test_orthogonal_property(fan_in: int, fan_out: int, seed: int) -> None:
    w = I.orthogonal(fan_in, fan_out, rng=np.random.default_rng(seed))
    gram = w.T @ w if fan_in >= fan_out else w @ w.T
    np.testing.assert_allclose(gram, np.eye(min(fan_in, fan_out)), rtol=0, atol=1e-10)


# ---------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("name", RANDOM_INITS)
def test_same_seed_same_weights(name: str) -> None:
    init = RANDOM_INITS[name]
    a = init(20, 30, rng=np.random.default_rng(9))
    b = init(20, 30, rng=np.random.default_rng(9))
    c = init(20, 30, rng=np.random.default_rng(10))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", RANDOM_INITS)
def test_generator_advances_and_none_means_fresh(name: str) -> None:
    init = RANDOM_INITS[name]
    rng = np.random.default_rng(11)
    assert not np.array_equal(init(10, 10, rng=rng), init(10, 10, rng=rng))
    # rng=None draws from a fresh, unseeded generator: two calls differ.
    assert not np.array_equal(init(10, 10), init(10, 10))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gaussian", lambda r: 0.01 * r.standard_normal((20, 30))),
        ("xavier", lambda r: r.standard_normal((20, 30)) / np.sqrt(20)),
        ("he", lambda r: r.standard_normal((20, 30)) * np.sqrt(2 / 20)),
        ("glorot_uniform", lambda r: r.uniform(-np.sqrt(6 / 50), np.sqrt(6 / 50), size=(20, 30))),
    ],
)
def test_documented_draw(name: str, expected: Callable[[np.random.Generator], np.ndarray]) -> None:
    """The docstrings fix how the entries are drawn, so a seeded rng gives known weights."""
    w = RANDOM_INITS[name](20, 30, rng=np.random.default_rng(12))
    np.testing.assert_allclose(w, expected(np.random.default_rng(12)), rtol=1e-15, atol=0)


# ---------------------------------------------------------------- the lecture's experiment


def _layer_stds(
    init: Callable[..., np.ndarray], act: Callable[[np.ndarray], np.ndarray], seed: int = 0
) -> list[float]:
    """The lecture's experiment: 10 layers of 500 units on 1000 unit-Gaussian inputs, no biases.

    Returns the statistic the lecture prints: np.std of each layer's activations
    (after the nonlinearity), over all 1000 x 500 entries.
    """
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((1000, 500))
    stds = []
    for _ in range(10):
        h = act(h @ init(500, 500, rng=rng))
        stds.append(float(h.std()))
    return stds


@pytest.mark.task("initializers.gaussian")
def test_lecture_tanh_small_gaussian_collapses() -> None:
    stds = _layer_stds(lambda i, o, rng: I.gaussian(i, o, std=0.01, rng=rng), np.tanh)
    # The lecture prints about 0.21 at layer 1, shrinking about 4.5x per layer.
    assert 0.15 < stds[0] < 0.3
    assert all(b < a for a, b in pairwise(stds))
    assert stds[-1] < 1e-5


@pytest.mark.task("initializers.gaussian")
def test_lecture_tanh_unit_gaussian_saturates() -> None:
    stds = _layer_stds(lambda i, o, rng: I.gaussian(i, o, std=1.0, rng=rng), np.tanh)
    assert min(stds) > 0.9  # the lecture prints about 0.98 at every layer


@pytest.mark.task("initializers.xavier")
def test_lecture_tanh_xavier_stays_reasonable() -> None:
    stds = _layer_stds(I.xavier, np.tanh)
    # The lecture prints 0.63 at layer 1 down to 0.23 at layer 10.
    assert all(0.02 <= s <= 0.7 for s in stds), stds


@pytest.mark.task("initializers.he")
def test_lecture_relu_he_stays_reasonable() -> None:
    stds = _layer_stds(I.he, relu)
    # In expectation every layer has E[h^2] = 1 and std sqrt(1 - 1/pi) = 0.83.
    assert all(0.5 <= s <= 1.2 for s in stds), stds


# ---------------------------------------------------------------- LSUV


def _affine_variances(
    weights: list[np.ndarray], x: np.ndarray, act: Callable[[np.ndarray], np.ndarray]
) -> list[float]:
    """np.var of each layer's affine output z_l = h_l @ W_l, with h_{l+1} = act(z_l)."""
    h, out = x, []
    for w in weights:
        z = h @ w
        out.append(float(np.var(z)))
        h = act(z)
    return out


def _positive_multiples(new: list[np.ndarray], old: list[np.ndarray]) -> list[float]:
    scales = []
    for a, b in zip(new, old):
        s = float(np.sum(a * b) / np.sum(b * b))
        assert s > 0
        np.testing.assert_allclose(a, s * b, rtol=1e-6, atol=0)
        scales.append(s)
    return scales


@pytest.mark.task("initializers.lsuv")
@pytest.mark.parametrize("act", [None, np.tanh, relu])
@pytest.mark.parametrize("tol", [0.05, 1e-3])
def test_lsuv_unit_variance_per_layer(
    act: Callable[[np.ndarray], np.ndarray] | None, tol: float
) -> None:
    rng = np.random.default_rng(13)
    x = 3.0 * rng.standard_normal((256, 100)) + 1.0
    dims = [100, 80, 60, 60, 10]
    # Badly scaled layers: far too small, far too large, and in between.
    weights = [
        s * I.gaussian(a, b, std=1.0, rng=rng)
        for a, b, s in zip(dims, dims[1:], [1e-3, 10.0, 0.2, 5.0])
    ]
    originals = [w.copy() for w in weights]
    new = I.lsuv(weights, x, activation=act, tol=tol) if act else I.lsuv(weights, x, tol=tol)
    # Inputs untouched; outputs are new arrays.
    for w, o in zip(weights, originals):
        np.testing.assert_array_equal(w, o)
    assert all(not np.shares_memory(n, w) for n, w in zip(new, weights))
    assert [n.shape for n in new] == [w.shape for w in weights]
    variances = _affine_variances(new, x, act or relu)
    assert all(abs(v - 1) <= tol for v in variances), variances
    _positive_multiples(new, weights)


@pytest.mark.task("initializers.lsuv")
def test_lsuv_default_activation_is_relu() -> None:
    rng = np.random.default_rng(14)
    x = rng.standard_normal((64, 20))
    weights = [I.gaussian(20, 20, std=0.3, rng=rng) for _ in range(3)]
    default = I.lsuv(weights, x)
    explicit = I.lsuv(weights, x, activation=relu)
    for a, b in zip(default, explicit):
        np.testing.assert_array_equal(a, b)
    tanh = I.lsuv(weights, x, activation=np.tanh)
    assert not np.allclose(default[2], tanh[2])


@pytest.mark.task("initializers.lsuv")
def test_lsuv_single_layer_closed_form() -> None:
    rng = np.random.default_rng(15)
    x = rng.standard_normal((50, 7))
    w = rng.standard_normal((7, 4))
    (new,) = I.lsuv([w], x, tol=1e-6)
    np.testing.assert_allclose(new, w / np.std(x @ w), rtol=1e-10)


@pytest.mark.task("initializers.lsuv")
def test_lsuv_leaves_a_layer_within_tol_unchanged() -> None:
    rng = np.random.default_rng(16)
    x = rng.standard_normal((200, 30))
    w = rng.standard_normal((30, 30))
    w *= np.sqrt(1.03 / np.var(x @ w))  # variance 1.03: inside tol = 0.05, outside tol = 0.01
    np.testing.assert_array_equal(I.lsuv([w], x, tol=0.05)[0], w)
    assert not np.array_equal(I.lsuv([w], x, tol=0.01)[0], w)


@pytest.mark.task("initializers.lsuv")
def test_lsuv_max_iter_zero_returns_copies() -> None:
    rng = np.random.default_rng(17)
    x = rng.standard_normal((10, 4))
    weights = [rng.standard_normal((4, 3)), rng.standard_normal((3, 2))]
    new = I.lsuv(weights, x, max_iter=0)
    for n, w in zip(new, weights):
        np.testing.assert_array_equal(n, w)
        assert n is not w


@pytest.mark.task("initializers.lsuv")
def test_lsuv_keeps_float32_and_flattens_inputs() -> None:
    rng = np.random.default_rng(18)
    x = rng.standard_normal((40, 2, 3, 2)).astype(np.float32)
    weights = [
        rng.standard_normal((12, 8)).astype(np.float32),
        rng.standard_normal((8, 5)).astype(np.float32),
    ]
    new = I.lsuv(weights, x)
    assert all(n.dtype == np.float32 for n in new)
    variances = _affine_variances(new, x.reshape(40, -1), relu)
    assert all(abs(v - 1) <= 0.05 for v in variances)


@pytest.mark.task("initializers.lsuv")
def test_lsuv_errors() -> None:
    x = np.random.default_rng(19).standard_normal((10, 4))
    with pytest.raises(ValueError, match="zero variance"):
        I.lsuv([np.zeros((4, 3))], x)
    # A ReLU layer whose outputs are all killed leaves the next layer nothing to scale.
    # Here z = -sum|x| < 0 for every example, so the second layer sees only zeros.
    with pytest.raises(ValueError, match="zero variance"):
        I.lsuv([-np.ones((4, 1)), np.ones((1, 2))], np.abs(x))
    with pytest.raises(ValueError, match="chain"):
        I.lsuv([np.ones((4, 3)), np.ones((4, 2))], x)
    with pytest.raises(ValueError, match="chain"):
        I.lsuv([np.ones((5, 3))], x)


@pytest.mark.task("initializers.lsuv")
@settings(max_examples=40, deadline=None)
@given(
    dims=st.lists(st.integers(1, 12), min_size=2, max_size=5),
    n=st.integers(8, 60),
    log_scale=st.floats(-3, 3),
    act=st.sampled_from(["tanh", "identity", "leaky"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_lsuv_property(dims: list[int], n: int, log_scale: float, act: str, seed: int) -> None:
    fn = {
        "tanh": np.tanh,
        "identity": lambda z: z,
        "leaky": lambda z: np.where(z > 0, z, 0.1 * z),
    }[act]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dims[0]))
    weights = [10.0**log_scale * rng.standard_normal((a, b)) for a, b in pairwise(dims)]
    new = I.lsuv(weights, x, activation=fn, tol=0.01)
    assert all(abs(v - 1) <= 0.01 for v in _affine_variances(new, x, fn))
    _positive_multiples(new, weights)
