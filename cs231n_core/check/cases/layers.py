"""Self-checks of the ``layers`` tasks (graded by ``autograder/checks/layers.py``).

Dropout's forward pass is not checked for the dtype of its output: the graded check
does not grade it either.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from cs231n_core.check.cases._common import away_from_zero, rng_of, scored_backward
from cs231n_core.check.harness import TOL32, CheckAbort, Trial, _describe, case


def _affine_inputs(
    rng: np.random.Generator, n: int, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x of shape (n, 2, 3), w of shape (6, m), b of shape (m,)."""
    x = rng.standard_normal((n, 2, 3))
    w = rng.standard_normal((6, m))
    b = rng.standard_normal(m)
    return x, w, b


@case("layers.affine_forward")
def _affine_forward(t: Trial) -> None:
    x, w, b = _affine_inputs(rng_of(1001), 4, 5)
    out, _ = t.unpack(t.call(t.mod("layers").affine_forward, x, w, b), 2, "affine_forward")
    t.expect("out", out)


@case("layers.affine_backward")
def _affine_backward(t: Trial) -> None:
    layers = t.mod("layers")
    rng = rng_of(1002)
    x, w, b = _affine_inputs(rng, 5, 4)
    dout = rng.standard_normal((5, 4))
    fwd = layers.affine_forward
    out, cache = t.unpack(t.dependency(fwd, x, w, b), 2, "affine_forward")
    status = t.forward_check("forward out", out, "layers.affine_forward")
    scored_backward(
        t, layers.affine_backward, dout, cache, ["dx", "dw", "db"], status,
        "layers.affine_forward", documented=lambda: (x, w, b)
    )
    if status.skip:
        for name in ("dx", "dw", "db"):
            t.skip(name, status.skip, what="vs numerical gradient")
        return
    _, cache = t.dependency(fwd, x, w, b)
    dx, dw, db = t.unpack(t.call(layers.affine_backward, dout, cache), 3, "affine_backward")
    t.numerical("dx", dx, lambda v: fwd(v, w, b)[0], x, dout)
    t.numerical("dw", dw, lambda v: fwd(x, v, b)[0], w, dout)
    t.numerical("db", db, lambda v: fwd(x, w, v)[0], b, dout)


def _elementwise_forward(
    t: Trial, name: str, x: np.ndarray, with_default: bool = False, **kwargs: Any
) -> None:
    """A forward pass of an elementwise layer on x, in float64 and float32; with_default:
    once more without kwargs, the layer's parameter left at the signature's default."""
    fn = getattr(t.mod("layers"), name)
    out, _ = t.unpack(t.call(fn, x, **kwargs), 2, name)
    t.expect("out", out)
    out32, _ = t.unpack(t.call(fn, x.astype(np.float32), **kwargs), 2, name)
    t.expect("out", out32, tol=TOL32, what="float32 input")
    if with_default:
        out, _ = t.unpack(t.call(fn, x), 2, name)
        t.expect("out", out, what=f"the default {', '.join(kwargs)}")


def _elementwise_backward(
    t: Trial,
    name: str,
    x_stored: np.ndarray,
    x_smooth: np.ndarray,
    seed: int,
    documented: Callable[[np.ndarray], Any],
    **kwargs: Any,
) -> None:
    """A backward pass of an elementwise layer: stored answers on x_stored (which may hold
    kinks such as exact zeros) and a numerical gradient on x_smooth (kink-free).
    documented(x_stored) is the cache the docstring describes."""
    layers = t.mod("layers")
    forward = getattr(layers, f"{name}_forward")
    backward = getattr(layers, f"{name}_backward")
    rng = rng_of(seed)
    dout = rng.standard_normal(x_stored.shape)
    out, cache = t.unpack(t.dependency(forward, x_stored, **kwargs), 2, f"{name}_forward")
    status = t.forward_check("forward out", out, f"layers.{name}_forward")
    scored_backward(
        t, backward, dout, cache, ["dx"], status,
        f"layers.{name}_forward", documented=lambda: documented(x_stored)
    )
    dout = rng.standard_normal(x_smooth.shape)
    out, cache = t.unpack(t.dependency(forward, x_smooth, **kwargs), 2, f"{name}_forward")
    status = t.forward_check("forward out (smooth input)", out, f"layers.{name}_forward")
    dx = t.call(backward, dout, cache) if not status.skip else None
    t.numerical(
        "dx",
        dx,
        lambda v: forward(v, **kwargs)[0],
        x_smooth,
        dout,
        skip=status.skip,
    )


def _with_zeros(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    x = rng.standard_normal(shape)
    x[0, :2] = 0.0  # the documented derivative at exactly 0
    return x


@case("layers.relu_forward")
def _relu_forward(t: Trial) -> None:
    _elementwise_forward(t, "relu_forward", _with_zeros(rng_of(1003), (4, 5)))


@case("layers.relu_backward")
def _relu_backward(t: Trial) -> None:
    rng = rng_of(1004)
    x, smooth = _with_zeros(rng, (4, 5)), away_from_zero(rng, (3, 6))
    _elementwise_backward(t, "relu", x, smooth, 1104, lambda v: v)


@case("layers.leaky_relu_forward")
def _leaky_relu_forward(t: Trial) -> None:
    x = _with_zeros(rng_of(1005), (4, 5))
    _elementwise_forward(t, "leaky_relu_forward", x, with_default=True, negative_slope=0.05)


@case("layers.leaky_relu_backward")
def _leaky_relu_backward(t: Trial) -> None:
    rng = rng_of(1006)
    x, smooth = _with_zeros(rng, (4, 5)), away_from_zero(rng, (3, 6))
    _elementwise_backward(
        t, "leaky_relu", x, smooth, 1106, lambda v: (v, 0.05), negative_slope=0.05
    )


@case("layers.prelu_forward")
def _prelu_forward(t: Trial) -> None:
    rng = rng_of(1007)
    x = _with_zeros(rng, (5, 4))
    alpha = rng.uniform(0.1, 0.4, 4)
    out, _ = t.unpack(t.call(t.mod("layers").prelu_forward, x, alpha), 2, "prelu_forward")
    t.expect("out", out)


@case("layers.prelu_backward")
def _prelu_backward(t: Trial) -> None:
    layers = t.mod("layers")
    fwd = layers.prelu_forward
    rng = rng_of(1008)
    alpha = rng.uniform(0.1, 0.4, 4)
    x = _with_zeros(rng, (5, 4))
    dout = rng.standard_normal((5, 4))
    out, cache = t.unpack(t.dependency(fwd, x, alpha), 2, "prelu_forward")
    status = t.forward_check("forward out", out, "layers.prelu_forward")
    scored_backward(
        t, layers.prelu_backward, dout, cache, ["dx", "dalpha"], status,
        "layers.prelu_forward", documented=lambda: (x, alpha)
    )
    x = away_from_zero(rng, (6, 4))
    dout = rng.standard_normal((6, 4))
    out, cache = t.unpack(t.dependency(fwd, x, alpha), 2, "prelu_forward")
    status = t.forward_check("forward out (smooth input)", out, "layers.prelu_forward")
    dx = dalpha = None
    if not status.skip:
        dx, dalpha = t.unpack(t.call(layers.prelu_backward, dout, cache), 2, "prelu_backward")
    t.numerical("dx", dx, lambda v: fwd(v, alpha)[0], x, dout, skip=status.skip)
    t.numerical(
        "dalpha",
        dalpha,
        lambda v: fwd(x, v)[0],
        alpha,
        dout,
        skip=status.skip,
    )


def _with_extremes(rng: np.random.Generator, big: float) -> np.ndarray:
    """Random entries plus exact zeros and values of large magnitude (overflow traps)."""
    x = rng.standard_normal((4, 5))
    x[0] = [-big, -30.0, 0.0, 30.0, big]
    return x


@case("layers.elu_forward")
def _elu_forward(t: Trial) -> None:
    x = _with_extremes(rng_of(1009), 800.0)
    _elementwise_forward(t, "elu_forward", x, with_default=True, alpha=0.7)


@case("layers.elu_backward")
def _elu_backward(t: Trial) -> None:
    rng = rng_of(1010)
    x, smooth = _with_extremes(rng, 800.0), away_from_zero(rng, (3, 6))
    _elementwise_backward(t, "elu", x, smooth, 1110, lambda v: (v, 0.7), alpha=0.7)


def _squashing_cases(name: str, forward_seed: int, backward_seed: int, dout_seed: int) -> None:
    """Register the checks of sigmoid or tanh: inputs of magnitude up to 1e3, and a
    backward pass whose documented cache is the forward output (from the stored answers)."""

    @case(f"layers.{name}_forward")
    def _forward(t: Trial) -> None:
        _elementwise_forward(t, f"{name}_forward", _with_extremes(rng_of(forward_seed), 1000.0))

    @case(f"layers.{name}_backward")
    def _backward(t: Trial) -> None:
        rng = rng_of(backward_seed)
        x, smooth = _with_extremes(rng, 1000.0), rng.standard_normal((3, 6))
        _elementwise_backward(t, name, x, smooth, dout_seed, lambda v: t.answer("forward out"))


_squashing_cases("sigmoid", 1011, 1012, 1112)
_squashing_cases("tanh", 1013, 1014, 1114)


def _maxout_inputs(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = rng_of(seed)
    return (
        rng.standard_normal((4, 3)),
        rng.standard_normal((3, 3, 2)),
        rng.standard_normal((3, 2)),
    )


@case("layers.maxout_forward")
def _maxout_forward(t: Trial) -> None:
    x, w, b = _maxout_inputs(1015)
    out, _ = t.unpack(t.call(t.mod("layers").maxout_forward, x, w, b), 2, "maxout_forward")
    t.expect("out", out)


def _documented_maxout_cache(
    t: Trial, x: np.ndarray, w: np.ndarray, b: np.ndarray, suffix: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cache the reference documents for maxout: inputs and the winning piece."""
    return (x, w, b, t.answer("winner" + suffix))


@case("layers.maxout_backward")
def _maxout_backward(t: Trial) -> None:
    layers = t.mod("layers")
    fwd = layers.maxout_forward
    x, w, b = _maxout_inputs(1016)
    dout = rng_of(1116).standard_normal((4, 2))
    tied_w, tied_b = w.copy(), b.copy()
    tied_w[2], tied_b[2] = w[0], b[0]  # pieces 0 and 2 tie: the first one wins
    for what, (ww, bb) in (("", (w, b)), ("with tied pieces", (tied_w, tied_b))):
        suffix = f" {what}" if what else ""
        out, cache = t.unpack(t.dependency(fwd, x, ww, bb), 2, "maxout_forward")
        status = t.forward_check("forward out" + suffix, out, "layers.maxout_forward")
        if t.recording:
            t.record_extra("winner" + suffix, cache[3])  # the reference's documented cache
        scored_backward(
            t, layers.maxout_backward, dout, cache, ["dx", "dw", "db"], status,
            "layers.maxout_forward", what=what,
            documented=functools.partial(_documented_maxout_cache, t, x, ww, bb, suffix)
        )
    # These inputs keep every winning piece at least 1e-2 ahead of the others, so the
    # centered differences never cross a kink (the tied inputs are not used here).
    out, cache = t.unpack(t.dependency(fwd, x, w, b), 2, "maxout_forward")
    status = t.forward_check("forward out", out, "layers.maxout_forward")
    grads: Any = (None, None, None)
    if not status.skip:
        grads = t.unpack(t.call(layers.maxout_backward, dout, cache), 3, "maxout_backward")
    dx, dw, db = grads
    t.numerical("dx", dx, lambda v: fwd(v, w, b)[0], x, dout, skip=status.skip)
    t.numerical("dw", dw, lambda v: fwd(x, v, b)[0], w, dout, skip=status.skip)
    t.numerical("db", db, lambda v: fwd(x, w, v)[0], b, dout, skip=status.skip)


def _loss_case(t: Trial, name: str, seed: int) -> None:
    fn = getattr(t.mod("layers"), name)
    rng = rng_of(seed)
    x = 1.5 * rng.standard_normal((6, 4))
    y = rng.integers(0, 4, 6)
    loss, dx = t.unpack(t.call(fn, x, y), 2, name)
    t.expect_number("loss", loss)
    t.expect("dx", dx)
    t.numerical("dx", dx, lambda v: fn(v, y)[0], x)
    big = 1e4 * rng.standard_normal((3, 5))
    y_big = rng.integers(0, 5, 3)
    loss, dx = t.unpack(t.call(fn, big, y_big), 2, name)
    t.expect_number("loss", loss, what="scores of magnitude 1e4")
    t.expect("dx", dx, what="scores of magnitude 1e4")


case("layers.softmax_loss")(functools.partial(_loss_case, name="softmax_loss", seed=1017))
# Every margin of the svm scores is at least 1e-2 away from 0 (no kink nearby).
case("layers.svm_loss")(functools.partial(_loss_case, name="svm_loss", seed=1018))


@case("layers.dropout_forward")
def _dropout_forward(t: Trial) -> None:
    fwd = t.mod("layers").dropout_forward
    rng = rng_of(1019)
    x = 1.0 + rng.standard_normal((400, 500))
    p = 0.3
    out, _ = t.unpack(t.call(fwd, x, {"mode": "test", "p": p}), 2, "dropout_forward")
    t.holds(
        "test mode",
        type(out) is np.ndarray and np.array_equal(out, x),
        f"got {_describe(out)} that differs from x",
    )
    out, _ = t.unpack(t.call(fwd, x, {"mode": "train", "p": p, "seed": 7}), 2, "dropout_forward")
    if type(out) is not np.ndarray or out.shape != x.shape:
        raise CheckAbort(f"train mode should return an array of x's shape, got {_describe(out)}")
    kept = out != 0
    # Expected value p with a standard deviation below 1e-3 over 200,000 units.
    t.within("keep rate", "fraction of units kept", float(kept.mean()), p - 0.008, p + 0.008)
    t.close("scaling", out[kept], x[kept] / p, what="kept units are x / p")
    # mean(out) has mean mean(x) and standard deviation about 5e-3 here.
    mean = float(x.mean())
    t.within("scaling", "mean of the output", float(out.mean()), mean - 0.04, mean + 0.04)
    again, _ = t.unpack(t.call(fwd, x, {"mode": "train", "p": p, "seed": 7}), 2, "dropout_forward")
    t.holds(
        "seed",
        type(again) is np.ndarray and np.array_equal(again, out),
        "two calls with seed 7 gave different outputs: draw the mask from "
        "np.random.default_rng(dropout_param['seed'])",
        what="the same seed gives the same mask",
    )
    other, _ = t.unpack(t.call(fwd, x, {"mode": "train", "p": p, "seed": 8}), 2, "dropout_forward")
    t.holds(
        "seed",
        type(other) is np.ndarray and not np.array_equal(other, out),
        "seeds 7 and 8 gave the same output",
        what="another seed gives another mask",
    )
    fresh = [
        t.unpack(t.call(fwd, x, {"mode": "train", "p": p}), 2, "dropout_forward")[0]
        for _ in range(2)
    ]
    t.holds(
        "seed",
        all(type(f) is np.ndarray for f in fresh) and not np.array_equal(*fresh),
        "two calls without a seed gave the same output: seed the generator only when "
        "dropout_param has a 'seed'",
        what="no seed gives a fresh mask every call",
    )
    out1, _ = t.unpack(t.call(fwd, x, {"mode": "train", "p": 1.0}), 2, "dropout_forward")
    t.holds(
        "keep rate",
        type(out1) is np.ndarray and np.allclose(out1, x, rtol=1e-12, atol=0),
        "with p = 1 the output should equal x",
        what="p = 1 keeps every unit",
    )


@case("layers.dropout_backward")
def _dropout_backward(t: Trial) -> None:
    layers = t.mod("layers")
    rng = rng_of(1020)
    x = away_from_zero(rng, (6, 5))
    dout = rng.standard_normal((6, 5))
    param = {"mode": "train", "p": 0.6, "seed": 11}
    out, cache = t.unpack(
        t.dependency(layers.dropout_forward, x, dict(param)), 2, "dropout_forward"
    )
    if type(out) is not np.ndarray or out.shape != x.shape:
        raise CheckAbort(
            f"dropout_forward should return an array of x's shape, got {_describe(out)}"
        )
    dx = t.call(layers.dropout_backward, dout, cache)
    # Inverted dropout computes out = x * mask, so d out / dx is mask = out / x.
    t.close("train", dx, dout * (out / x), what="dout * mask")
    again, _ = t.unpack(t.dependency(layers.dropout_forward, x, dict(param)), 2, "dropout_forward")
    deterministic = type(again) is np.ndarray and np.array_equal(again, out)
    skip = (
        None
        if deterministic
        else ("skipped: needs layers.dropout_forward to give the same mask for the same seed")
    )
    t.numerical(
        "train",
        dx,
        lambda v: layers.dropout_forward(v, dict(param))[0],
        x,
        dout,
        skip=skip,
    )
    _, cache = t.unpack(
        t.dependency(layers.dropout_forward, x, {"mode": "test", "p": 0.6}), 2, "dropout_forward"
    )
    dx = t.call(layers.dropout_backward, dout, cache)
    t.close("test", dx, dout, what="dout")
