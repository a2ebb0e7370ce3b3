"""Correct alternatives of batch and layer normalisation: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant

MUTANTS: list[Mutant] = [
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "normalization: batchnorm with np.var and a tuple cache its backward passes read",
        "normalization",
        r"""
            def batchnorm_forward(x, gamma, beta, bn_param):
                mode = bn_param.get("mode")
                if mode not in ("train", "test"):
                    raise ValueError(
                        f"bn_param['mode'] must be 'train' or 'test', got {mode!r}"
                    )
                eps = float(bn_param.get("eps", 1e-05))
                momentum = float(bn_param.get("momentum", 0.9))
                D = x.shape[1]
                running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
                running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
                if mode == "train":
                    sample_mean = np.mean(x, axis=0)
                    sample_var = np.var(x, axis=0)
                    running_mean = momentum * running_mean + (1 - momentum) * sample_mean
                    running_var = momentum * running_var + (1 - momentum) * sample_var
                    x_norm = (x - sample_mean) / np.sqrt(sample_var + eps)
                    cache = (x, sample_mean, sample_var, eps, gamma, "train")
                else:
                    x_norm = (x - running_mean) / np.sqrt(running_var + eps)
                    cache = (x, running_mean, running_var, eps, gamma, "test")
                out = gamma * x_norm + beta
                bn_param["running_mean"] = running_mean
                bn_param["running_var"] = running_var
                return out, cache


            def batchnorm_backward(dout, cache):
                x, mu, var, eps, gamma, mode = cache
                N = x.shape[0]
                xmu = x - mu
                sqrtvar = np.sqrt(var + eps)
                ivar = 1.0 / sqrtvar
                xhat = xmu * ivar
                dbeta = np.sum(dout, axis=0)
                dgamma = np.sum(dout * xhat, axis=0)
                dxhat = dout * gamma
                if mode == "test":
                    return dxhat * ivar, dgamma, dbeta
                divar = np.sum(dxhat * xmu, axis=0)
                dxmu1 = dxhat * ivar
                dsqrtvar = -1.0 / sqrtvar**2 * divar
                dvar = 0.5 / sqrtvar * dsqrtvar
                dsq = np.ones_like(dout) * dvar / N
                dxmu2 = 2 * xmu * dsq
                dmu = -np.sum(dxmu1 + dxmu2, axis=0)
                dx = dxmu1 + dxmu2 + np.ones_like(dout) * dmu / N
                return dx, dgamma, dbeta


            def batchnorm_backward_alt(dout, cache):
                x, mu, var, eps, gamma, mode = cache
                N = x.shape[0]
                ivar = 1.0 / np.sqrt(var + eps)
                xhat = (x - mu) * ivar
                dbeta = dout.sum(axis=0)
                dgamma = (dout * xhat).sum(axis=0)
                if mode == "test":
                    return dout * gamma * ivar, dgamma, dbeta
                dx = gamma * ivar / N * (N * dout - dbeta - xhat * dgamma)
                return dx, dgamma, dbeta
        """,
    ),
    Alternative(
        "normalization: graph and closed-form batchnorm backward swapped",
        "normalization",
        r"""
            def batchnorm_backward(dout, cache):
                xhat, inv_std, gamma = (cache["xhat"], cache["inv_std"], cache["gamma"])
                N = dout.shape[0]
                dbeta = dout.sum(axis=0)
                dgamma = np.einsum("ij,ij->j", dout, xhat)
                scale = gamma * inv_std
                if cache["mode"] == "test":
                    return dout * scale, dgamma, dbeta
                xhat_coef, shift = (dgamma / -N, dbeta / N)
                dx = np.empty(dout.shape, dtype=np.result_type(dout, xhat, scale))
                step = max(1, (1 << 19) // max(1, dx.shape[1] * dx.itemsize))
                for i in range(0, N, step):
                    block = dx[i : i + step]
                    np.multiply(xhat[i : i + step], xhat_coef, out=block)
                    block -= shift
                    block += dout[i : i + step]
                    block *= scale
                return dx, dgamma, dbeta


            def batchnorm_backward_alt(dout, cache):
                xhat, std, inv_std, gamma = (
                    cache["xhat"],
                    cache["std"],
                    cache["inv_std"],
                    cache["gamma"],
                )
                N = dout.shape[0]
                dbeta = dout.sum(axis=0)
                dgamma = (dout * xhat).sum(axis=0)
                dxhat = dout * gamma
                dxc = dxhat * inv_std
                if cache["mode"] == "test":
                    return dxc, dgamma, dbeta
                xc = xhat * std
                dinv_std = (dxhat * xc).sum(axis=0)
                dstd = -dinv_std * inv_std**2
                dvar = 0.5 * dstd * inv_std
                dxc += 2.0 / N * dvar * xc
                dmean = -dxc.sum(axis=0)
                dx = dxc + dmean / N
                return dx, dgamma, dbeta
        """,
    ),
    Alternative(
        "normalization: closed-form batchnorm backward calls the graph version",
        "normalization",
        r"""
            def batchnorm_backward_alt(dout, cache):
                dx, dgamma, dbeta = batchnorm_backward(dout, cache)
                return dx, dgamma, dbeta
        """,
    ),
    Alternative(
        "normalization: batchnorm running statistics updated in place",
        "normalization",
        r"""
            def batchnorm_forward(x, gamma, beta, bn_param):
                mode = bn_param.get("mode")
                if mode not in ("train", "test"):
                    raise ValueError(
                        f"bn_param['mode'] must be 'train' or 'test', got {mode!r}"
                    )
                eps = float(bn_param.get("eps", 1e-05))
                momentum = float(bn_param.get("momentum", 0.9))
                D = x.shape[1]
                running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
                running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
                N = x.shape[0]
                if mode == "train":
                    mean = x.mean(axis=0)
                    xhat = x - mean
                    var = np.einsum("ij,ij->j", xhat, xhat) / N
                    running_mean *= momentum
                    running_mean += (1.0 - momentum) * mean
                    running_var *= momentum
                    running_var += (1.0 - momentum) * var
                else:
                    xhat = x - running_mean
                    var = running_var
                std = np.sqrt(var + eps)
                inv_std = 1.0 / std
                xhat *= inv_std
                out = xhat * gamma
                out += beta
                cache = {
                    "mode": mode,
                    "xhat": xhat,
                    "std": std,
                    "inv_std": inv_std,
                    "gamma": gamma,
                }
                bn_param["running_mean"] = running_mean
                bn_param["running_var"] = running_var
                return out, cache
        """,
    ),
    Alternative(
        "normalization: closed-form batchnorm backward computed in float32",
        "normalization",
        r"""
            def batchnorm_backward_alt(dout, cache):
                xhat = cache["xhat"].astype(np.float32)
                inv_std = cache["inv_std"].astype(np.float32)
                gamma = cache["gamma"].astype(np.float32)
                dout = dout.astype(np.float32)
                N = dout.shape[0]
                dbeta = dout.sum(axis=0)
                dgamma = (dout * xhat).sum(axis=0)
                if cache["mode"] == "test":
                    return dout * (gamma * inv_std), dgamma, dbeta
                dx = gamma * inv_std / N * (N * dout - dbeta - xhat * dgamma)
                return dx, dgamma, dbeta
        """,
    ),
    Alternative(
        "normalization: layernorm as batchnorm on x.T, with a dict cache",
        "normalization",
        r"""
            def layernorm_forward(x, gamma, beta, ln_param):
                eps = float(ln_param.get("eps", 1e-05))
                xt = x.T
                mu = xt.mean(axis=0)
                var = xt.var(axis=0)
                xhat = ((xt - mu) / np.sqrt(var + eps)).T
                out = gamma * xhat + beta
                cache = {"x": x, "mu": mu, "var": var, "eps": eps, "gamma": gamma}
                return out, cache


            def layernorm_backward(dout, cache):
                x, mu, var = (cache["x"], cache["mu"], cache["var"])
                D = x.shape[1]
                istd = 1.0 / np.sqrt(var + cache["eps"])
                xhat_t = (x.T - mu) * istd
                dbeta = dout.sum(axis=0)
                dgamma = (dout * xhat_t.T).sum(axis=0)
                g = (dout * cache["gamma"]).T
                dx = (istd / D * (D * g - g.sum(axis=0) - xhat_t * (g * xhat_t).sum(axis=0))).T
                return dx, dgamma, dbeta
        """,
    ),
]
