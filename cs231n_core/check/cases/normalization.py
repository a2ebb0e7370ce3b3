"""Self-checks of the ``normalization`` tasks (graded by ``autograder/checks/normalization.py``).

Batchnorm's backward passes are checked on caches made in train mode only, as the
graded check does: the API makes no task of test-time gradients, so a backward pass
that ignores the mode is right. Whether the forward passes leave the arrays of
bn_param and ln_param untouched is not checked: the graded check does not grade it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from cs231n_core.check.cases._common import rng_of, scored_backward
from cs231n_core.check.harness import TOL32, Trial, case


def _bn_inputs(seed: int, n: int, d: int) -> tuple[np.ndarray, ...]:
    rng = rng_of(seed)
    x = rng.normal(5.0, 2.0, (n, d))
    gamma = rng.uniform(0.5, 1.5, d)
    beta = rng.standard_normal(d)
    dout = rng.standard_normal((n, d))
    running_mean = rng.standard_normal(d)
    running_var = rng.uniform(0.5, 2.0, d)
    return x, gamma, beta, dout, running_mean, running_var


@case("normalization.batchnorm_forward")
def _batchnorm_forward(t: Trial) -> None:
    fwd = t.mod("normalization").batchnorm_forward
    x, gamma, beta, _, rm, rv = _bn_inputs(5001, 8, 4)
    rm_in, rv_in = rm.copy(), rv.copy()
    bn_param = {
        "mode": "train",
        "momentum": 0.8,
        "eps": 1e-3,
        "running_mean": rm_in,
        "running_var": rv_in,
    }
    out, _ = t.unpack(t.call(fwd, x, gamma, beta, bn_param), 2, "batchnorm_forward")
    t.expect("train output", out)
    t.expect(
        "running statistics", bn_param.get("running_mean"), what="running_mean after a train step"
    )
    t.expect(
        "running statistics", bn_param.get("running_var"), what="running_var after a train step"
    )
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
    out, _ = t.unpack(t.call(fwd, x, gamma, beta, bn_param), 2, "batchnorm_forward")
    t.expect("test output", out)
    t.holds(
        "test mode keeps running statistics",
        np.array_equal(bn_param["running_mean"], rm)
        and np.array_equal(bn_param["running_var"], rv),
        "the running statistics changed in test mode",
    )
    bn_param = {"mode": "train"}
    t.call(fwd, x, gamma, beta, bn_param)
    t.expect(
        "defaults", bn_param.get("running_mean"), what="running_mean from zeros, default momentum"
    )
    t.expect(
        "defaults", bn_param.get("running_var"), what="running_var from zeros, default momentum"
    )
    f32 = [a.astype(np.float32) for a in (x, gamma, beta)]
    out, _ = t.unpack(t.call(fwd, *f32, {"mode": "train"}), 2, "batchnorm_forward")
    t.expect("float32", out, tol=TOL32)
    t.raises(
        "bad mode",
        ValueError,
        fwd,
        x,
        gamma,
        beta,
        {"mode": "eval"},
        what="an unknown mode raises ValueError",
    )


def _batchnorm_backward_case(t: Trial, name: str, seed: int) -> None:
    norm = t.mod("normalization")
    fwd, bwd = norm.batchnorm_forward, getattr(norm, name)
    x, gamma, beta, dout, rm, rv = _bn_inputs(seed, 6, 4)
    # Train mode only, as graded: test-time gradients are not part of the task.

    def param() -> dict[str, Any]:
        return {"mode": "train", "running_mean": rm.copy(), "running_var": rv.copy()}

    out, cache = t.unpack(t.dependency(fwd, x, gamma, beta, param()), 2, "batchnorm_forward")
    status = t.forward_check("forward out in train mode", out, "normalization.batchnorm_forward")
    # The cache's contents are yours to choose, so only your own cache can be used.
    scored_backward(
        t, bwd, dout, cache, ["dx", "dgamma", "dbeta"], status,
        "normalization.batchnorm_forward", mode="train"
    )
    grads: Any = (None, None, None)
    if not status.skip:
        _, cache = t.dependency(fwd, x, gamma, beta, param())
        grads = t.unpack(t.call(bwd, dout, cache), 3, name)
    dx, dgamma, dbeta = grads
    for part, got, at, f in (
        ("dx", dx, x, lambda v: fwd(v, gamma, beta, param())[0]),
        ("dgamma", dgamma, gamma, lambda v: fwd(x, v, beta, param())[0]),
        ("dbeta", dbeta, beta, lambda v: fwd(x, gamma, v, param())[0]),
    ):
        t.numerical(part, got, f, at, dout, skip=status.skip, mode="train")


case("normalization.batchnorm_backward")(
    partial(_batchnorm_backward_case, name="batchnorm_backward", seed=5002)
)
case("normalization.batchnorm_backward_alt")(
    partial(_batchnorm_backward_case, name="batchnorm_backward_alt", seed=5003)
)


@case("normalization.layernorm_forward")
def _layernorm_forward(t: Trial) -> None:
    fwd = t.mod("normalization").layernorm_forward
    rng = rng_of(5004)
    x = rng.normal(1.0, 3.0, (4, 6)) + rng.normal(0.0, 5.0, (4, 1))
    gamma, beta = rng.uniform(0.5, 1.5, 6), rng.standard_normal(6)
    ln_param = {"eps": 1e-4, "mode": "train"}
    out, _ = t.unpack(t.call(fwd, x, gamma, beta, ln_param), 2, "layernorm_forward")
    t.expect("out", out)
    out, _ = t.unpack(t.call(fwd, x, gamma, beta, {}), 2, "layernorm_forward")
    t.expect("defaults", out, what="the default eps")
    f32 = [a.astype(np.float32) for a in (x, gamma, beta)]
    out, _ = t.unpack(t.call(fwd, *f32, {}), 2, "layernorm_forward")
    t.expect("float32", out, tol=TOL32)


@case("normalization.layernorm_backward")
def _layernorm_backward(t: Trial) -> None:
    norm = t.mod("normalization")
    fwd = norm.layernorm_forward
    rng = rng_of(5005)
    x = rng.normal(1.0, 3.0, (4, 6))
    gamma, beta = rng.uniform(0.5, 1.5, 6), rng.standard_normal(6)
    dout = rng.standard_normal((4, 6))
    out, cache = t.unpack(t.dependency(fwd, x, gamma, beta, {}), 2, "layernorm_forward")
    status = t.forward_check("forward out", out, "normalization.layernorm_forward")
    scored_backward(
        t, norm.layernorm_backward, dout, cache, ["dx", "dgamma", "dbeta"], status,
        "normalization.layernorm_forward"
    )
    grads: Any = (None, None, None)
    if not status.skip:
        _, cache = t.dependency(fwd, x, gamma, beta, {})
        grads = t.unpack(t.call(norm.layernorm_backward, dout, cache), 3, "layernorm_backward")
    dx, dgamma, dbeta = grads
    t.numerical("dx", dx, lambda v: fwd(v, gamma, beta, {})[0], x, dout, skip=status.skip)
    t.numerical("dgamma", dgamma, lambda v: fwd(x, v, beta, {})[0], gamma, dout, skip=status.skip)
    t.numerical("dbeta", dbeta, lambda v: fwd(x, gamma, v, {})[0], beta, dout, skip=status.skip)
