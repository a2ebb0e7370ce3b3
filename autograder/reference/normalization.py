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
    ### BEGIN SOLUTION
    # float() keeps eps and momentum Python scalars, so float32 data stays float32.
    eps = float(bn_param.get("eps", 1e-5))
    momentum = float(bn_param.get("momentum", 0.9))
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    N = x.shape[0]
    if mode == "train":
        # The sum over the batch as a product with ones: one BLAS matrix-vector
        # pass over x, faster than x.mean(axis=0) on a C-ordered array.
        mean = (np.ones(N, dtype=x.dtype) @ x) / N
        xhat = x - mean  # centred here, normalised in place below
        # Sum of squares without an (N, D) temporary.
        var = np.einsum("ij,ij->j", xhat, xhat) / N
        running_mean = momentum * running_mean + (1.0 - momentum) * mean
        running_var = momentum * running_var + (1.0 - momentum) * var
    else:
        xhat = x - running_mean
        var = running_var
    std = np.sqrt(var + eps)
    inv_std = 1.0 / std
    xhat *= inv_std
    out = xhat * gamma
    out += beta
    cache = {"mode": mode, "xhat": xhat, "std": std, "inv_std": inv_std, "gamma": gamma}
    ### END SOLUTION

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


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
    ### BEGIN SOLUTION
    xhat, std, inv_std, gamma = cache["xhat"], cache["std"], cache["inv_std"], cache["gamma"]
    N = dout.shape[0]
    # out = gamma * xhat + beta
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    # xhat = xc * inv_std: xc and inv_std both receive gradient.
    dxc = dxhat * inv_std
    if cache["mode"] == "test":
        return dxc, dgamma, dbeta
    xc = xhat * std  # the centred input, recovered rather than cached
    dinv_std = (dxhat * xc).sum(axis=0)
    # inv_std = 1 / std
    dstd = -dinv_std * inv_std**2
    # std = sqrt(var + eps)
    dvar = 0.5 * dstd * inv_std
    # var = mean(xc ** 2): the second path into xc.
    dxc += (2.0 / N) * dvar * xc
    # xc = x - mean, mean = sum(x) / N: the path through the mean.
    dmean = -dxc.sum(axis=0)
    dx = dxc + dmean / N
    ### END SOLUTION
    return dx, dgamma, dbeta


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
    ### BEGIN SOLUTION
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    N = dout.shape[0]
    dbeta = np.ones(N, dtype=dout.dtype) @ dout  # the sum over the batch, by BLAS
    dgamma = np.einsum("ij,ij->j", dout, xhat)
    scale = gamma * inv_std
    if cache["mode"] == "test":
        return dout * scale, dgamma, dbeta
    # dx = gamma * inv_std * (dout - dbeta / N - xhat * dgamma / N): written
    # block by block into dx, so no other (N, D) array is ever allocated.
    xhat_coef, shift = dgamma / -N, dbeta / N
    dx = np.empty(dout.shape, dtype=np.result_type(dout, xhat, scale))
    # Blocks of about 512 KiB of rows: the arrays a step touches stay in the L2 cache.
    step = max(1, (1 << 19) // max(1, dx.shape[1] * dx.itemsize))
    for i in range(0, N, step):
        block = dx[i : i + step]
        np.multiply(xhat[i : i + step], xhat_coef, out=block)
        block -= shift
        block += dout[i : i + step]
        block *= scale
    ### END SOLUTION
    return dx, dgamma, dbeta


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
    ### BEGIN SOLUTION
    eps = float(ln_param.get("eps", 1e-5))
    D = x.shape[1]
    mean = x.mean(axis=1, keepdims=True)  # pairwise sums: accurate in float32 too
    out = np.subtract(x, mean, dtype=np.result_type(mean, gamma, beta))
    # Row-wise dot products as a stack of (1, D) @ (D, 1) products: BLAS, faster than einsum.
    var = (out[:, None, :] @ out[:, :, None]).reshape(-1) / D
    inv_std = 1.0 / np.sqrt(var + eps)[:, None]
    # out holds the centred x: normalise, scale and shift it in place, so the
    # output is the only (N, D) array made.
    out *= inv_std
    out *= gamma
    out += beta
    # x itself, not a copy (the backward pass recomputes the centred x block by
    # block): the caller must not modify x in place before the backward pass.
    cache = (x, mean, inv_std, gamma)
    ### END SOLUTION
    return out, cache


def layernorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of layer normalisation.

    Inputs / Returns: as for batchnorm_backward, with the cache returned by
    layernorm_forward: dx of shape (N, D), dgamma and dbeta of shape (D,).
    """
    # TODO: gamma and beta act per feature, so their gradients sum over the
    # samples; the normalisation acts per sample, so its sums run over features.
    ### BEGIN SOLUTION
    x, mean, inv_std, gamma = cache
    N, D = dout.shape
    dtype = np.result_type(dout, inv_std, gamma)
    dbeta = dout.sum(axis=0)
    dgamma = np.zeros(D, dtype=dtype)
    # Per row, with dxhat = dout * gamma and xhat = (x - mean) * inv_std:
    #   dx = inv_std * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
    mean_dxhat = (dout @ gamma)[:, None] / D
    dx = np.empty((N, D), dtype=dtype)
    # Everything else needs only its own rows, so rows go in blocks of about
    # 512 KiB: the centred x is recomputed into one small reused buffer (no
    # (N, D) temporaries) and dx is built in place, block by block.
    step = max(1, (1 << 19) // max(1, D * dx.itemsize))
    centred = np.empty((min(step, N), D), dtype=dtype)
    for i in range(0, N, step):
        rows = slice(i, i + step)
        inv = inv_std[rows]
        xc = centred[: min(step, N - i)]
        np.subtract(x[rows], mean[rows], out=xc)  # xhat / inv_std
        block = dx[rows]
        np.multiply(dout[rows], xc, out=block)  # scratch: dout * xhat / inv_std
        dgamma += inv[:, 0] @ block
        coef = (block @ gamma)[:, None] * (inv * inv / D)  # xhat * coef = xc * coef
        np.multiply(dout[rows], gamma, out=block)  # now dxhat
        block -= mean_dxhat[rows]
        xc *= coef
        block -= xc
        block *= inv
    ### END SOLUTION
    return dx, dgamma, dbeta
