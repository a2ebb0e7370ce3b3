"""Update rules against updates computed by hand, their state and defaults, and the
learning-rate schedules against their closed forms."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.reference import optim

Rule = Callable[..., tuple[np.ndarray, dict]]

W0 = np.array([1.0, -2.0])


def _run(rule: Rule, grads: list[list[float]], config: dict) -> tuple[list[np.ndarray], dict]:
    """Apply rule to W0 with each gradient in turn; return every iterate and the final config."""
    w, iterates = W0.copy(), []
    for g in grads:
        w, config = rule(w, np.array(g), config)
        iterates.append(w)
    return iterates, config


def _close(actual: np.ndarray, expected: list[float] | np.ndarray) -> None:
    np.testing.assert_allclose(
        actual, np.asarray(expected, dtype=np.float64), rtol=1e-12, atol=1e-15
    )


def _steps_match(
    rule: Rule,
    grads: list[list[float]],
    config: dict,
    iterates: list[list[float] | np.ndarray],
    state: dict[str, list[float]],
) -> dict:
    """Run rule as _run does; every iterate and each named state entry must be as given.

    Returns the final config.
    """
    got, config = _run(rule, grads, config)
    assert len(got) == len(iterates)
    for w, expected in zip(got, iterates):
        _close(w, expected)
    for key, expected in state.items():
        _close(config[key], expected)
    return config


# ---------------------------------------------------------------- hand-computed updates


def test_sgd_by_hand() -> None:
    # sgd is provided (not a task); the other rules follow its conventions.
    next_w, config = optim.sgd(W0, np.array([0.5, 4.0]))
    _close(next_w, [0.995, -2.04])
    assert config == {"learning_rate": 1e-2}


GRADS = [[1.0, -2.0], [2.0, 0.0], [-1.0, 4.0]]


@pytest.mark.task("optim.sgd_momentum")
def test_sgd_momentum_by_hand() -> None:
    # lr 0.1, momentum 0.5:
    # v1 = [-0.1, 0.2]     w1 = [0.9, -1.8]
    # v2 = [-0.25, 0.1]    w2 = [0.65, -1.7]
    # v3 = [-0.025, -0.35] w3 = [0.625, -2.05]
    config = _steps_match(
        optim.sgd_momentum,
        GRADS,
        {"learning_rate": 0.1, "momentum": 0.5},
        [[0.9, -1.8], [0.65, -1.7], [0.625, -2.05]],
        {"velocity": [-0.025, -0.35]},
    )
    assert config["learning_rate"] == 0.1 and config["momentum"] == 0.5


@pytest.mark.task("optim.sgd_momentum")
def test_sgd_momentum_zero_momentum_is_sgd() -> None:
    w, dw = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5, -1.0], [2.0, 0.0]])
    next_w, _ = optim.sgd_momentum(w, dw, {"learning_rate": 0.3, "momentum": 0.0})
    _close(next_w, w - 0.3 * dw)


@pytest.mark.task("optim.nesterov_momentum")
def test_nesterov_by_hand() -> None:
    # lr 0.1, momentum 0.5; same velocities as plain momentum, but
    # w <- w - 0.5 * v_prev + 1.5 * v:
    # w1 = [1, -2] + 1.5 * [-0.1, 0.2]                              = [0.85, -1.7]
    # w2 = [0.85, -1.7] - 0.5 * [-0.1, 0.2] + 1.5 * [-0.25, 0.1]      = [0.525, -1.65]
    # w3 = [0.525, -1.65] - 0.5 * [-0.25, 0.1] + 1.5 * [-0.025, -0.35] = [0.6125, -2.225]
    _steps_match(
        optim.nesterov_momentum,
        GRADS,
        {"learning_rate": 0.1, "momentum": 0.5},
        [[0.85, -1.7], [0.525, -1.65], [0.6125, -2.225]],
        {"velocity": [-0.025, -0.35]},
    )


@pytest.mark.task("optim.nesterov_momentum")
def test_nesterov_matches_the_look_ahead_formulation() -> None:
    """On a quadratic, the stored w is the look-ahead point x + momentum * v of
    v <- mu v - lr grad(x + mu v), x <- x + v."""
    a = np.array([[3.0, 0.5], [0.5, 1.0]])
    lr, mu = 0.05, 0.9
    x, v = np.array([2.0, -1.0]), np.zeros(2)
    w, config = x.copy(), {"learning_rate": lr, "momentum": mu}
    for _ in range(25):
        v = mu * v - lr * a @ (x + mu * v)
        x = x + v
        w, config = optim.nesterov_momentum(w, a @ w, config)
        np.testing.assert_allclose(w, x + mu * v, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(config["velocity"], v, rtol=1e-12, atol=1e-14)


@pytest.mark.task("optim.adagrad")
def test_adagrad_by_hand() -> None:
    # lr 0.1, epsilon 0 (exact arithmetic):
    # g1 = [3, -4]: cache [9, 16],  w1 = [1 - 0.1*3/3, -2 + 0.1*4/4]     = [0.9, -1.9]
    # g2 = [4, 3]:  cache [25, 25], w2 = [0.9 - 0.1*4/5, -1.9 - 0.1*3/5] = [0.82, -1.96]
    # g3 = [0, 0]:  cache unchanged, w unchanged
    _steps_match(
        optim.adagrad,
        [[3.0, -4.0], [4.0, 3.0], [0.0, 0.0]],
        {"learning_rate": 0.1, "epsilon": 0.0},
        [[0.9, -1.9], [0.82, -1.96], [0.82, -1.96]],
        {"cache": [25.0, 25.0]},
    )


@pytest.mark.task("optim.adagrad")
def test_adagrad_zero_gradient_first_step_is_finite() -> None:
    next_w, config = optim.adagrad(W0, np.zeros(2))
    _close(next_w, W0)
    _close(config["cache"], [0.0, 0.0])


@pytest.mark.task("optim.rmsprop")
def test_rmsprop_by_hand() -> None:
    # lr 0.1, decay_rate 0.5, epsilon 0:
    # g1 = [2, -2]: cache = 0.5 * [4, 4] = [2, 2];  w1 = w0 - 0.1 * g1 / sqrt(2)
    # g2 = [2, 0]:  cache = [1 + 2, 1 + 0] = [3, 1]; w2 = w1 - 0.1 * [2 / sqrt(3), 0]
    r2, r3 = math.sqrt(2), math.sqrt(3)
    _steps_match(
        optim.rmsprop,
        [[2.0, -2.0], [2.0, 0.0]],
        {"learning_rate": 0.1, "decay_rate": 0.5, "epsilon": 0.0},
        [[1 - 0.2 / r2, -2 + 0.2 / r2], [1 - 0.2 / r2 - 0.2 / r3, -2 + 0.2 / r2]],
        {"cache": [3.0, 1.0]},
    )


@pytest.mark.task("optim.adam")
def test_adam_by_hand() -> None:
    # lr 0.1, beta1 0.5, beta2 0.75, epsilon 0.
    # t=1, g1 = [1, -2]: m = [0.5, -1], v = [0.25, 1]; m_hat = m / 0.5 = [1, -2],
    #   v_hat = v / 0.25 = [1, 4]; step 0.1 * [1, -1]: w1 = [0.9, -1.9]
    # t=2, g2 = [3, 0]: m = [0.25 + 1.5, -0.5] = [1.75, -0.5],
    #   v = [0.1875 + 2.25, 0.75] = [2.4375, 0.75];
    #   m_hat = m / 0.75, v_hat = v / 0.4375
    m_hat = np.array([1.75, -0.5]) / 0.75
    v_hat = np.array([2.4375, 0.75]) / 0.4375
    config = _steps_match(
        optim.adam,
        [[1.0, -2.0], [3.0, 0.0]],
        {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.75, "epsilon": 0.0},
        [[0.9, -1.9], np.array([0.9, -1.9]) - 0.1 * m_hat / np.sqrt(v_hat)],
        {"m": [1.75, -0.5], "v": [2.4375, 0.75]},
    )
    assert config["t"] == 2


@pytest.mark.task("optim.adam")
@settings(max_examples=30, deadline=None)
@given(
    dw=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3),
    )
)
def test_adam_first_step_is_learning_rate_times_sign(dw: np.ndarray) -> None:
    """At t = 1 the bias correction gives m_hat = dw and v_hat = dw**2 exactly, so each
    coordinate moves by lr * |dw| / (|dw| + eps), i.e. lr up to a relative 1e-5."""
    w = np.zeros_like(dw)
    next_w, config = optim.adam(w, dw)
    assert config["t"] == 1
    np.testing.assert_allclose(next_w, -1e-3 * np.sign(dw), rtol=1e-5, atol=0)


@pytest.mark.task("optim.adam")
def test_adam_constant_gradient_moves_by_lr_every_step() -> None:
    # With a constant gradient the corrected moments equal g and g**2 at every t.
    g = np.array([0.5, -3.0, 20.0])
    w, config = np.zeros(3), {"learning_rate": 0.01}
    for t in range(1, 6):
        prev = w
        w, config = optim.adam(w, g, config)
        assert config["t"] == t
        np.testing.assert_allclose(prev - w, 0.01 * np.sign(g), rtol=1e-7)


# ---------------------------------------------------------------- defaults and config handling

DEFAULTS = {
    optim.sgd: {"learning_rate": 1e-2},
    optim.sgd_momentum: {"learning_rate": 1e-2, "momentum": 0.9},
    optim.nesterov_momentum: {"learning_rate": 1e-2, "momentum": 0.9},
    optim.adagrad: {"learning_rate": 1e-2, "epsilon": 1e-8},
    optim.rmsprop: {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    optim.adam: {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
STATE = {
    optim.sgd: (),
    optim.sgd_momentum: ("velocity",),
    optim.nesterov_momentum: ("velocity",),
    optim.adagrad: ("cache",),
    optim.rmsprop: ("cache",),
    optim.adam: ("m", "v", "t"),
}
TASK_RULES = [r for r in DEFAULTS if r is not optim.sgd]


def _id(rule: Rule) -> str:
    return rule.__name__


@pytest.mark.parametrize("rule", list(DEFAULTS), ids=_id)
def test_defaults(rule: Rule) -> None:
    _, config = rule(W0, np.array([0.1, 0.2]))
    hyper = {k: v for k, v in config.items() if k not in STATE[rule]}
    assert hyper == DEFAULTS[rule]
    assert set(config) == set(DEFAULTS[rule]) | set(STATE[rule])


@pytest.mark.parametrize("rule", TASK_RULES, ids=_id)
def test_first_step_state(rule: Rule) -> None:
    """The state after one step from zero state, computed by hand with the defaults."""
    dw = np.array([0.1, -0.2])
    _, config = rule(W0, dw)
    expected = {
        "sgd_momentum": {"velocity": -1e-2 * dw},
        "nesterov_momentum": {"velocity": -1e-2 * dw},
        "adagrad": {"cache": dw**2},
        "rmsprop": {"cache": 0.01 * dw**2},
        "adam": {"m": 0.1 * dw, "v": 0.001 * dw**2},
    }[rule.__name__]
    for key, value in expected.items():
        np.testing.assert_allclose(config[key], value, rtol=1e-12)
    if rule is optim.adam:
        assert config["t"] == 1


@pytest.mark.parametrize("rule", list(DEFAULTS), ids=_id)
def test_user_hyperparameters_are_kept_and_config_is_the_same_dict(rule: Rule) -> None:
    config = {"learning_rate": 0.5}
    _, returned = rule(W0, np.array([0.1, 0.2]), config)
    assert returned is config
    assert config["learning_rate"] == 0.5
    assert all(config[k] == v for k, v in DEFAULTS[rule].items() if k != "learning_rate")


@pytest.mark.parametrize("rule", TASK_RULES, ids=_id)
def test_inputs_and_passed_state_are_not_mutated(rule: Rule) -> None:
    rng = np.random.default_rng(0)
    w, dw = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    config: dict = {}
    _, config = rule(w, dw, config)  # build some state
    state = {k: np.array(config[k], copy=True) for k in STATE[rule]}
    held = {k: config[k] for k in STATE[rule]}
    w_copy, dw_copy = w.copy(), dw.copy()
    next_w, config = rule(w, dw, config)
    np.testing.assert_array_equal(w, w_copy)
    np.testing.assert_array_equal(dw, dw_copy)
    assert not np.shares_memory(next_w, w)
    for k in STATE[rule]:
        # The arrays held by the previous config are left as they were.
        np.testing.assert_array_equal(held[k], state[k])


@pytest.mark.parametrize("rule", list(DEFAULTS), ids=_id)
@settings(max_examples=15, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=5),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_shape_dtype_and_finiteness(
    rule: Rule, shape: tuple[int, ...], dtype: type, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape).astype(dtype)
    config: dict = {}
    for _ in range(3):
        dw = rng.standard_normal(shape).astype(dtype)
        w, config = rule(w, dw, config)
        assert w.shape == shape and w.dtype == dtype
        assert np.all(np.isfinite(w))
        for k in STATE[rule]:
            if k != "t":
                assert config[k].shape == shape and config[k].dtype == dtype


@pytest.mark.parametrize("rule", list(DEFAULTS), ids=_id)
def test_numpy_scalar_hyperparameters_keep_float32(rule: Rule) -> None:
    """A learning rate drawn with numpy (e.g. in a random search) is a float64 scalar."""
    w = np.ones(3, dtype=np.float32)
    config = {"learning_rate": np.float64(10.0) ** -3}
    for _ in range(2):
        w, config = rule(w, np.full(3, 0.5, dtype=np.float32), config)
    assert w.dtype == np.float32


# ---------------------------------------------------------------- schedules


@pytest.mark.task("optim.step_decay")
def test_step_decay() -> None:
    assert optim.step_decay(1.0, 0) == 1.0
    assert optim.step_decay(1.0, 9) == 1.0
    assert optim.step_decay(1.0, 10) == 0.5
    assert optim.step_decay(1.0, 25) == 0.25
    assert optim.step_decay(0.3, 7, drop=0.1, every=3) == pytest.approx(0.3 * 0.01, rel=1e-15)
    assert optim.step_decay(2.0, 4.5, drop=0.5, every=2) == 0.5  # floor(2.25) = 2 drops


@pytest.mark.task("optim.exponential_decay")
def test_exponential_decay() -> None:
    assert optim.exponential_decay(2.0, 0) == 2.0
    assert optim.exponential_decay(2.0, 10) == pytest.approx(2.0 / math.e, rel=1e-15)
    assert optim.exponential_decay(1e-3, 5, k=math.log(2)) == pytest.approx(1e-3 / 32, rel=1e-14)


@pytest.mark.task("optim.inverse_time_decay")
def test_inverse_time_decay() -> None:
    assert optim.inverse_time_decay(1.0, 0) == 1.0
    assert optim.inverse_time_decay(1.0, 10) == pytest.approx(0.5, rel=1e-15)
    assert optim.inverse_time_decay(0.6, 4, k=0.5) == pytest.approx(0.2, rel=1e-15)


@pytest.mark.task("optim.cosine_decay")
def test_cosine_decay() -> None:
    assert optim.cosine_decay(1.0, 0, total=10) == 1.0
    assert optim.cosine_decay(1.0, 5, total=10) == pytest.approx(0.5, rel=1e-15)
    assert optim.cosine_decay(1.0, 10, total=10) == pytest.approx(0.0, abs=1e-16)
    assert optim.cosine_decay(1.0, 20, total=10) == pytest.approx(0.0, abs=1e-16)  # clipped
    assert optim.cosine_decay(1.0, 5, total=10, lr_min=0.2) == pytest.approx(0.6, rel=1e-15)
    assert optim.cosine_decay(1.0, 99, total=10, lr_min=0.2) == pytest.approx(0.2, rel=1e-15)
    # cos(pi / 3) = 1/2: 0.5 * (1 + 0.5) = 0.75
    assert optim.cosine_decay(1.0, 2, total=6) == pytest.approx(0.75, rel=1e-15)


SCHEDULES = [
    pytest.param(functools.partial(optim.step_decay, drop=0.5, every=3), id="step_decay"),
    pytest.param(functools.partial(optim.exponential_decay, k=0.2), id="exponential_decay"),
    pytest.param(functools.partial(optim.inverse_time_decay, k=0.2), id="inverse_time_decay"),
    pytest.param(functools.partial(optim.cosine_decay, total=20, lr_min=1e-5), id="cosine_decay"),
]


@pytest.mark.parametrize("schedule", SCHEDULES)
@settings(max_examples=30, deadline=None)
@given(lr0=st.floats(1e-4, 1.0), t=st.integers(0, 100), dt=st.integers(0, 10))
def test_schedules_are_python_floats_start_at_lr0_and_never_increase(
    schedule: Callable[[float, int], float], lr0: float, t: int, dt: int
) -> None:
    """Bound with functools.partial, every schedule is a function of (lr0, epoch)."""
    lr = schedule(lr0, t)
    assert type(lr) is float
    assert schedule(lr0, 0) == pytest.approx(lr0, rel=1e-15)
    assert 0 < schedule(lr0, t + dt) <= lr * (1 + 1e-12) <= lr0 * (1 + 1e-12)
    # numpy integers (e.g. from np.arange) work too and still give Python floats.
    assert type(schedule(lr0, np.int64(t))) is float
