"""Weight initialisers for fully connected layers.

Every initialiser returns a weight matrix of shape (fan_in, fan_out), the layout
``affine_forward`` expects (``out = x @ w + b``), as a float64 array. Their
common inputs:
- fan_in: number of inputs of the layer
- fan_out: number of outputs of the layer
- rng: numpy Generator to draw from; None uses a fresh np.random.default_rng(),
  so pass a seeded generator when you need the same weights twice. ``zeros``
  accepts rng too (and ignores it), so every initialiser can be called as
  ``init(fan_in, fan_out, rng=rng)``.

``lsuv`` is different: it takes weights that already exist and a batch of data,
and rescales the layers so that the signal keeps unit variance through the net.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """All-zero weights (the lecture's example of what not to do).

    With zero weights every unit of a layer computes the same output and
    receives the same gradient, so the units never become different.

    Inputs: fan_in, fan_out and rng (ignored), as in the module docstring.

    Returns:
    - w: zeros, of shape (fan_in, fan_out), dtype float64
    """
    ### BEGIN SOLUTION
    w = np.zeros((fan_in, fan_out))
    ### END SOLUTION
    return w


def gaussian(
    fan_in: int, fan_out: int, std: float = 0.01, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Small random numbers: independent N(0, std**2) entries.

    Fine for small nets; in deep nets the activations shrink layer after layer
    (the lecture's 10-layer tanh experiment).

    Inputs (fan_in, fan_out and rng: see the module docstring):
    - std: standard deviation of every entry
    Draw all entries with one call rng.standard_normal((fan_in, fan_out)).

    Returns:
    - w: weights, of shape (fan_in, fan_out), dtype float64
    """
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    w = std * rng.standard_normal((fan_in, fan_out))
    ### END SOLUTION
    return w


def xavier(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Xavier initialisation as in the lecture: N(0, 1 / fan_in) entries.

    The scale keeps the variance of x @ w equal to the variance of x when the
    inputs are independent with zero mean (Glorot & Bengio 2010; the lecture's
    fan_in-only variant).

    Inputs: fan_in, fan_out and rng, as in the module docstring. Draw all
    entries with one call rng.standard_normal((fan_in, fan_out)).

    Returns:
    - w: weights with standard deviation 1 / sqrt(fan_in), of shape (fan_in, fan_out)
    """
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
    ### END SOLUTION
    return w


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Glorot (Xavier) uniform initialisation: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).

    The variance a**2 / 3 = 2 / (fan_in + fan_out) balances the forward and the
    backward signal (Glorot & Bengio 2010).

    Inputs: fan_in, fan_out and rng, as in the module docstring. Draw all
    entries with one call rng.uniform(-a, a, size=(fan_in, fan_out)).

    Returns:
    - w: weights in [-a, a], of shape (fan_in, fan_out), dtype float64
    """
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    w = rng.uniform(-limit, limit, size=(fan_in, fan_out))
    ### END SOLUTION
    return w


def he(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """He (Kaiming) initialisation for ReLU nets: N(0, 2 / fan_in) entries.

    ReLU zeroes half of its inputs on average, which halves the variance; the
    extra factor 2 makes up for it (He et al. 2015).

    Inputs: fan_in, fan_out and rng, as in the module docstring. Draw all
    entries with one call rng.standard_normal((fan_in, fan_out)).

    Returns:
    - w: weights with standard deviation sqrt(2 / fan_in), of shape (fan_in, fan_out)
    """
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
    ### END SOLUTION
    return w


def orthogonal(
    fan_in: int, fan_out: int, gain: float = 1.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Random orthogonal initialisation (Saxe et al. 2013), scaled by ``gain``.

    Draw a Gaussian matrix A = rng.standard_normal((max(fan_in, fan_out),
    min(fan_in, fan_out))) and take its reduced QR decomposition A = QR. Fix the
    signs so that R has a positive diagonal (multiply each column of Q by the
    sign of the matching diagonal entry of R): without that step Q depends on
    the QR routine's sign convention and is not uniformly distributed over the
    orthogonal matrices. Return gain * Q when fan_in >= fan_out, gain * Q.T
    otherwise.

    Inputs (fan_in, fan_out and rng: see the module docstring):
    - gain: scale of the result (e.g. sqrt(2) for ReLU nets)

    Returns:
    - w: weights of shape (fan_in, fan_out), dtype float64, with orthonormal
      columns (w.T @ w = gain**2 * I) when fan_in >= fan_out and orthonormal
      rows (w @ w.T = gain**2 * I) when fan_in < fan_out
    """
    rng = np.random.default_rng(rng)
    # TODO: np.linalg.qr gives the reduced decomposition of a tall matrix.
    ### BEGIN SOLUTION
    tall = fan_in >= fan_out
    a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))
    q, r = np.linalg.qr(a)
    # A zero on R's diagonal has probability zero; count it as positive.
    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
    w = gain * (q if tall else q.T)
    ### END SOLUTION
    return w


def lsuv(
    weights: list[np.ndarray],
    x: np.ndarray,
    activation: Callable[[np.ndarray], np.ndarray] | None = None,
    tol: float = 0.05,
    max_iter: int = 10,
) -> list[np.ndarray]:
    """Layer-sequential unit-variance (LSUV) rescaling of a stack of layers.

    In the spirit of "All you need is a good init" (Mishkin & Matas 2015): start
    from any initialisation (the paper uses orthogonal) and rescale each layer,
    first to last, so that its output has variance 1 on a batch of real data.

    The network is h_0 = x, z_l = h_l @ W_l, h_{l+1} = activation(z_l) (no
    biases). For each layer l in order:
    1. z = h_l @ W; var = np.var(z), the biased variance over ALL entries of
       the (N, fan_out) output (batch and units together).
    2. If |var - 1| <= tol, stop. Otherwise W = W / sqrt(var) and go back to 1.
       At most max_iter rescalings are made per layer; after that the layer is
       kept as it is, even if its variance is still outside tol.
    3. Pass h_{l+1} = activation(z), with z computed from the final W, to the
       next layer.
    Each returned W_l is a positive multiple of the given one; a layer that is
    already within tol is returned unchanged (as a copy). Without biases z is
    linear in W, so one rescaling is enough; the loop matters for layers whose
    output is not linear in the scale of W.

    Inputs:
    - weights: list of L weight matrices; weights[l] has shape (D_l, D_{l+1}),
      so that consecutive shapes chain. They are not modified.
    - x: a batch of inputs, of shape (N, D_0) (or (N, d_1, ..., d_k), flattened)
    - activation: elementwise nonlinearity applied after each layer; None means
      ReLU, max(z, 0)
    - tol: tolerance on |var - 1|
    - max_iter: maximum number of rescalings per layer

    Returns:
    - new_weights: list of L new arrays, shapes and dtypes as in ``weights``

    Raises ValueError if the shapes do not chain, or if a layer's output has
    zero variance (no rescaling can fix that, e.g. all-zero weights or all
    inputs killed by the ReLU).
    """
    h = x.reshape(x.shape[0], -1)
    dims = [h.shape[1]] + [w.shape[1] for w in weights]
    if [w.shape[0] for w in weights] != dims[:-1]:
        raise ValueError(
            f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
            f"weights have shapes {[w.shape for w in weights]}"
        )
    # TODO: for each layer in order, rescale a copy of its weights (never the
    # given array) as described above, then compute the next layer's input.
    # Raise ValueError when an output has zero variance.
    ### BEGIN SOLUTION
    act = activation if activation is not None else (lambda z: np.maximum(z, 0))
    new_weights = []
    for l, w in enumerate(weights):
        w = w.copy()
        z = h @ w
        for _ in range(max_iter):
            var = float(np.var(z))
            if abs(var - 1.0) <= tol:
                break
            if var == 0.0:
                raise ValueError(f"lsuv: layer {l} has an output of zero variance")
            w /= np.sqrt(var)  # in place on the copy, so float32 stays float32
            z = h @ w
        new_weights.append(w)
        h = act(z)
    ### END SOLUTION
    return new_weights
