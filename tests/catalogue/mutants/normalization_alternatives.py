"""Correct alternatives of batch and layer normalisation: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, patch, replace

MUTANTS: list[Mutant] = [
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "normalization: batchnorm with np.var and a tuple cache its backward passes read",
        "normalization",
        (
            patch(
            "batchnorm_forward",
            replace(r"""
                N = x.shape[0]
                if mode == 'train':
                    mean = x.mean(axis=0)
                    xhat = x - mean
                    var = np.einsum('ij,ij->j', xhat, xhat) / N
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
                cache = {'mode': mode, 'xhat': xhat, 'std': std, 'inv_std': inv_std, 'gamma': gamma}
            """, r"""
                if mode == 'train':
                    sample_mean = np.mean(x, axis=0)
                    sample_var = np.var(x, axis=0)
                    running_mean = momentum * running_mean + (1 - momentum) * sample_mean
                    running_var = momentum * running_var + (1 - momentum) * sample_var
                    x_norm = (x - sample_mean) / np.sqrt(sample_var + eps)
                    cache = (x, sample_mean, sample_var, eps, gamma, 'train')
                else:
                    x_norm = (x - running_mean) / np.sqrt(running_var + eps)
                    cache = (x, running_mean, running_var, eps, gamma, 'test')
                out = gamma * x_norm + beta
            """),
        ),
            patch(
            "batchnorm_backward",
            replace(r"""
                xhat, std, inv_std, gamma = (cache['xhat'], cache['std'], cache['inv_std'], cache['gamma'])  # noqa: E501
                N = dout.shape[0]
                dbeta = dout.sum(axis=0)
                dgamma = (dout * xhat).sum(axis=0)
            """, r"""
                x, mu, var, eps, gamma, mode = cache
                N = x.shape[0]
                xmu = x - mu
                sqrtvar = np.sqrt(var + eps)
                ivar = 1.0 / sqrtvar
                xhat = xmu * ivar
                dbeta = np.sum(dout, axis=0)
                dgamma = np.sum(dout * xhat, axis=0)
            """),
            replace("dxc = dxhat * inv_std", r"""
                if mode == 'test':
                    return (dxhat * ivar, dgamma, dbeta)
            """),
            replace(r"""
                if cache['mode'] == 'test':
                    return (dxc, dgamma, dbeta)
            """, "divar = np.sum(dxhat * xmu, axis=0)"),
            replace("xc = xhat * std", "dxmu1 = dxhat * ivar"),
            replace(
                "dinv_std = (dxhat * xc).sum(axis=0)",
                "dsqrtvar = -1.0 / sqrtvar ** 2 * divar",
            ),
            replace("dstd = -dinv_std * inv_std ** 2", "dvar = 0.5 / sqrtvar * dsqrtvar"),
            replace("dvar = 0.5 * dstd * inv_std", "dsq = np.ones_like(dout) * dvar / N"),
            replace("dxc += 2.0 / N * dvar * xc", "dxmu2 = 2 * xmu * dsq"),
            replace("dmean = -dxc.sum(axis=0)", "dmu = -np.sum(dxmu1 + dxmu2, axis=0)"),
            replace("dxc + dmean / N", "dxmu1 + dxmu2 + np.ones_like(dout) * dmu / N"),
        ),
            patch(
            "batchnorm_backward_alt",
            replace(r"""
                xhat, inv_std, gamma = (cache['xhat'], cache['inv_std'], cache['gamma'])
                N = dout.shape[0]
            """, r"""
                x, mu, var, eps, gamma, mode = cache
                N = x.shape[0]
                ivar = 1.0 / np.sqrt(var + eps)
                xhat = (x - mu) * ivar
            """),
            replace(r"""
                dgamma = np.einsum('ij,ij->j', dout, xhat)
                scale = gamma * inv_std
                if cache['mode'] == 'test':
                    return (dout * scale, dgamma, dbeta)
                xhat_coef, shift = (dgamma / -N, dbeta / N)
                dx = np.empty(dout.shape, dtype=np.result_type(dout, xhat, scale))
                step = max(1, (1 << 19) // max(1, dx.shape[1] * dx.itemsize))
                for i in range(0, N, step):
                    block = dx[i:i + step]
                    np.multiply(xhat[i:i + step], xhat_coef, out=block)
                    block -= shift
                    block += dout[i:i + step]
                    block *= scale
            """, r"""
                dgamma = (dout * xhat).sum(axis=0)
                if mode == 'test':
                    return (dout * gamma * ivar, dgamma, dbeta)
                dx = gamma * ivar / N * (N * dout - dbeta - xhat * dgamma)
            """),
        ),
        ),
    ),
    Alternative(
        "normalization: graph and closed-form batchnorm backward swapped",
        "normalization",
        (
            patch(
            "batchnorm_backward",
            replace("(xhat, std, inv_std, gamma)", "(xhat, inv_std, gamma)"),
            replace(
                "(cache['xhat'], cache['std'], cache['inv_std'], cache['gamma'])",
                "(cache['xhat'], cache['inv_std'], cache['gamma'])",
            ),
            replace(r"""
                dgamma = (dout * xhat).sum(axis=0)
                dxhat = dout * gamma
                dxc = dxhat * inv_std
                if cache['mode'] == 'test':
                    return (dxc, dgamma, dbeta)
                xc = xhat * std
                dinv_std = (dxhat * xc).sum(axis=0)
                dstd = -dinv_std * inv_std ** 2
                dvar = 0.5 * dstd * inv_std
                dxc += 2.0 / N * dvar * xc
                dmean = -dxc.sum(axis=0)
                dx = dxc + dmean / N
            """, r"""
                dgamma = np.einsum('ij,ij->j', dout, xhat)
                scale = gamma * inv_std
                if cache['mode'] == 'test':
                    return (dout * scale, dgamma, dbeta)
                xhat_coef, shift = (dgamma / -N, dbeta / N)
                dx = np.empty(dout.shape, dtype=np.result_type(dout, xhat, scale))
                step = max(1, (1 << 19) // max(1, dx.shape[1] * dx.itemsize))
                for i in range(0, N, step):
                    block = dx[i:i + step]
                    np.multiply(xhat[i:i + step], xhat_coef, out=block)
                    block -= shift
                    block += dout[i:i + step]
                    block *= scale
            """),
        ),
            patch(
            "batchnorm_backward_alt",
            replace("(xhat, inv_std, gamma)", "(xhat, std, inv_std, gamma)"),
            replace(
                "(cache['xhat'], cache['inv_std'], cache['gamma'])",
                "(cache['xhat'], cache['std'], cache['inv_std'], cache['gamma'])",
            ),
            replace(r"""
                dgamma = np.einsum('ij,ij->j', dout, xhat)
                scale = gamma * inv_std
                if cache['mode'] == 'test':
                    return (dout * scale, dgamma, dbeta)
                xhat_coef, shift = (dgamma / -N, dbeta / N)
                dx = np.empty(dout.shape, dtype=np.result_type(dout, xhat, scale))
                step = max(1, (1 << 19) // max(1, dx.shape[1] * dx.itemsize))
                for i in range(0, N, step):
                    block = dx[i:i + step]
                    np.multiply(xhat[i:i + step], xhat_coef, out=block)
                    block -= shift
                    block += dout[i:i + step]
                    block *= scale
            """, r"""
                dgamma = (dout * xhat).sum(axis=0)
                dxhat = dout * gamma
                dxc = dxhat * inv_std
                if cache['mode'] == 'test':
                    return (dxc, dgamma, dbeta)
                xc = xhat * std
                dinv_std = (dxhat * xc).sum(axis=0)
                dstd = -dinv_std * inv_std ** 2
                dvar = 0.5 * dstd * inv_std
                dxc += 2.0 / N * dvar * xc
                dmean = -dxc.sum(axis=0)
                dx = dxc + dmean / N
            """),
        ),
        ),
    ),
    Alternative(
        "normalization: closed-form batchnorm backward calls the graph version",
        "normalization",
        patch(
            "batchnorm_backward_alt",
            replace(r"""
                xhat, inv_std, gamma = (cache['xhat'], cache['inv_std'], cache['gamma'])
                N = dout.shape[0]
                dbeta = dout.sum(axis=0)
                dgamma = np.einsum('ij,ij->j', dout, xhat)
                scale = gamma * inv_std
                if cache['mode'] == 'test':
                    return (dout * scale, dgamma, dbeta)
                xhat_coef, shift = (dgamma / -N, dbeta / N)
                dx = np.empty(dout.shape, dtype=np.result_type(dout, xhat, scale))
                step = max(1, (1 << 19) // max(1, dx.shape[1] * dx.itemsize))
                for i in range(0, N, step):
                    block = dx[i:i + step]
                    np.multiply(xhat[i:i + step], xhat_coef, out=block)
                    block -= shift
                    block += dout[i:i + step]
                    block *= scale
            """, "dx, dgamma, dbeta = batchnorm_backward(dout, cache)"),
        ),
    ),
    Alternative(
        "normalization: batchnorm running statistics updated in place",
        "normalization",
        patch(
            "batchnorm_forward",
            replace(r"""
                running_mean = momentum * running_mean + (1.0 - momentum) * mean
                running_var = momentum * running_var + (1.0 - momentum) * var
            """, r"""
                running_mean *= momentum
                running_mean += (1.0 - momentum) * mean
                running_var *= momentum
                running_var += (1.0 - momentum) * var
            """),
        ),
    ),
    Alternative(
        "normalization: closed-form batchnorm backward computed in float32",
        "normalization",
        patch(
            "batchnorm_backward_alt",
            replace("xhat, inv_std, gamma = (cache['xhat'], cache['inv_std'], cache['gamma'])", r"""
                xhat = cache['xhat'].astype(np.float32)
                inv_std = cache['inv_std'].astype(np.float32)
                gamma = cache['gamma'].astype(np.float32)
                dout = dout.astype(np.float32)
            """),
            replace(r"""
                dgamma = np.einsum('ij,ij->j', dout, xhat)
                scale = gamma * inv_std
                if cache['mode'] == 'test':
                    return (dout * scale, dgamma, dbeta)
                xhat_coef, shift = (dgamma / -N, dbeta / N)
                dx = np.empty(dout.shape, dtype=np.result_type(dout, xhat, scale))
                step = max(1, (1 << 19) // max(1, dx.shape[1] * dx.itemsize))
                for i in range(0, N, step):
                    block = dx[i:i + step]
                    np.multiply(xhat[i:i + step], xhat_coef, out=block)
                    block -= shift
                    block += dout[i:i + step]
                    block *= scale
            """, r"""
                dgamma = (dout * xhat).sum(axis=0)
                if cache['mode'] == 'test':
                    return (dout * (gamma * inv_std), dgamma, dbeta)
                dx = gamma * inv_std / N * (N * dout - dbeta - xhat * dgamma)
            """),
        ),
    ),
    Alternative(
        "normalization: layernorm as batchnorm on x.T, with a dict cache",
        "normalization",
        (
            patch(
            "layernorm_forward",
            replace(r"""
                D = x.shape[1]
                mean = x.mean(axis=1, keepdims=True)
                out = np.subtract(x, mean, dtype=np.result_type(mean, gamma, beta))
                var = (out[:, None, :] @ out[:, :, None]).reshape(-1) / D
                inv_std = 1.0 / np.sqrt(var + eps)[:, None]
                out *= inv_std
                out *= gamma
                out += beta
                cache = (x, mean, inv_std, gamma)
            """, r"""
                xt = x.T
                mu = xt.mean(axis=0)
                var = xt.var(axis=0)
                xhat = ((xt - mu) / np.sqrt(var + eps)).T
                out = gamma * xhat + beta
                cache = {'x': x, 'mu': mu, 'var': var, 'eps': eps, 'gamma': gamma}
            """),
        ),
            patch(
            "layernorm_backward",
            replace(r"""
                x, mean, inv_std, gamma = cache
                N, D = dout.shape
                dtype = np.result_type(dout, inv_std, gamma)
            """, r"""
                x, mu, var = (cache['x'], cache['mu'], cache['var'])
                D = x.shape[1]
                istd = 1.0 / np.sqrt(var + cache['eps'])
                xhat_t = (x.T - mu) * istd
            """),
            replace(r"""
                dgamma = np.zeros(D, dtype=dtype)
                mean_dxhat = (dout @ gamma)[:, None] / D
                dx = np.empty((N, D), dtype=dtype)
                step = max(1, (1 << 19) // max(1, D * dx.itemsize))
                centred = np.empty((min(step, N), D), dtype=dtype)
                for i in range(0, N, step):
                    rows = slice(i, i + step)
                    inv = inv_std[rows]
                    xc = centred[:min(step, N - i)]
                    np.subtract(x[rows], mean[rows], out=xc)
                    block = dx[rows]
                    np.multiply(dout[rows], xc, out=block)
                    dgamma += inv[:, 0] @ block
                    coef = (block @ gamma)[:, None] * (inv * inv / D)
                    np.multiply(dout[rows], gamma, out=block)
                    block -= mean_dxhat[rows]
                    xc *= coef
                    block -= xc
                    block *= inv
            """, r"""
                dgamma = (dout * xhat_t.T).sum(axis=0)
                g = (dout * cache['gamma']).T
                dx = (istd / D * (D * g - g.sum(axis=0) - xhat_t * (g * xhat_t).sum(axis=0))).T
            """),
        ),
        ),
    ),
]
