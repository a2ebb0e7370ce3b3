# Student module of cs231n_core: replace each `raise NotImplementedError(<task id>)`
# with your implementation. Generated from the course's reference by
# `python -m autograder.maintain.build_stubs`; the instructor's copy is
# regenerated, yours is not.
"""Batch normalisation and layer normalisation, each as a forward/backward pair.

Both layers standardise activations and then apply a learnable per-feature
scale ``gamma`` and shift ``beta``:

    xhat = (x - mean) / sqrt(var + eps),    out = gamma * xhat + beta

Batch normalisation takes ``mean`` and ``var`` per feature over the mini-batch
(axis 0) during training and keeps running averages of them for test time.
Layer normalisation takes them per sample over its features (axis 1) and
behaves the same at training and test time.

Variances are biased (divided by the number of values averaged). Statistics
are computed in two passes (mean first, then the mean of squared deviations):
the one-pass form E[x^2] - E[x]^2 cancels catastrophically when |mean| is large
compared with the spread, which float32 activations easily reach.

For large inputs the speed of these layers is set by memory traffic, not by
arithmetic: every elementwise numpy operation reads and writes whole arrays,
so avoid (N, D) temporaries and update arrays in place where you can.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Forward pass of batch normalisation over a mini-batch of vectors.

    In train mode each feature is normalised with the mean and the biased
    variance of the mini-batch, and the running averages are updated:

        running_mean = momentum * running_mean + (1 - momentum) * batch_mean
        running_var = momentum * running_var + (1 - momentum) * batch_var

    In test mode each feature is normalised with running_mean and running_var
    instead, and nothing is updated. The batch statistics need N >= 2: with a
    single sample every centred value is 0, so the output is beta whatever x is.

    Inputs:
    - x: data, of shape (N, D)
    - gamma: scale, of shape (D,)
    - beta: shift, of shape (D,)
    - bn_param: dict with the keys
      - mode: 'train' or 'test' (required; anything else raises ValueError)
      - eps: constant added to the variance for numerical stability (default 1e-5)
      - momentum: weight of the old running averages (default 0.9)
      - running_mean: array of shape (D,) (default zeros)
      - running_var: array of shape (D,) (default zeros)
      In train mode the updated running_mean and running_var are stored back
      into bn_param as new arrays; the arrays passed in are not modified.

    Returns a tuple of:
    - out: normalised, scaled and shifted data, of shape (N, D), with the dtype
      of x when gamma and beta share it (float32 stays float32)
    - cache: what batchnorm_backward and batchnorm_backward_alt need; both take
      the same cache. Its contents are your choice (for instance a dict
      with the mode, xhat, sqrt(var + eps), its reciprocal and gamma).
      The backward passes must also work on a cache made in test mode.
    """
    mode = bn_param.get("mode")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")

    # TODO: in train mode, normalise with the batch mean and biased variance and
    # update the running averages (build new arrays, do not modify the old ones);
    # in test mode, normalise with the running averages. Then scale and shift.
    raise NotImplementedError("normalization.batchnorm_forward")


def batchnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of batch normalisation, node by node through the graph.

    Write the forward pass as a chain of elementary steps (mean, centring,
    variance, square root, reciprocal, product, scale, shift) and push the
    upstream gradient back through each step in turn, adding the gradients of
    every path that reaches a node.

    Inputs:
    - dout: upstream gradient, of shape (N, D)
    - cache: the cache returned by batchnorm_forward (train or test mode)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    """
    # TODO: in test mode the mean and variance are constants, so only the
    # direct path through xhat carries gradient to x.
    raise NotImplementedError("normalization.batchnorm_backward")


def batchnorm_backward_alt(
    dout: np.ndarray, cache: Cache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of batch normalisation in closed form.

    Simplify the gradient with respect to x on paper first, so that it is a
    single expression in dout, xhat, gamma and 1 / sqrt(var + eps) needing only
    per-feature sums over the batch. Meant to be at least twice as fast as
    batchnorm_backward for large inputs.

    Inputs / Returns: as for batchnorm_backward (the same cache, the same gradients).
    """
    # TODO: avoid (N, D) temporaries where you can; in-place updates help.
    raise NotImplementedError("normalization.batchnorm_backward_alt")


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Forward pass of layer normalisation.

    Each sample (row of x) is normalised with the mean and biased variance of
    its own D features, then every feature is scaled by gamma and shifted by
    beta. Train and test time behave the same, and there are no running
    averages. With D = 1 every centred value is 0, so the output is beta.

    Inputs:
    - x: data, of shape (N, D)
    - gamma: scale, of shape (D,)
    - beta: shift, of shape (D,)
    - ln_param: dict with the optional key
      - eps: constant added to the variance for numerical stability (default 1e-5)
      Other keys (e.g. a 'mode') are ignored; ln_param is not modified.

    Returns a tuple of:
    - out: of shape (N, D), with the dtype of x when gamma and beta share it
    - cache: what layernorm_backward needs (your choice of contents)
    """
    # TODO: the same computation as batch normalisation in train mode, along
    # the other axis. Keep in the cache what the backward pass needs.
    raise NotImplementedError("normalization.layernorm_forward")


def layernorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of layer normalisation.

    Inputs / Returns: as for batchnorm_backward, with the cache returned by
    layernorm_forward: dx of shape (N, D), dgamma and dbeta of shape (D,).
    """
    # TODO: gamma and beta act per feature, so their gradients sum over the
    # samples; the normalisation acts per sample, so its sums run over features.
    raise NotImplementedError("normalization.layernorm_backward")
