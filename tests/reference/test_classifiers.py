"""Tests of the reference FullyConnectedNet: gradients, closed forms, initial loss, dtypes.

Gradient checks compare every parameter's analytic gradient of the full loss with
centered differences (float64, h = 1e-5) from cs231n_core.gradient_check.

Two documented exceptions to the plain rel_error < 1e-7 bound:
- Elements whose gradient is below 1e-3 in magnitude are held to an absolute error of
  1e-10 instead (the error measure is |num - ana| / max(|num| + |ana|, 1e-3)). A centered
  difference of a loss of size ~2 at h = 1e-5 carries ~1e-10 of rounding and truncation
  error of its own, so a pure relative bound on a near-zero element measures that noise.
- With batchnorm, the biases b1 .. b{L-1} feed straight into a batchnorm layer, which
  subtracts the batch mean: the loss does not depend on them and both gradients are 0
  up to that same noise. They are checked with an absolute bound.
Kinks (relu, leaky relu, prelu at 0): the biases are set to random non-zero values so
that no pre-activation sits at 0 by construction (with zero biases, a unit whose inputs
are all dropped or all dead has a pre-activation of exactly 0); the seeded inputs then
keep every pre-activation far from 0 compared with h.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.reference.classifiers import ACTIVATIONS, FullyConnectedNet
from cs231n_core.gradient_check import eval_numerical_gradient

task = pytest.mark.task
INIT = "classifiers.FullyConnectedNet.__init__"
LOSS = "classifiers.FullyConnectedNet.loss"
TOL = 1e-7
SMALL_GRAD = 1e-3  # below this, gradient elements are compared absolutely (see docstring)
NORMALIZATIONS = [None, "batchnorm", "layernorm"]
EPS = 1e-5  # the normalization layers' default eps


def grad_error(num: np.ndarray, ana: np.ndarray) -> float:
    """max |num - ana| / max(|num| + |ana|, SMALL_GRAD): relative, absolute near zero."""
    return float(np.max(np.abs(num - ana) / np.maximum(np.abs(num) + np.abs(ana), SMALL_GRAD)))


def make_net(normalization, activation, keep=1.0, reg=0.05, dims=(6, 7, 8, 4), seed=3):
    """A float64 net with random non-zero biases (so no relu unit sits on its kink)."""
    net = FullyConnectedNet(
        list(dims[1:-1]), input_dim=dims[0], num_classes=dims[-1], dropout_keep_ratio=keep,
        normalization=normalization, reg=reg, weight_scale=0.5, dtype=np.float64, seed=seed,
        activation=activation,
    )
    rng = np.random.default_rng(seed + 100)
    for name, value in net.params.items():
        if name.startswith("b"):
            net.params[name] = 0.1 * rng.standard_normal(value.shape)
    return net


def check_all_gradients(net: FullyConnectedNet, X: np.ndarray, y: np.ndarray) -> None:
    loss, grads = net.loss(X, y)
    assert math.isfinite(loss)
    assert set(grads) == set(net.params)
    for name in sorted(net.params):
        num = eval_numerical_gradient(lambda _: net.loss(X, y)[0], net.params[name], verbose=False)
        ana = grads[name]
        assert ana.shape == net.params[name].shape
        hidden_bias = name[0] == "b" and name[1:].isdigit() and int(name[1:]) < net.num_layers
        if net.normalization == "batchnorm" and hidden_bias:
            # Bias before batchnorm: the loss does not depend on it.
            assert np.max(np.abs(ana)) < 1e-12 and np.max(np.abs(num)) < 1e-9, name
        else:
            assert grad_error(num, ana) < TOL, name


def data(n: int, d: int, c: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


# ---------------------------------------------------------------------------
# Gradient checks of the full loss
# ---------------------------------------------------------------------------


@task(LOSS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize("keep", [1.0, 0.7], ids=["no_dropout", "dropout"])
def test_full_loss_gradient(normalization, activation, keep) -> None:
    net = make_net(normalization, activation, keep=keep)
    X, y = data(10, 6, 4, seed=1)
    check_all_gradients(net, X, y)


@task(LOSS)
@pytest.mark.parametrize(
    ("normalization", "dims", "n"),
    [
        (None, (1, 3, 2), 1),  # N = 1 and D = 1
        (None, (5, 1, 3), 4),  # a hidden layer of width 1
        ("layernorm", (4, 5, 3), 1),
        ("batchnorm", (1, 5, 3), 6),
        (None, (4, 3), 5),  # no hidden layer: softmax regression
    ],
)
def test_full_loss_gradient_edge_shapes(normalization, dims, n) -> None:
    net = make_net(normalization, "tanh", dims=dims)
    X, y = data(n, dims[0], dims[-1], seed=2)
    check_all_gradients(net, X, y)


@task(LOSS)
def test_gradient_with_image_shaped_input() -> None:
    net = make_net(None, "elu", dims=(12, 5, 3))
    X = np.random.default_rng(4).standard_normal((3, 2, 3, 2))
    check_all_gradients(net, X, np.array([0, 2, 1]))


# ---------------------------------------------------------------------------
# Forward pass against closed forms written out here
# ---------------------------------------------------------------------------

CLOSED_FORM_ACT = {
    "relu": lambda a, p: np.maximum(a, 0),
    "leaky_relu": lambda a, p: np.where(a > 0, a, 0.01 * a),
    "prelu": lambda a, p: np.where(a > 0, a, p * a),
    "elu": lambda a, p: np.where(a > 0, a, np.expm1(np.minimum(a, 0))),
    "sigmoid": lambda a, p: 1 / (1 + np.exp(-a)),
    "tanh": lambda a, p: np.tanh(a),
}


def closed_form_scores(net, X, batch_stats=True):
    """Scores of the net written out with numpy (no dropout)."""
    h = X.reshape(X.shape[0], -1)
    for i in range(1, net.num_layers):
        p = net.params
        a = h @ p[f"W{i}"] + p[f"b{i}"]
        if net.normalization == "batchnorm":
            if batch_stats:
                mu, var = a.mean(axis=0), a.var(axis=0)
            else:
                mu, var = net.bn_params[i - 1]["running_mean"], net.bn_params[i - 1]["running_var"]
            a = (a - mu) / np.sqrt(var + EPS) * p[f"gamma{i}"] + p[f"beta{i}"]
        elif net.normalization == "layernorm":
            mu, var = a.mean(axis=1, keepdims=True), a.var(axis=1, keepdims=True)
            a = (a - mu) / np.sqrt(var + EPS) * p[f"gamma{i}"] + p[f"beta{i}"]
        h = CLOSED_FORM_ACT[net.activation](a, net.params.get(f"alpha{i}"))
    L = net.num_layers
    return h @ net.params[f"W{L}"] + net.params[f"b{L}"]


def closed_form_loss(net, scores, y):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    data_loss = -log_probs[np.arange(len(y)), y].mean()
    l2 = sum(np.sum(net.params[f"W{i}"] ** 2) for i in range(1, net.num_layers + 1))
    return data_loss + 0.5 * net.reg * l2


@task(LOSS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_loss_matches_closed_form(normalization, activation) -> None:
    net = make_net(normalization, activation, reg=0.3)
    if activation == "prelu":  # distinct slopes per unit, so a mix-up shows
        for i in range(1, net.num_layers):
            net.params[f"alpha{i}"] = np.linspace(0.1, 0.4, net.params[f"alpha{i}"].size)
    X, y = data(9, 6, 4, seed=5)
    loss, _ = net.loss(X, y)
    expected = closed_form_scores(net, X)
    assert loss == pytest.approx(closed_form_loss(net, expected, y), rel=1e-12)
    if normalization != "batchnorm":  # test mode is the same function of X
        np.testing.assert_allclose(net.loss(X), expected, rtol=1e-12, atol=1e-12)


@task(LOSS)
def test_batchnorm_test_mode_uses_running_statistics() -> None:
    net = make_net("batchnorm", "relu")
    X, y = data(20, 6, 4, seed=6)
    for _ in range(3):
        net.loss(X + 1.0, y)  # train mode: updates the running statistics
    def running(p):
        return {k: np.copy(v) for k, v in p.items() if k.startswith("running")}

    before = [running(p) for p in net.bn_params]
    scores = net.loss(X)
    after = [running(p) for p in net.bn_params]
    for b, a in zip(before, after):
        assert set(b) == {"running_mean", "running_var"}
        for k in b:
            np.testing.assert_array_equal(a[k], b[k])  # test mode leaves them alone
    np.testing.assert_allclose(scores, closed_form_scores(net, X, batch_stats=False), rtol=1e-12)
    assert all(p["mode"] == "test" for p in net.bn_params)
    net.loss(X, y)
    assert all(p["mode"] == "train" for p in net.bn_params)


@task(LOSS)
def test_dropout_train_and_test_modes() -> None:
    X, y = data(8, 6, 4, seed=7)
    net = make_net(None, "relu", keep=0.5)
    plain = make_net(None, "relu", keep=1.0)
    # Same seed, same mask: the loss is a deterministic function of the parameters.
    assert net.loss(X, y)[0] == net.loss(X, y)[0]
    assert net.loss(X, y)[0] != pytest.approx(plain.loss(X, y)[0])
    # Test mode: dropout is the identity.
    np.testing.assert_allclose(net.loss(X), plain.loss(X), rtol=1e-12)
    assert net.dropout_param["mode"] == "test"


@task(LOSS)
def test_loss_does_not_modify_inputs_or_params() -> None:
    net = make_net("layernorm", "prelu", keep=0.8)
    X, y = data(5, 6, 4, seed=8)
    X0, y0 = X.copy(), y.copy()
    params0 = {k: v.copy() for k, v in net.params.items()}
    net.loss(X, y)
    net.loss(X)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    for k, v in params0.items():
        np.testing.assert_array_equal(net.params[k], v)


@task(LOSS)
def test_loss_depends_only_on_instance_attributes() -> None:
    """The grader copies a reference net's __dict__ into a bare instance and calls loss."""
    net = make_net("batchnorm", "prelu", keep=0.6)
    X, y = data(7, 6, 4, seed=9)
    bare = FullyConnectedNet.__new__(FullyConnectedNet)
    bare.__dict__.update(
        {k: (v.copy() if isinstance(v, dict) else v) for k, v in net.__dict__.items()}
    )
    bare.bn_params = [dict(p) for p in net.bn_params]
    loss, grads = net.loss(X, y)
    loss2, grads2 = bare.loss(X, y)
    assert loss2 == loss
    for k in grads:
        np.testing.assert_array_equal(grads2[k], grads[k])


# ---------------------------------------------------------------------------
# Babysitting sanity checks from the lecture
# ---------------------------------------------------------------------------


@task(LOSS)
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_initial_loss_is_log_num_classes(normalization) -> None:
    # Tiny weights give near-uniform class probabilities: loss ~ ln(10).
    net = FullyConnectedNet(
        [50, 50], input_dim=40, num_classes=10, normalization=normalization,
        weight_scale=1e-3, dtype=np.float64, seed=0,
    )
    X, y = data(200, 40, 10, seed=10)
    loss, _ = net.loss(X, y)
    tol = 1e-2 if normalization == "batchnorm" else 1e-4  # batchnorm re-scales to unit variance
    assert loss == pytest.approx(math.log(10), abs=tol)


@task(LOSS)
def test_loss_goes_up_with_regularization() -> None:
    X, y = data(30, 20, 10, seed=11)
    nets = {reg: FullyConnectedNet([30], input_dim=20, num_classes=10, reg=reg,
                                   dtype=np.float64, seed=1) for reg in (0.0, 1e3)}
    loss0, grads0 = nets[0.0].loss(X, y)
    loss1, grads1 = nets[1e3].loss(X, y)
    assert loss1 > loss0
    params = nets[1e3].params
    l2 = sum(np.sum(params[f"W{i}"] ** 2) for i in (1, 2))
    assert loss1 - loss0 == pytest.approx(0.5 * 1e3 * l2, rel=1e-10)
    for k in grads0:  # reg * W on the weights only
        extra = 1e3 * params[k] if k.startswith("W") else 0.0
        np.testing.assert_allclose(grads1[k], grads0[k] + extra, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# Construction: parameters, initialisers, dtypes, validation
# ---------------------------------------------------------------------------


@task(INIT)
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize("activation", ["relu", "prelu"])
def test_parameter_names_shapes_and_initial_values(normalization, activation) -> None:
    net = FullyConnectedNet([5, 6, 7], input_dim=4, num_classes=3, normalization=normalization,
                            activation=activation, seed=0)
    dims = [4, 5, 6, 7, 3]
    expected = {f"W{i}": (dims[i - 1], dims[i]) for i in range(1, 5)}
    expected |= {f"b{i}": (dims[i],) for i in range(1, 5)}
    if normalization:
        expected |= {f"{p}{i}": (dims[i],) for i in range(1, 4) for p in ("gamma", "beta")}
    if activation == "prelu":
        expected |= {f"alpha{i}": (dims[i],) for i in range(1, 4)}
    assert {k: v.shape for k, v in net.params.items()} == expected
    assert net.num_layers == 4
    for k, v in net.params.items():
        assert v.dtype == np.float32
        if k[0] == "b" or k.startswith("beta"):
            np.testing.assert_array_equal(v, 0)
        elif k.startswith("gamma"):
            np.testing.assert_array_equal(v, 1)
        elif k.startswith("alpha"):
            np.testing.assert_array_equal(v, np.float32(0.25))


@task(INIT)
def test_plumbing_attributes() -> None:
    net = FullyConnectedNet([5, 5], input_dim=4, num_classes=3, dropout_keep_ratio=0.5,
                            normalization="batchnorm", reg=0.1, seed=7, activation="tanh")
    assert net.reg == 0.1 and net.dtype == np.float32 and net.activation == "tanh"
    assert net.use_dropout and net.dropout_param == {"mode": "train", "p": 0.5, "seed": 7}
    assert net.bn_params == [{"mode": "train"}, {"mode": "train"}]
    ln = FullyConnectedNet([5, 5], input_dim=4, num_classes=3, normalization="layernorm")
    assert ln.bn_params == [{}, {}] and not ln.use_dropout and ln.dropout_param == {}
    assert FullyConnectedNet([5], input_dim=4, dropout_keep_ratio=0.5).dropout_param == {
        "mode": "train", "p": 0.5,
    }


# fan_in = fan_out = 500, so each weight matrix has 250,000 draws: the sample std is
# within 0.3% of the true one, far inside the 5% bound.
INIT_STDS = {
    None: 0.05,  # weight_scale
    "gaussian": 0.05,
    "xavier": 1 / math.sqrt(500),
    "he": math.sqrt(2 / 500),
    "glorot_uniform": math.sqrt(6 / 1000) / math.sqrt(3),  # U(-a, a) has std a / sqrt(3)
    "orthogonal": 1 / math.sqrt(500),  # unit-norm columns of length 500
}


@task(INIT)
@pytest.mark.parametrize("weight_init", list(INIT_STDS))
def test_weight_init_gives_expected_std(weight_init) -> None:
    net = FullyConnectedNet([500], input_dim=500, num_classes=500, weight_scale=0.05,
                            dtype=np.float64, seed=0, weight_init=weight_init)
    for name in ("W1", "W2"):
        w = net.params[name]
        assert abs(w.mean()) < 0.01 * INIT_STDS[weight_init]
        assert w.std() == pytest.approx(INIT_STDS[weight_init], rel=0.05)
    assert not np.array_equal(net.params["W1"], net.params["W2"])  # one draw per layer


@task(INIT)
@pytest.mark.parametrize(
    ("weight_init", "std"),
    [("xavier", lambda i, o: 1 / math.sqrt(i)), ("he", lambda i, o: math.sqrt(2 / i)),
     ("glorot_uniform", lambda i, o: math.sqrt(2 / (i + o)))],
)
def test_weight_init_uses_each_layers_fans(weight_init, std) -> None:
    # Rectangular layers (800 -> 200 -> 50), so fan_in and fan_out cannot be swapped.
    net = FullyConnectedNet([200], input_dim=800, num_classes=50, dtype=np.float64, seed=2,
                            weight_init=weight_init)
    for name, (fan_in, fan_out) in {"W1": (800, 200), "W2": (200, 50)}.items():
        assert net.params[name].std() == pytest.approx(std(fan_in, fan_out), rel=0.05)


@task(INIT)
def test_orthogonal_and_zeros_init() -> None:
    net = FullyConnectedNet([50], input_dim=50, num_classes=50, dtype=np.float64, seed=1,
                            weight_init="orthogonal")
    for name in ("W1", "W2"):
        w = net.params[name]
        np.testing.assert_allclose(w.T @ w, np.eye(50), atol=1e-10)
    zero = FullyConnectedNet([8], input_dim=5, num_classes=3, weight_init="zeros")
    assert all(not v.any() for v in zero.params.values())


@task(INIT)
def test_gaussian_init_is_the_default_draw() -> None:
    """weight_init=None and 'gaussian' both draw weight_scale * N(0, 1) from the seeded rng."""
    a = FullyConnectedNet([6, 7], input_dim=5, num_classes=3, weight_scale=0.3, seed=4,
                          dtype=np.float64)
    b = FullyConnectedNet([6, 7], input_dim=5, num_classes=3, weight_scale=0.3, seed=4,
                          dtype=np.float64, weight_init="gaussian")
    rng = np.random.default_rng(4)
    for i, shape in enumerate([(5, 6), (6, 7), (7, 3)], start=1):
        expected = 0.3 * rng.standard_normal(shape)
        np.testing.assert_array_equal(a.params[f"W{i}"], expected)
        np.testing.assert_array_equal(b.params[f"W{i}"], expected)


@task(INIT)
def test_seed_makes_weights_reproducible() -> None:
    kw = dict(input_dim=5, num_classes=3, weight_init="he")
    a = FullyConnectedNet([6], seed=3, **kw)
    b = FullyConnectedNet([6], seed=3, **kw)
    c = FullyConnectedNet([6], seed=4, **kw)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


@task(INIT)
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(activation="maxout"), "relu.*leaky_relu.*prelu.*elu.*sigmoid.*tanh"),
        (dict(activation="swish"), "unknown activation"),
        (dict(normalization="groupnorm"), "unknown normalization"),
        (dict(weight_init="lecun"), "unknown weight_init"),
        (dict(dropout_keep_ratio=0), "dropout_keep_ratio"),
        (dict(dropout_keep_ratio=1.5), "dropout_keep_ratio"),
    ],
)
def test_invalid_arguments_raise(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        FullyConnectedNet([5], input_dim=4, num_classes=3, **kwargs)


@task(LOSS)
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_is_preserved(normalization, activation) -> None:
    net = FullyConnectedNet([7, 6], input_dim=5, num_classes=4, normalization=normalization,
                            activation=activation, dropout_keep_ratio=0.8, seed=0)
    X, y = data(6, 5, 4, seed=12)  # float64 data is cast to the net's dtype
    loss, grads = net.loss(X, y)
    assert isinstance(loss, float) or np.asarray(loss).dtype == np.float32
    assert math.isfinite(loss)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert net.loss(X).dtype == np.float32


@task(LOSS)
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 6),
    input_shape=st.sampled_from([(3,), (1,), (2, 3), (2, 1, 2)]),
    hidden=st.lists(st.integers(1, 6), max_size=3),
    num_classes=st.integers(1, 5),
    normalization=st.sampled_from(NORMALIZATIONS),
    activation=st.sampled_from(ACTIVATIONS),
    keep=st.sampled_from([1.0, 0.5]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_shapes_and_dtypes_property(
    n, input_shape, hidden, num_classes, normalization, activation, keep, dtype, seed
) -> None:
    input_dim = int(np.prod(input_shape))
    net = FullyConnectedNet(hidden, input_dim=input_dim, num_classes=num_classes,
                            dropout_keep_ratio=keep, normalization=normalization, reg=0.1,
                            weight_scale=0.1, dtype=dtype, seed=seed, activation=activation)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, *input_shape))
    y = rng.integers(0, num_classes, n)
    scores = net.loss(X)
    assert scores.shape == (n, num_classes) and scores.dtype == dtype
    loss, grads = net.loss(X, y)
    assert math.isfinite(loss) and loss >= 0
    assert set(grads) == set(net.params)
    for k, g in grads.items():
        assert g.shape == net.params[k].shape and g.dtype == dtype
        assert np.all(np.isfinite(g))
