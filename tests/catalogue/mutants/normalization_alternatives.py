"""Correct alternatives of batch and layer normalisation: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, patch, replace, wrap
from tests.catalogue.mutants._entries import one_edit

_, _alternative = one_edit("normalization")

MUTANTS: list[Mutant] = []

# The backward passes read the tuple cache (x, mean, var, eps, gamma, mode) and
# rebuild what the reference's dict cache holds.
_FROM_TUPLE_CACHE = r"""
    x, mu, var, eps, gamma, mode = cache
    std = np.sqrt(var + eps)
    inv_std = 1.0 / std
    xhat = (x - mu) * inv_std
"""

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "normalization: batchnorm with np.var and a tuple cache its backward passes read",
        "normalization",
        (
            patch(
                "batchnorm_forward",
                replace("np.einsum('ij,ij->j', xhat, xhat) / N", "np.var(x, axis=0)"),
                replace(
                    "{'mode': mode, 'xhat': xhat, 'std': std, 'inv_std': inv_std, 'gamma': gamma}",
                    "(x, x.mean(axis=0) if mode == 'train' else running_mean, "
                    "var, eps, gamma, mode)",
                ),
            ),
            patch(
                "batchnorm_backward",
                replace(r"""
                    xhat, std, inv_std, gamma = (
                        cache['xhat'], cache['std'], cache['inv_std'], cache['gamma'])
                """, _FROM_TUPLE_CACHE),
                replace("cache['mode']", "mode"),
            ),
            patch(
                "batchnorm_backward_alt",
                replace(
                    "xhat, inv_std, gamma = (cache['xhat'], cache['inv_std'], cache['gamma'])",
                    _FROM_TUPLE_CACHE,
                ),
                replace("cache['mode']", "mode"),
            ),
        ),
    ),
    Alternative(
        "normalization: graph and closed-form batchnorm backward swapped",
        "normalization",
        r"""
            _graph, _closed_form = batchnorm_backward, batchnorm_backward_alt


            def batchnorm_backward(dout, cache):
                return _closed_form(dout, cache)


            def batchnorm_backward_alt(dout, cache):
                return _graph(dout, cache)
        """,
    ),
    Alternative(
        "normalization: closed-form batchnorm backward calls the graph version",
        "normalization",
        wrap("batchnorm_backward_alt", "return batchnorm_backward(dout, cache)"),
    ),
    _alternative("batchnorm running statistics updated in place", "batchnorm_forward",
        r"""
                running_mean = momentum * running_mean + (1.0 - momentum) * mean
                running_var = momentum * running_var + (1.0 - momentum) * var
            """, r"""
                running_mean *= momentum
                running_mean += (1.0 - momentum) * mean
                running_var *= momentum
                running_var += (1.0 - momentum) * var
            """),
    Alternative(
        "normalization: closed-form batchnorm backward computed in float32",
        "normalization",
        wrap("batchnorm_backward_alt", r"""
            as32 = {k: v.astype(np.float32) if isinstance(v, np.ndarray) else v
                    for k, v in cache.items()}
            return orig(dout.astype(np.float32), as32)
        """),
    ),
    Alternative(
        "normalization: layernorm as batchnorm on x.T, with a dict cache",
        "normalization",
        r"""
            def layernorm_forward(x, gamma, beta, ln_param):
                eps = float(ln_param.get('eps', 1e-5))
                xt = x.T
                mu, var = xt.mean(axis=0), xt.var(axis=0)
                xhat = ((xt - mu) / np.sqrt(var + eps)).T
                cache = {'x': x, 'mu': mu, 'var': var, 'eps': eps, 'gamma': gamma}
                return gamma * xhat + beta, cache


            def layernorm_backward(dout, cache):
                x, mu, var = cache['x'], cache['mu'], cache['var']
                D = x.shape[1]
                istd = 1.0 / np.sqrt(var + cache['eps'])
                xhat_t = (x.T - mu) * istd
                g = (dout * cache['gamma']).T
                dx = (istd / D * (D * g - g.sum(axis=0) - xhat_t * (g * xhat_t).sum(axis=0))).T
                return dx, (dout * xhat_t.T).sum(axis=0), dout.sum(axis=0)
        """,
    ),
]
