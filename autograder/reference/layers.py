"""Layers, activation functions and losses, each as a forward/backward pair.

Every forward function returns ``(out, cache)``; its backward partner takes
``(dout, cache)`` and returns the gradient of the loss with respect to each
input of the forward pass. The cache holds whatever the backward pass needs.
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
