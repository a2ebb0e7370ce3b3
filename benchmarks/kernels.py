"""The reference's numerics against PyTorch on the CPU: same inputs, float64, same threads.

Each case returns a pair of zero-argument callables (reference, torch) doing the
same forward + backward work; ``measure`` times them interleaved, so both see the
same machine load, and reports the ratio of their medians.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np

from autograder.reference import classifiers, layers, normalization, optim

Case = tuple[Callable[[], object], Callable[[], object]]


def _torch() -> ModuleType:  # imported lazily: PyTorch is an optional benchmark extra
    import torch

    return torch


def affine(n: int = 1024, d: int = 1024, m: int = 1024) -> Case:
    torch = _torch()
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.standard_normal(m)
    dout = rng.standard_normal((n, m))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tdout = torch.tensor(dout)

    def ref() -> object:
        _, cache = layers.affine_forward(x, w, b)
        return layers.affine_backward(dout, cache)

    def pt() -> object:
        out = torch.addmm(tb, tx, tw)
        return torch.autograd.grad(out, (tx, tw, tb), tdout)

    return ref, pt


def _norm_inputs(n: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, d)) * 3 + 1
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    dout = rng.standard_normal((n, d))
    return x, gamma, beta, dout


def batchnorm(closed_form: bool, n: int = 1024, d: int = 1024) -> Case:
    torch = _torch()
    x, gamma, beta, dout = _norm_inputs(n, d)
    tx, tg, tb = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    tdout = torch.tensor(dout)
    rm, rv = torch.zeros(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64)
    backward = (
        normalization.batchnorm_backward_alt if closed_form else normalization.batchnorm_backward
    )

    def ref() -> object:
        _, cache = normalization.batchnorm_forward(x, gamma, beta, {"mode": "train"})
        return backward(dout, cache)

    def pt() -> object:
        out = torch.nn.functional.batch_norm(tx, rm, rv, tg, tb, training=True, eps=1e-5)
        return torch.autograd.grad(out, (tx, tg, tb), tdout)

    return ref, pt


def layernorm(n: int = 1024, d: int = 1024) -> Case:
    torch = _torch()
    x, gamma, beta, dout = _norm_inputs(n, d)
    tx, tg, tb = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    tdout = torch.tensor(dout)

    def ref() -> object:
        _, cache = normalization.layernorm_forward(x, gamma, beta, {})
        return normalization.layernorm_backward(dout, cache)

    def pt() -> object:
        out = torch.nn.functional.layer_norm(tx, (d,), tg, tb, eps=1e-5)
        return torch.autograd.grad(out, (tx, tg, tb), tdout)

    return ref, pt


def softmax_loss(n: int = 4096, c: int = 1000) -> Case:
    torch = _torch()
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((n, c)), rng.integers(0, c, n)
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y)

    def ref() -> object:
        return layers.softmax_loss(x, y)

    def pt() -> object:
        loss = torch.nn.functional.cross_entropy(tx, ty)
        return torch.autograd.grad(loss, (tx,))

    return ref, pt


def dropout(n: int = 4096, d: int = 1024, p: float = 0.5) -> Case:
    """Inverted dropout in training mode, a fresh mask each call (no seed on either side)."""
    torch = _torch()
    rng = np.random.default_rng(4)
    x, dout = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    tx, tdout = torch.tensor(x, requires_grad=True), torch.tensor(dout)
    param = {"p": p, "mode": "train"}

    def ref() -> object:
        _, cache = layers.dropout_forward(x, param)
        return layers.dropout_backward(dout, cache)

    def pt() -> object:
        # PyTorch's p is the probability of dropping a unit, the reference's of keeping it.
        out = torch.nn.functional.dropout(tx, 1 - p, training=True)
        return torch.autograd.grad(out, (tx,), tdout)

    return ref, pt


def training_step(batch: int = 256, width: int = 512, depth: int = 5, dim: int = 3072) -> Case:
    """One SGD step of a depth-layer, width-unit net with batchnorm (inputs of CIFAR size)."""
    torch = _torch()
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((batch, dim)), rng.integers(0, 10, batch)
    net = classifiers.FullyConnectedNet(
        [width] * (depth - 1), input_dim=dim, normalization="batchnorm", dtype=np.float64, seed=0
    )
    lr = 1e-3

    def ref() -> object:
        loss, grads = net.loss(x, y)
        for name, grad in grads.items():
            net.params[name], _ = optim.sgd(net.params[name], grad, {"learning_rate": lr})
        return loss

    modules: list = []
    for i in range(depth - 1):
        modules += [
            torch.nn.Linear(dim if i == 0 else width, width),
            torch.nn.BatchNorm1d(width),
            torch.nn.ReLU(),
        ]
    model = torch.nn.Sequential(*modules, torch.nn.Linear(width, 10)).double()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def pt() -> object:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(tx), ty)
        loss.backward()
        opt.step()
        return loss

    return ref, pt


def batchnorm_backward_only(n: int = 1024, d: int = 1024) -> Case:
    """The graph backward against the closed form on one cache (the reference only)."""
    x, gamma, beta, dout = _norm_inputs(n, d)
    _, cache = normalization.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    return (
        lambda: normalization.batchnorm_backward(dout, cache),
        lambda: normalization.batchnorm_backward_alt(dout, cache),
    )


CASES: dict[str, Callable[[], Case]] = {
    "affine fwd+bwd (1024x1024 @ 1024x1024)": affine,
    "batchnorm fwd+bwd, graph (1024x1024)": lambda: batchnorm(False),
    "batchnorm fwd+bwd, closed form (1024x1024)": lambda: batchnorm(True),
    "layernorm fwd+bwd (1024x1024)": layernorm,
    "softmax loss + grad (4096x1000)": softmax_loss,
    "dropout fwd+bwd, train (4096x1024)": dropout,
    "FC net training step (5x512, bn, batch 256)": training_step,
}
