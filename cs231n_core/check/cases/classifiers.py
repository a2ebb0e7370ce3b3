"""Self-checks of the ``classifiers`` tasks (graded by ``autograder/checks/classifiers.py``).

The net's loss is scored under the graded check's parts: its scores, the data loss
(reg = 0) or the loss with its L2 term (reg > 0), and its gradients grouped as dW,
db, "dgamma, dbeta" and dalpha.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from cs231n_core.check.cases._common import rng_of
from cs231n_core.check.harness import (
    NOISE,
    TOL,
    TOL32,
    Trial,
    _error_detail,
    _limit,
    _needs,
    _task_named,
    case,
)
from cs231n_core.check.parts import GRAD_TOL, MASK_TOL
from cs231n_core.gradient_check import eval_numerical_gradient

# The layers of later notebooks (03 and 06) that the net's options use.
_LATER_LAYERS = ("normalization.", "layers.dropout_")
_NET_NOTE = " (your net calls your layers: make sure their own checks pass)"


def _bare_net(classifiers: ModuleType, params: dict[str, np.ndarray], **attrs: Any) -> Any:
    """A FullyConnectedNet with these parameters, made without calling your __init__
    (loss only reads the attributes set here), so the loss check does not need it."""
    net = classifiers.FullyConnectedNet.__new__(classifiers.FullyConnectedNet)
    net.params = params
    net.num_layers = sum(1 for k in params if k.startswith("W"))
    net.reg = attrs.pop("reg", 0.0)
    net.dtype = attrs.pop("dtype", np.float64)
    net.normalization = attrs.pop("normalization", None)
    net.activation = attrs.pop("activation", "relu")
    keep = attrs.pop("dropout_keep_ratio", 1.0)
    net.use_dropout = keep != 1
    net.dropout_param = {"mode": "train", "p": keep, "seed": 5} if net.use_dropout else {}
    n_hidden = net.num_layers - 1
    if net.normalization == "batchnorm":
        net.bn_params = [{"mode": "train"} for _ in range(n_hidden)]
    elif net.normalization == "layernorm":
        net.bn_params = [{} for _ in range(n_hidden)]
    else:
        net.bn_params = []
    net.weight_init = None
    assert not attrs, attrs
    return net


def _net_params(
    rng: np.random.Generator, dims: Sequence[int], normalization: str | None, prelu: bool
) -> dict[str, np.ndarray]:
    params: dict[str, np.ndarray] = {}
    for i in range(1, len(dims)):
        params[f"W{i}"] = rng.standard_normal((dims[i - 1], dims[i])) / math.sqrt(dims[i - 1])
        params[f"b{i}"] = 0.1 * rng.standard_normal(dims[i])
        if i == len(dims) - 1:
            break
        if normalization:
            params[f"gamma{i}"] = rng.uniform(0.5, 1.5, dims[i])
            params[f"beta{i}"] = 0.1 * rng.standard_normal(dims[i])
        if prelu:
            params[f"alpha{i}"] = rng.uniform(0.1, 0.3, dims[i])
    return params


def _grad_part(name: str) -> str:
    """The part of a parameter's gradient, grouped as the graded check groups them."""
    kind = name.rstrip("0123456789")
    return {"b": "db", "gamma": "dgamma, dbeta", "beta": "dgamma, dbeta", "alpha": "dalpha"}.get(
        kind, "dW"
    )


def _grad_groups(params: Mapping[str, Any]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for name in params:
        groups.setdefault(_grad_part(name), []).append(name)
    return groups


def _expect_grads(
    t: Trial, what: str, params: Mapping[str, Any], grads: Any, tol: float = TOL
) -> None:
    """Score the gradients against stored answers, one line per part of the graded check."""
    if not isinstance(grads, dict):
        t.expect_all("dW", grads, tol, _NET_NOTE, what=what)  # reports what came instead
        return
    extra = {k: v for k, v in grads.items() if k not in params}
    for part, names in _grad_groups(params).items():
        chosen = {k: grads[k] for k in names if k in grads}
        t.expect_all(part, {**chosen, **(extra if part == "dW" else {})}, tol, _NET_NOTE, what=what)


def _skip_grads(t: Trial, what: str, params: Mapping[str, Any], reason: str) -> None:
    for part in _grad_groups(params):
        t.skip(part, reason, what=what)


def _net_gradient_part(
    t: Trial, what: str, net: Any, X: np.ndarray, y: np.ndarray, grads: Any
) -> None:
    for part, names in _grad_groups(net.params).items():
        _net_gradient_group(t, part, f"vs numerical gradient, {what}", names, net, X, y, grads)


def _net_gradient_group(
    t: Trial,
    part: str,
    what: str,
    names: Sequence[str],
    net: Any,
    X: np.ndarray,
    y: np.ndarray,
    grads: Any,
) -> None:
    """Compare grads with centered differences of net.loss for every parameter.

    The error of a parameter is max |numeric - analytic| over its entries, relative
    to its largest gradient entry: entries near 0 (whose elementwise relative error
    is mostly rounding noise) then do not decide. A parameter whose true gradient is
    0 (a bias right before batchnorm) agrees when both gradients are at noise level.
    """
    worst: tuple[float, float, float, str, str] = (-1.0, 0.0, GRAD_TOL, "", "")
    for name in names:
        analytic = grads.get(name) if isinstance(grads, dict) else None
        if type(analytic) is not np.ndarray or analytic.shape != net.params[name].shape:
            t.holds(part, False, f"no gradient of the right shape for {name}", what=what)
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            numeric = eval_numerical_gradient(
                lambda _: net.loss(X, y)[0], net.params[name], verbose=False
            )
        ana = np.asarray(analytic, dtype=np.float64)
        scale = float(np.abs(numeric).max() + np.abs(ana).max())
        err = 0.0 if scale < NOISE else float(np.abs(numeric - ana).max()) / scale
        limit, why = _limit(analytic, GRAD_TOL)
        if err / limit >= worst[0]:
            worst = (err / limit, err, limit, why, name)
    _, err, limit, why, name = worst
    detail = _error_detail(err, limit, why, name)
    t.holds(part, err < limit, detail + _NET_NOTE, detail, what=what)


_NO_ARGUMENT = (
    "your __init__ takes no {!r} argument (see its docstring): add it, with the "
    "documented default"
)


def _takes(cls: Any, name: str) -> bool:
    """Whether the constructor of cls takes the keyword argument ``name``."""
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return True  # no signature to read: let the call itself tell
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in params)


@case("classifiers.FullyConnectedNet.__init__")
def _net_init(t: Trial) -> None:
    classifiers = t.mod("classifiers")
    Net = classifiers.FullyConnectedNet
    net = t.call(
        Net, [6, 5], input_dim=8, num_classes=4, weight_scale=0.3, dtype=np.float64, seed=4001
    )
    t.expect_all("weight_scale", net.params, what="all params, weight_scale=0.3, seed=4001")
    what = "all params, batchnorm, prelu, float32"
    if _takes(Net, "activation"):
        net = t.call(
            Net,
            [4, 3],
            input_dim=5,
            num_classes=3,
            normalization="batchnorm",
            activation="prelu",
            dtype=np.float32,
            seed=4002,
        )
        t.expect_all("biases, gammas and betas", net.params, tol=TOL32, what=what)
    else:
        t.holds("PReLU slopes", False, _NO_ARGUMENT.format("activation"), what=what)
    net = t.call(Net, [4], input_dim=3, num_classes=2, normalization="layernorm", seed=4003)
    t.expect_all(
        "names and shapes", net.params, tol=TOL32, what="all params, layernorm, float32 by default"
    )
    for name, kwargs in (("he", {}), ("gaussian", {"std": 0.2})):
        _named_init_part(t, Net, name, kwargs)


def _named_init_part(t: Trial, Net: Any, name: str, kwargs: dict[str, Any]) -> None:
    """weight_init=name draws W1, W2, W3 in order with your initializer and the net's rng."""
    part, what = "weight_init", f"'{name}' draws W1, W2, W3 with your initializers.{name}"
    if not _takes(Net, "weight_init"):
        t.holds(part, False, _NO_ARGUMENT.format("weight_init"), what=what)
        return
    dims = [8, 6, 5, 4]
    seed = 4004
    try:
        init = getattr(t.mod("initializers"), name)
        rng = rng_of(seed)
        wanted = [init(dims[i], dims[i + 1], rng=rng, **kwargs) for i in range(3)]
        again = init(dims[0], dims[1], rng=rng_of(seed), **kwargs)
    except NotImplementedError as exc:
        reason = _needs(t, exc) or f"initializers.{name} is not implemented"
        t.skip(part, f"skipped: {reason}", what=what)
        return
    if not (type(again) is np.ndarray and np.array_equal(again, wanted[0])):
        t.skip(part, f"skipped: needs initializers.{name} to draw from its rng argument", what=what)
        return
    scale = {"weight_scale": kwargs["std"]} if "std" in kwargs else {}
    net = t.call(
        Net,
        dims[1:-1],
        input_dim=8,
        num_classes=4,
        weight_init=name,
        dtype=np.float64,
        seed=seed,
        **scale,
    )
    got = [net.params.get(f"W{i}") for i in (1, 2, 3)]
    args = ", ".join(["fan_in", "fan_out", *[f"{k}=weight_scale" for k in kwargs], "rng=rng"])
    t.holds(
        part,
        all(
            type(g) is np.ndarray and g.shape == w.shape and np.array_equal(g, w)
            for g, w in zip(got, wanted)
        ),
        f"call initializers.{name}({args}) for W1, W2, W3 in order, with the net's rng",
        what=what,
    )


def _later_task(t: Trial, exc: NotImplementedError) -> str:
    """The reason to skip a net whose normalization or dropout is not done yet.

    Those layers are tasks of later notebooks (normalization, then dropout): until
    they are done, the parts of the net that use them are skipped, not failed, so the
    check of the plain net passes in the notebook that teaches it. Any other
    NotImplementedError (the loss itself) goes on to the check's own report.
    """
    reason = _needs(t, exc)
    if reason is None or not _task_named(exc).startswith(_LATER_LAYERS):
        raise exc
    return f"skipped: {reason}"


def _skip_net(t: Trial, what: str, loss_part: str, params: Mapping[str, Any], reason: str) -> None:
    t.skip(loss_part, reason, what=what)
    _skip_grads(t, what, params, reason)
    _skip_grads(t, f"vs numerical gradient, {what}", params, reason)


@case("classifiers.FullyConnectedNet.loss")
def _net_loss(t: Trial) -> None:
    classifiers = t.mod("classifiers")
    rng = rng_of(4005)
    dims = [6, 5, 4, 3]
    X = rng.standard_normal((4, 2, 3))
    y = rng.integers(0, 3, 4)

    net = _bare_net(classifiers, _net_params(rng, dims, None, False), reg=0.1)
    t.expect("scores", t.call(net.loss, X), note=_NET_NOTE, what="y=None")
    loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
    t.expect_number("L2 term", loss, note=_NET_NOTE, what="relu, reg=0.1")
    _expect_grads(t, "relu, reg=0.1", net.params, grads)
    _net_gradient_part(t, "relu, reg=0.1", net, X, y, grads)

    for normalization, activation, reg in (
        ("batchnorm", "tanh", 0.0),
        ("layernorm", "prelu", 0.05),
    ):
        params = _net_params(rng, dims, normalization, activation == "prelu")
        net = _bare_net(
            classifiers, params, reg=reg, normalization=normalization, activation=activation
        )
        what = f"{normalization}, {activation}"
        part = "L2 term" if reg else "data loss"
        try:
            loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
        except NotImplementedError as exc:
            _skip_net(t, what, part, net.params, _later_task(t, exc))
            continue
        t.expect_number(part, loss, note=_NET_NOTE, what=what)
        _expect_grads(t, what, net.params, grads)
        _net_gradient_part(t, what, net, X, y, grads)

    params = _net_params(rng, dims, "batchnorm", False)
    net = _bare_net(classifiers, params, normalization="batchnorm")
    for i, bn_param in enumerate(net.bn_params):
        bn_param["running_mean"] = 0.1 * rng.standard_normal(dims[i + 1])
        bn_param["running_var"] = rng.uniform(0.5, 2.0, dims[i + 1])
    try:
        t.expect("scores", t.call(net.loss, X), note=_NET_NOTE, what="batchnorm in test mode")
    except NotImplementedError as exc:
        t.skip("scores", _later_task(t, exc), what="batchnorm in test mode")

    for activation in ("leaky_relu", "elu", "sigmoid"):
        net = _bare_net(classifiers, _net_params(rng, dims, None, False), activation=activation)
        loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
        t.expect_number("data loss", loss, note=_NET_NOTE, what=activation)
        _expect_grads(t, activation, net.params, grads)

    # Dropout with a seed is deterministic. Its stored answers apply only if your
    # dropout_forward draws the reference's masks for that seed (the docstring leaves
    # the drawing to you); tanh does not commute with dropout's scaling, so the order
    # of the layers matters.
    what = "dropout 0.75, tanh"
    net = _bare_net(
        classifiers, _net_params(rng, dims, None, False), dropout_keep_ratio=0.75, activation="tanh"
    )
    try:
        loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
    except NotImplementedError as exc:
        _skip_net(t, what, "data loss", net.params, _later_task(t, exc))
        _float32_net_part(t, classifiers, rng, dims, X, y)
        return
    again, _ = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
    same_masks = True
    for width in dims[1:-1]:
        probe, _ = t.unpack(
            t.dependency(
                t.mod("layers").dropout_forward,
                np.ones((len(X), width)),
                {"mode": "train", "p": 0.75, "seed": 5},
            ),
            2,
            "dropout_forward",
        )
        same_masks &= (
            t.forward_check(f"dropout mask of width {width}", probe, "layers.dropout_forward").skip
            is None
        )
    if same_masks:
        # 1e-5: a float32 mask (1/p rounded) is a correct choice that moves these by ~1e-7.
        t.expect_number("data loss", loss, tol=MASK_TOL, note=_NET_NOTE, what=what)
        _expect_grads(t, what, net.params, grads, tol=MASK_TOL)
    else:
        reason = "skipped: your dropout_forward draws other masks than the reference for a seed"
        t.skip("data loss", reason, what=what)
        _skip_grads(t, what, net.params, reason)
    if loss != again:
        reason = "skipped: needs layers.dropout_forward to give the same mask for the same seed"
        _skip_grads(t, f"vs numerical gradient, {what}", net.params, reason)
    else:
        _net_gradient_part(t, what, net, X, y, grads)
    _float32_net_part(t, classifiers, rng, dims, X, y)


def _float32_net_part(
    t: Trial,
    classifiers: ModuleType,
    rng: np.random.Generator,
    dims: Sequence[int],
    X: np.ndarray,
    y: np.ndarray,
) -> None:
    """A float32 net gives float32 gradients for every parameter."""
    params = {k: v.astype(np.float32) for k, v in _net_params(rng, dims, None, False).items()}
    net = _bare_net(classifiers, params, dtype=np.float32)
    loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
    t.holds(
        "dW",
        isinstance(grads, dict)
        and set(grads) == set(params)
        and all(getattr(g, "dtype", None) == np.float32 for g in grads.values()),
        "grads should have the keys and the dtype of net.params",
        what="float32 net: float32 gradients for every parameter",
    )
