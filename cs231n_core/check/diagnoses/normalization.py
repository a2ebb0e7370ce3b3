"""Likely mistakes of the ``normalization`` tasks (see ``rules``).

Forward calls are (x, gamma, beta, param); backward calls are (dout, cache),
with the cache laid out as the course's solution lays it out (the rows read it as
such); with a cache of another layout, those rows match nothing.

Provided whole: use it, do not edit it.
"""

from typing import Any

import numpy as np

from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    Seen,
    all_of,
    any_of,
    failed,
    matches,
    passed,
    scaled,
)

DEFAULT_EPS = 1e-5


def _normalised(seen: Seen, axis: int = 0, ddof: int = 0, eps: float | None = None,
                stats: tuple[Any, Any] | None = None) -> np.ndarray:
    """gamma * (x - mean) / sqrt(var + eps) + beta, with the statistics of ``axis`` or ``stats``."""
    x, gamma, beta, param = seen.args[:4]
    if stats is None:
        mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, ddof=ddof, keepdims=True)
    else:
        mean, var = stats
    e = param.get("eps", DEFAULT_EPS) if eps is None else eps
    return gamma * (x - mean) / np.sqrt(var + e) + beta


def _running(seen: Seen, key: str) -> Any:
    """The running average updated with momentum and 1 - momentum swapped."""
    x, param = seen.args[0], seen.args[3]
    m = param.get("momentum", 0.9)
    batch = x.mean(axis=0) if key == "running_mean" else x.var(axis=0)
    old = param.get(key, np.zeros(x.shape[1]))
    return (1 - m) * old + m * batch


def _dxhat_parts(seen: Seen, gamma: bool = True, axis: int = 0) -> tuple[Any, ...]:
    dout, cache = seen.args[0], seen.args[1]
    if isinstance(cache, dict):
        xhat, inv_std, g = cache["xhat"], cache["inv_std"], cache["gamma"]
    else:  # layernorm: (x, mean, inv_std, gamma), statistics per row
        x, mean, inv_std, g = cache
        xhat = (x - mean) * inv_std
    dxhat = dout * g if gamma else dout
    return dxhat, xhat, inv_std


def _dx(axis: int, mean_term: bool = True, var_term: bool = True, gamma: bool = True,
        first: bool = True) -> Any:
    """dx from a known wrong formula: without a term, without gamma (``gamma=False``), or
    with dout instead of dout * gamma in its first term only (``first=False``)."""

    def wrong(seen: Seen) -> Any:
        dxhat, xhat, inv_std = _dxhat_parts(seen, gamma)
        dx = dxhat.copy() if first else np.array(seen.args[0], dtype=np.float64)
        if mean_term:
            dx -= dxhat.mean(axis=axis, keepdims=True)
        if var_term:
            dx -= xhat * (dxhat * xhat).mean(axis=axis, keepdims=True)
        return inv_std * dx

    return wrong


def _n(seen: Seen) -> int:
    return int(np.shape(seen.args[0])[0])


_RUNNING = "running statistics"
_BN_BACKWARD = (
    D(matches("dx", _dx(0, var_term=False)),
      "dx misses the path through the variance: the batch variance depends on x too"),
    D(matches("dx", _dx(0, mean_term=False)),
      "dx misses the path through the batch mean: subtract the mean of dxhat over the batch"),
    D(matches("dx", _dx(0, gamma=False)), "dx forgets gamma: dxhat = dout * gamma"),
    D(matches("dgamma", lambda s: s.args[0].sum(axis=0)),
      "dgamma is the sum of dout * xhat over the batch: it misses xhat"),
    D(scaled("dgamma", lambda s: 1 / _n(s)),
      "dgamma is averaged over the batch (a factor 1/N): sum it"),
    D(scaled("dbeta", lambda s: 1 / _n(s)),
      "dbeta is averaged over the batch (a factor 1/N): it is the sum of dout over axis 0"),
)

TABLE: dict[str, tuple[D, ...]] = {
    "normalization.batchnorm_forward": (
        D(matches("train output", lambda s: _normalised(s, ddof=1)),
          "the variance is the unbiased one: batchnorm divides by N, not N - 1"),
        D(any_of(matches(_RUNNING, lambda s: _running(s, "running_mean")),
                 matches(_RUNNING, lambda s: _running(s, "running_var"))),
          "the running averages weigh the wrong way round: running = momentum * running + "
          "(1 - momentum) * batch statistic"),
        D(matches("test output", lambda s: _normalised(s)),
          "test mode normalises with the batch's statistics: use the running averages"),
        D(failed("test mode keeps running statistics"),
          "test mode changes the running statistics: only train mode updates them"),
        D(matches("train output", lambda s: _normalised(s, eps=DEFAULT_EPS)),
          "eps is hard-coded: read it from bn_param (default 1e-5)"),
        D(all_of(failed("bad mode"), passed("test output")),
          "an unknown mode must raise ValueError, not run as test mode"),
    ),
    "normalization.batchnorm_backward": _BN_BACKWARD,
    "normalization.batchnorm_backward_alt": (
        D(matches("dx", _dx(0, mean_term=False)),
          "dx drops the mean term: subtract the mean of dxhat over the batch"),
        *_BN_BACKWARD,
    ),
    "normalization.layernorm_forward": (
        D(matches("out", lambda s: _normalised(s, axis=0)),
          "layernorm normalises each sample over its features (axis 1), not over the batch"),
        D(matches("out", lambda s: _normalised(s, axis=1, eps=DEFAULT_EPS)),
          "eps is hard-coded: read it from ln_param (default 1e-5)"),
    ),
    "normalization.layernorm_backward": (
        D(matches("dx", _dx(1, mean_term=False)),
          "dx drops the mean term: subtract the mean of dxhat over the features"),
        D(any_of(matches("dx", _dx(1, gamma=False)),
                 matches("dx", _dx(1, first=False))),
          "dx forgets gamma: dxhat = dout * gamma"),
    ),
}
