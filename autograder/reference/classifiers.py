"""A fully connected network of any depth, built from the layers of this package.

The architecture is

    {affine - [batchnorm/layernorm] - activation - [dropout]} x (L - 1) - affine - softmax

where the bracketed layers are optional. The learnable parameters live in the
dictionary ``self.params`` and the loss function returns their gradients under
the same keys, so the network plugs into ``Solver`` and the update rules of
``optim`` unchanged.

The layers come from ``cs231n_core.layers`` and ``cs231n_core.normalization``, the
weight initialisers from ``cs231n_core.initializers``: import what you use at the top
of this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import initializers
from .layers import (
    affine_backward,
    affine_forward,
    dropout_backward,
    dropout_forward,
    elu_backward,
    elu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    prelu_backward,
    prelu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_loss,
    tanh_backward,
    tanh_forward,
)
from .normalization import (
    batchnorm_backward,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)

ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh")
NORMALIZATIONS: tuple[str | None, ...] = (None, "batchnorm", "layernorm")
WEIGHT_INITS: tuple[str | None, ...] = (
    None, "gaussian", "xavier", "glorot_uniform", "he", "orthogonal", "zeros",
)
PRELU_INIT = 0.25  # initial slope of PReLU's negative part (He et al. 2015)


class FullyConnectedNet:
    """A fully connected network with softmax loss and optional normalization and dropout.

    For a network with L layers (L - 1 hidden layers) the parameters are:
    - W1 .. WL: weights, Wi of shape (D_{i-1}, D_i) with D_0 = input_dim, D_L = num_classes
    - b1 .. bL: biases, bi of shape (D_i,)
    - gamma1 .. gamma{L-1}, beta1 .. beta{L-1}: scale and shift of the normalization
      layers (only when normalization is not None), of shape (D_i,)
    - alpha1 .. alpha{L-1}: the learned negative slopes of PReLU (only when
      activation == 'prelu'), of shape (D_i,)

    Attributes:
    - params: dict of parameter name -> array (all of dtype `dtype`)
    - reg: L2 regularization strength (on the weights W1 .. WL only)
    - dtype: numpy dtype of every computation
    - num_layers: L = len(hidden_dims) + 1
    - normalization: None, 'batchnorm' or 'layernorm'
    - activation: one of ACTIVATIONS
    - use_dropout: True when dropout_keep_ratio < 1
    - dropout_param: dict passed to dropout_forward (keys 'mode', 'p' and, when a
      seed is given, 'seed'); empty without dropout
    - bn_params: list of L - 1 dicts passed to the normalization layers (they keep
      batchnorm's running statistics); empty without normalization
    """

    def __init__(
        self,
        hidden_dims: Sequence[int],
        input_dim: int = 3 * 32 * 32,
        num_classes: int = 10,
        dropout_keep_ratio: float = 1,
        normalization: str | None = None,
        reg: float = 0.0,
        weight_scale: float = 1e-2,
        dtype: type | np.dtype = np.float32,
        seed: int | None = None,
        activation: str = "relu",
        weight_init: str | None = None,
    ) -> None:
        """Build a new network.

        Inputs:
        - hidden_dims: sizes of the hidden layers, a sequence of positive ints (may be empty)
        - input_dim: size D of the input; an input x of shape (N, d_1, ..., d_k)
          needs d_1 * ... * d_k == D
        - num_classes: number C of classes
        - dropout_keep_ratio: probability of KEEPING a unit in dropout; 1 means no dropout
        - normalization: None, 'batchnorm' or 'layernorm'
        - reg: L2 regularization strength; the loss gets 0.5 * reg * sum(W ** 2)
          for every weight matrix W (not for biases, gammas, betas or alphas)
        - weight_scale: standard deviation of the weights when weight_init is None
          (and for weight_init='gaussian')
        - dtype: numpy dtype of the parameters and of every computation; float64 for
          gradient checks, float32 to train faster
        - seed: if given, the weights are reproducible and dropout is deterministic
        - activation: one of 'relu', 'leaky_relu', 'prelu', 'elu', 'sigmoid', 'tanh'
        - weight_init: None for N(0, weight_scale ** 2) weights, else the name of an
          initializer of `initializers`: 'gaussian', 'xavier', 'glorot_uniform',
          'he', 'orthogonal' or 'zeros'

        Raises ValueError for an unknown normalization, activation or weight_init,
        or for a dropout_keep_ratio outside (0, 1].
        """
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"unknown normalization {normalization!r}; use one of {NORMALIZATIONS}"
            )
        if activation not in ACTIVATIONS:
            hint = " (maxout needs its own weight layout and is not supported here)"
            raise ValueError(
                f"unknown activation {activation!r}; use one of {ACTIVATIONS}"
                + (hint if activation == "maxout" else "")
            )
        if weight_init not in WEIGHT_INITS:
            raise ValueError(f"unknown weight_init {weight_init!r}; use one of {WEIGHT_INITS}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio must lie in (0, 1], got {dropout_keep_ratio}")
        hidden_dims = [int(h) for h in hidden_dims]
        if any(h <= 0 for h in hidden_dims):
            raise ValueError(f"hidden_dims must be positive, got {hidden_dims}")

        self.normalization = normalization
        self.activation = activation
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.weight_init = weight_init
        self.params: dict[str, np.ndarray] = {}

        # Dropout with a seed draws the same mask on every call, which makes the
        # loss a deterministic function of the parameters (needed for gradient checks).
        self.dropout_param: dict[str, Any] = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        # One parameter dict per normalization layer; batchnorm keeps its running
        # mean and variance in it.
        self.bn_params: list[dict[str, Any]] = []
        if normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        elif normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        # TODO: fill self.params. For each layer i = 1 .. L draw Wi of shape
        # (D_{i-1}, D_i), in the order W1, W2, ..., WL, one draw from `rng` each:
        # weight_scale * standard normal when weight_init is None, otherwise the
        # initializer named weight_init, called with rng=rng (and std=weight_scale
        # for 'gaussian'). Biases start at zero.
        # Hidden layers with normalization get gamma{i} = 1 and beta{i} = 0;
        # with PReLU they get alpha{i} = PRELU_INIT.
        # (`rng` is np.random.default_rng(seed); finish by casting every parameter to dtype.)
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            fan_in, fan_out = dims[i - 1], dims[i]
            if weight_init is None:
                w = weight_scale * rng.standard_normal((fan_in, fan_out))
            elif weight_init == "gaussian":
                w = initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)
            else:
                w = getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)
            self.params[f"W{i}"] = w
            self.params[f"b{i}"] = np.zeros(fan_out)
            if i == self.num_layers:
                break
            if normalization is not None:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
            if activation == "prelu":
                self.params[f"alpha{i}"] = np.full(fan_out, PRELU_INIT)
        for name, value in self.params.items():
            self.params[name] = np.asarray(value).astype(dtype, copy=False)
        ### END SOLUTION

    def loss(
        self, X: np.ndarray, y: np.ndarray | None = None
    ) -> np.ndarray | tuple[float, dict[str, np.ndarray]]:
        """Compute the class scores, or the loss and its gradients.

        Uses only the instance's attributes (params, reg, dtype, num_layers,
        normalization, activation, use_dropout, dropout_param, bn_params).

        Inputs:
        - X: input data, of shape (N, d_1, ..., d_k)
        - y: labels, of shape (N,), y[i] in [0, C); None for test mode

        Returns:
        If y is None (test mode: dropout is off and batchnorm uses its running
        statistics):
        - scores: class scores, of shape (N, C), dtype self.dtype
        If y is given (train mode), a tuple of:
        - loss: softmax data loss plus 0.5 * reg * sum of the squared weights
        - grads: dict with the same keys as self.params, grads[k] the gradient of
          the loss with respect to self.params[k] (same shape and dtype)
        """
        X = X.astype(self.dtype, copy=False)
        mode = "test" if y is None else "train"
        # Dropout and batchnorm behave differently at train and test time.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode

        # TODO: forward pass. Compute `scores` of shape (N, C), keeping each
        # layer's caches for the backward pass. Hidden layer i passes the dict
        # self.bn_params[i - 1] to its normalization; the last layer is affine only.
        # In test mode (y is None) return the scores.

        # TODO: backward pass. Compute `loss` (softmax loss plus the L2 term
        # 0.5 * reg * sum(W ** 2) of every weight matrix) and fill `grads`, one
        # entry per key of self.params.
        ### BEGIN SOLUTION
        act_forward = {
            "relu": relu_forward,
            "leaky_relu": leaky_relu_forward,
            "elu": elu_forward,
            "sigmoid": sigmoid_forward,
            "tanh": tanh_forward,
        }.get(self.activation)
        L = self.num_layers
        caches = []
        out = X
        for i in range(1, L):
            out, fc_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            norm_cache = None
            if self.normalization == "batchnorm":
                out, norm_cache = batchnorm_forward(
                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
            elif self.normalization == "layernorm":
                out, norm_cache = layernorm_forward(
                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
            if self.activation == "prelu":
                out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])
            else:
                assert act_forward is not None  # every activation but prelu is in the table
                out, act_cache = act_forward(out)
            drop_cache = None
            if self.use_dropout:
                out, drop_cache = dropout_forward(out, self.dropout_param)
            caches.append((fc_cache, norm_cache, act_cache, drop_cache))
        scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])

        if y is None:  # test mode
            return scores  # no labels: no loss and no gradients

        grads: dict[str, np.ndarray] = {}
        act_backward = {
            "relu": relu_backward,
            "leaky_relu": leaky_relu_backward,
            "elu": elu_backward,
            "sigmoid": sigmoid_backward,
            "tanh": tanh_backward,
        }.get(self.activation)
        loss, dout = softmax_loss(scores, y)
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)
        for i in range(L - 1, 0, -1):
            fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dout = dropout_backward(dout, drop_cache)
            if self.activation == "prelu":
                dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)
            else:
                assert act_backward is not None  # every activation but prelu is in the table
                dout = act_backward(dout, act_cache)
            if self.normalization == "batchnorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dout, norm_cache)
            elif self.normalization == "layernorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, norm_cache)
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
        if self.reg:  # without it there is nothing to add: no (D, M) temporary per layer
            for i in range(1, L + 1):
                w = self.params[f"W{i}"]
                # 0.5 * reg * |W|^2 has gradient reg * W (the 0.5 cancels the square's 2).
                loss += 0.5 * self.reg * float(np.vdot(w, w))
                grads[f"W{i}"] += self.reg * w
        ### END SOLUTION

        return loss, grads
