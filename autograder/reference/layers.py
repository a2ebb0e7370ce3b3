"""Layers, activation functions and losses, each as a forward/backward pair.

Every forward function returns ``(out, cache)``; its backward partner takes
``(dout, cache)`` and returns the gradient of the loss with respect to each
input of the forward pass. The cache holds whatever the backward pass needs.

The activation functions (ReLU, leaky ReLU, ELU, sigmoid, tanh) act
elementwise on x, an array of any shape. Each backward pass takes
- dout: upstream gradient, of the same shape as x
- cache: the cache returned by its forward pass
and returns
- dx: gradient with respect to x, of the same shape as x

The losses take
- x: class scores, of shape (N, C)
- y: labels, of shape (N,), integers with 0 <= y[i] < C
and return a tuple of
- loss: the loss averaged over the batch, a Python float
- dx: gradient of the loss with respect to x, of shape (N, C)
"""

from __future__ import annotations

from typing import Any

import numpy as np

Cache = Any


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Forward pass of a fully connected (affine) layer: out = x @ w + b.

    Each example x[i] of shape (d_1, ..., d_k) is flattened to a vector of
    length D = d_1 * ... * d_k before the product.

    Inputs:
    - x: input data, of shape (N, d_1, ..., d_k)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: what affine_backward needs, e.g. (x, w, b)
    """
    # TODO: flatten each example into a row, then apply the affine map.
    ### BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b
    ### END SOLUTION
    cache = (x, w, b)
    return out, cache


def affine_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a fully connected (affine) layer.

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: the cache returned by affine_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    # TODO: dx must have the original shape of x.
    ### BEGIN SOLUTION
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    ### END SOLUTION
    return dx, dw, db


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Forward pass of the rectified linear unit: out = max(0, x), elementwise.

    Inputs:
    - x: input, an array of any shape

    Returns a tuple of:
    - out: output, of the same shape and dtype as x
    - cache: x, for relu_backward
    """
    # TODO: keep the positive entries of x and replace the others by zero.
    ### BEGIN SOLUTION
    out = np.maximum(x, 0)
    ### END SOLUTION
    cache = x
    return out, cache


def relu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the rectified linear unit.

    The derivative at x == 0 is taken to be 0. The cache is the input x.

    Inputs / Returns: see the module docstring.
    """
    # TODO: the gradient passes where the unit was active and is blocked elsewhere.
    ### BEGIN SOLUTION
    x = cache
    # A product with the mask: np.where costs about three times as much here.
    dx = dout * (x > 0)
    ### END SOLUTION
    return dx


def leaky_relu_forward(x: np.ndarray, negative_slope: float = 0.01) -> tuple[np.ndarray, Cache]:
    """Forward pass of the leaky ReLU: out = x where x > 0, negative_slope * x elsewhere.

    Inputs:
    - x: input, an array of any shape
    - negative_slope: the slope used for non-positive inputs

    Returns a tuple of:
    - out: output, of the same shape and dtype as x
    - cache: (x, negative_slope), for leaky_relu_backward
    """
    # TODO: like ReLU, but non-positive inputs are scaled instead of zeroed.
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, negative_slope * x)
    ### END SOLUTION
    cache = (x, negative_slope)
    return out, cache


def leaky_relu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the leaky ReLU.

    The derivative at x == 0 is taken to be negative_slope. The cache is
    (x, negative_slope).

    Inputs / Returns: see the module docstring.
    """
    x, negative_slope = cache
    # TODO: the local slope is 1 on one side of zero and negative_slope on the other.
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, negative_slope * dout)
    ### END SOLUTION
    return dx


def prelu_forward(x: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Forward pass of the parametric ReLU, with one learnable slope per feature.

    out[n, d] = x[n, d] where x[n, d] > 0, alpha[d] * x[n, d] elsewhere.

    Inputs:
    - x: input data, of shape (N, D)
    - alpha: slopes for non-positive inputs, of shape (D,)

    Returns a tuple of:
    - out: output, of shape (N, D)
    - cache: (x, alpha), for prelu_backward
    """
    # TODO: a leaky ReLU whose slope is a vector; let broadcasting pair alpha[d] with column d.
    ### BEGIN SOLUTION
    out = np.where(x > 0, x, alpha * x)
    ### END SOLUTION
    cache = (x, alpha)
    return out, cache


def prelu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray]:
    """Backward pass of the parametric ReLU.

    The derivative with respect to x at x == 0 is taken to be alpha.

    Inputs:
    - dout: upstream gradient, of shape (N, D)
    - cache: the cache returned by prelu_forward, (x, alpha)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dalpha: gradient with respect to alpha, of shape (D,)
    """
    x, alpha = cache
    # TODO: alpha[d] only influences the non-positive entries of column d; every
    # example contributes to its gradient.
    ### BEGIN SOLUTION
    dx = np.where(x > 0, dout, alpha * dout)
    # x * [x <= 0] is min(x, 0), so no boolean mask is needed here.
    dalpha = (dout * np.minimum(x, 0)).sum(axis=0)
    ### END SOLUTION
    return dx, dalpha


def elu_forward(x: np.ndarray, alpha: float = 1.0) -> tuple[np.ndarray, Cache]:
    """Forward pass of the exponential linear unit.

    out = x where x > 0, alpha * (exp(x) - 1) elsewhere.

    Inputs:
    - x: input, an array of any shape
    - alpha: the value that out approaches as x goes to minus infinity is -alpha

    Returns a tuple of:
    - out: output, of the same shape and dtype as x
    - cache: (x, alpha), for elu_backward
    """
    # TODO: evaluate the exponential only where it cannot overflow; np.expm1 is
    # more accurate than exp(x) - 1 close to zero.
    ### BEGIN SOLUTION
    # Clipping at 0 keeps exp away from large positive inputs (overflow warnings);
    # those entries take the linear branch anyway.
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    ### END SOLUTION
    cache = (x, alpha)
    return out, cache


def elu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the exponential linear unit.

    The derivative at x == 0 is taken to be alpha (the left derivative). The
    cache is (x, alpha).

    Inputs / Returns: see the module docstring.
    """
    x, alpha = cache
    # TODO: differentiate each branch of the forward pass; mind overflow again.
    ### BEGIN SOLUTION
    # alpha * exp(x) rather than out + alpha: the latter loses all relative
    # precision once exp(x) drops below the dtype's resolution around alpha.
    dx = np.where(x > 0, dout, dout * (alpha * np.exp(np.minimum(x, 0))))
    ### END SOLUTION
    return dx


def sigmoid_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Forward pass of the logistic sigmoid: out = 1 / (1 + exp(-x)), elementwise.

    Must not overflow or warn for inputs of large magnitude (|x| of 1e3 and beyond).

    Inputs:
    - x: input, an array of any shape

    Returns a tuple of:
    - out: output in [0, 1], of the same shape and dtype as x
    - cache: out, for sigmoid_backward
    """
    # TODO: exp(-x) overflows for large negative x. Rewrite the formula so that
    # the exponential only ever sees non-positive arguments.
    ### BEGIN SOLUTION
    # With z = exp(-|x|) in (0, 1]: sigmoid(x) = 1 / (1 + z) for x >= 0 and
    # z / (1 + z) for x < 0. Both forms keep full relative precision.
    z = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0, z)
    out /= 1.0 + z
    ### END SOLUTION
    cache = out
    return out, cache


def sigmoid_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the logistic sigmoid.

    The cache is the output of the forward pass.

    Inputs / Returns: see the module docstring.
    """
    # TODO: the sigmoid's derivative can be written in terms of its own value.
    ### BEGIN SOLUTION
    out = cache
    dx = dout * (out * (1 - out))
    ### END SOLUTION
    return dx


def tanh_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Forward pass of the hyperbolic tangent, elementwise.

    Inputs / Returns: as for sigmoid_forward, but out lies in [-1, 1] and the
    cache (out) is for tanh_backward.
    """
    # TODO: numpy has a stable tanh of its own.
    ### BEGIN SOLUTION
    out = np.tanh(x)
    ### END SOLUTION
    cache = out
    return out, cache


def tanh_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the hyperbolic tangent.

    As for the sigmoid, the cache is the output of the forward pass.

    Inputs / Returns: see the module docstring.
    """
    # TODO: like the sigmoid, tanh's derivative is a function of its value.
    ### BEGIN SOLUTION
    out = cache
    dx = dout * (1 - out * out)
    ### END SOLUTION
    return dx


def maxout_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Forward pass of a maxout layer with K linear pieces.

    out[n, m] = max over k of (x @ w[k] + b[k])[n, m].

    Inputs:
    - x: input data, of shape (N, D)
    - w: weights of the K pieces, of shape (K, D, M)
    - b: biases of the K pieces, of shape (K, M)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w, b, winner), for maxout_backward, where winner, of shape
      (N, M) and integer dtype, holds the index k of the piece that gave
      out[n, m]; on ties, the first maximal piece (the one np.argmax picks)
    """
    # TODO: score every piece at once (np.matmul broadcasts over the leading
    # axis of w), then keep the best piece per output and remember which one it was.
    ### BEGIN SOLUTION
    scores = np.matmul(x, w)  # (K, N, M)
    scores += b[:, None, :]
    winner = scores.argmax(axis=0)
    out = np.take_along_axis(scores, winner[None], axis=0)[0]
    ### END SOLUTION
    cache = (x, w, b, winner)
    return out, cache


def maxout_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a maxout layer.

    Each output's gradient flows only through its winning piece (see maxout_forward).

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: the cache returned by maxout_forward, (x, w, b, winner)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dw: gradient with respect to w, of shape (K, D, M)
    - db: gradient with respect to b, of shape (K, M)
    """
    x, w, b, winner = cache
    # TODO: route dout to the winning piece of each output (zero for the others),
    # then backpropagate through each piece as through an affine layer.
    ### BEGIN SOLUTION
    dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, w))
    np.put_along_axis(dscores, winner[None], dout[None], axis=0)
    dx = np.matmul(dscores, w.transpose(0, 2, 1)).sum(axis=0)
    dw = np.matmul(x.T, dscores)
    db = dscores.sum(axis=1)
    ### END SOLUTION
    return dx, dw, db


def softmax_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax (cross-entropy) loss, averaged over the batch, and its gradient.

    loss = mean over i of -log(exp(x[i, y[i]]) / sum over j of exp(x[i, j])).
    Must stay finite and warning-free for logits (the scores x) of magnitude 1e4.

    Inputs / Returns: see the module docstring.
    """
    # TODO: work with log-probabilities. Shifting each row so that its largest
    # score is 0 changes nothing mathematically but keeps exp from overflowing
    # and the log away from zero.
    ### BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - x.max(axis=1, keepdims=True)
    # Every row of exp(shifted) contains a 1, so the sum is >= 1 and its log is finite.
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].sum() / N
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= N
    ### END SOLUTION
    return float(loss), dx


def svm_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Multiclass SVM (hinge) loss with margin 1, averaged over the batch, and its gradient.

    loss = mean over i of the sum over j != y[i] of max(0, x[i, j] - x[i, y[i]] + 1).
    Where a margin is exactly 0 the subgradient 0 is used.

    Inputs / Returns: see the module docstring.
    """
    # TODO: every violated margin pushes its class score up and the correct
    # class score down; the correct class itself never counts as a violation.
    ### BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    margins = x - x[rows, y][:, None] + 1
    margins[rows, y] = 0
    np.maximum(margins, 0, out=margins)
    loss = margins.sum() / N
    dx = (margins > 0).astype(x.dtype)
    dx[rows, y] = -dx.sum(axis=1)
    dx /= N
    ### END SOLUTION
    return float(loss), dx


def dropout_forward(x: np.ndarray, dropout_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Forward pass of inverted dropout.

    In training, each unit is kept with probability p and dropped (set to zero)
    otherwise; kept units are divided by p so that the expected value of every
    output equals its input, and test time needs no rescaling.

    Inputs:
    - x: input, an array of any shape
    - dropout_param: a dict with the keys
      - p: the probability of KEEPING a unit, 0 < p <= 1
      - mode: 'train' (drop units) or 'test' (return x unchanged); anything else
        raises ValueError
      - seed (optional): when present, the mask is drawn from
        np.random.default_rng(seed), so the same seed gives the same mask (useful
        for gradient checks); when absent, from a freshly seeded generator

    Returns a tuple of:
    - out: output, of the same shape and dtype as x (x itself in test mode)
    - cache: (a copy of dropout_param, mask) for dropout_backward, where mask has
      x's shape and dtype and out = x * mask in training; mask is None in test mode
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
    if not 0 < p <= 1:
        raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
    # TODO: in training, draw a keep/drop decision per unit with rng and scale the
    # kept units (build mask as described above); in test mode the layer does nothing.
    ### BEGIN SOLUTION
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = None
    if mode == "train":
        mask = (rng.random(x.shape) < p).astype(x.dtype)
        mask /= p
        out = x * mask
    else:
        out = x
    ### END SOLUTION
    cache = (dict(dropout_param), mask)
    return out, cache


def dropout_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of inverted dropout.

    Inputs:
    - dout: upstream gradient, of the same shape as x
    - cache: the cache returned by dropout_forward, (dropout_param, mask)

    Returns:
    - dx: gradient with respect to x, of the same shape as x
    """
    dropout_param, mask = cache
    # TODO: in training, the gradient flows through the kept units with the same
    # scaling as the forward pass; in test mode it passes unchanged.
    ### BEGIN SOLUTION
    mode = dropout_param["mode"]
    if mode == "train":
        dx = dout * mask
    else:
        dx = dout
    ### END SOLUTION
    return dx
