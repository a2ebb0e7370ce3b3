"""Mutants and correct alternatives of batch and layer normalisation: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant

MUTANTS: list[Mutant] = [
    Mutant(
        "normalization: batchnorm forward with the unbiased (N - 1) variance",
        "normalization.batchnorm_forward",
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
                    var = np.einsum("ij,ij->j", xhat, xhat) / (N - 1)  # bug
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
    Mutant(
        "normalization: batchnorm forward updates the running statistics in test mode",
        "normalization.batchnorm_forward",
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
                    running_mean = momentum * running_mean + (1.0 - momentum) * mean
                    running_var = momentum * running_var + (1.0 - momentum) * var
                else:
                    xhat = x - running_mean
                    var = running_var
                    running_mean = momentum * running_mean + (1.0 - momentum) * x.mean(
                        axis=0
                    )  # bug
                    running_var = momentum * running_var + (1.0 - momentum) * x.var(
                        axis=0
                    )  # bug
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
    Mutant(
        "normalization: batchnorm running averages with momentum the wrong way round",
        "normalization.batchnorm_forward",
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
                    running_mean = momentum * mean + (1.0 - momentum) * running_mean  # bug
                    running_var = momentum * var + (1.0 - momentum) * running_var  # bug
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
    Mutant(
        "normalization: batchnorm test mode normalises with the batch statistics",
        "normalization.batchnorm_forward",
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
                    running_mean = momentum * running_mean + (1.0 - momentum) * mean
                    running_var = momentum * running_var + (1.0 - momentum) * var
                else:
                    xhat = x - x.mean(axis=0)  # bug
                    var = x.var(axis=0)  # bug
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
    Mutant(
        "normalization: batchnorm forward with a hard-coded eps",
        "normalization.batchnorm_forward",
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
                    running_mean = momentum * running_mean + (1.0 - momentum) * mean
                    running_var = momentum * running_var + (1.0 - momentum) * var
                else:
                    xhat = x - running_mean
                    var = running_var
                std = np.sqrt(var + 1e-05)  # bug
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
    Mutant(
        "normalization: batchnorm forward promotes float32 data to float64",
        "normalization.batchnorm_forward",
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
                    mean = x.mean(axis=0, dtype=np.float64)  # bug
                    xhat = x - mean
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
    Mutant(
        "normalization: batchnorm forward treats an unknown mode as test mode",
        "normalization.batchnorm_forward",
        r"""
            def batchnorm_forward(x, gamma, beta, bn_param):
                mode = bn_param.get("mode")
                if mode is None:  # bug
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
    Mutant(
        "normalization: batchnorm backward misses the variance path",
        "normalization.batchnorm_backward",
        r"""
            def batchnorm_backward(dout, cache):
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
                pass  # bug
                dmean = -dxc.sum(axis=0)
                dx = dxc + dmean / N
                return dx, dgamma, dbeta
        """,
    ),
    Mutant(
        "normalization: batchnorm backward misses the mean path",
        "normalization.batchnorm_backward",
        r"""
            def batchnorm_backward(dout, cache):
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
                dx = dxc  # bug
                return dx, dgamma, dbeta
        """,
    ),
    Mutant(
        "normalization: batchnorm backward computes dgamma without xhat",
        "normalization.batchnorm_backward",
        r"""
            def batchnorm_backward(dout, cache):
                xhat, std, inv_std, gamma = (
                    cache["xhat"],
                    cache["std"],
                    cache["inv_std"],
                    cache["gamma"],
                )
                N = dout.shape[0]
                dbeta = dout.sum(axis=0)
                dgamma = dout.sum(axis=0)  # bug
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
    Mutant(
        "normalization: batchnorm backward averages dbeta over the batch",
        "normalization.batchnorm_backward",
        r"""
            def batchnorm_backward(dout, cache):
                xhat, std, inv_std, gamma = (
                    cache["xhat"],
                    cache["std"],
                    cache["inv_std"],
                    cache["gamma"],
                )
                N = dout.shape[0]
                dbeta = dout.mean(axis=0)  # bug
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
    Mutant(
        "normalization: closed-form batchnorm backward drops the mean term",
        "normalization.batchnorm_backward_alt",
        r"""
            def batchnorm_backward_alt(dout, cache):
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
                    # bug: no `block -= shift`
                    block += dout[i : i + step]
                    block *= scale
                return dx, dgamma, dbeta
        """,
    ),
    Mutant(
        "normalization: closed-form batchnorm backward forgets gamma",
        "normalization.batchnorm_backward_alt",
        r"""
            def batchnorm_backward_alt(dout, cache):
                xhat, inv_std, gamma = (cache["xhat"], cache["inv_std"], cache["gamma"])
                N = dout.shape[0]
                dbeta = dout.sum(axis=0)
                dgamma = np.einsum("ij,ij->j", dout, xhat)
                scale = inv_std  # bug
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
        """,
    ),
    Mutant(
        "normalization: closed-form batchnorm backward averages dgamma",
        "normalization.batchnorm_backward_alt",
        r"""
            def batchnorm_backward_alt(dout, cache):
                xhat, inv_std, gamma = (cache["xhat"], cache["inv_std"], cache["gamma"])
                N = dout.shape[0]
                dbeta = dout.sum(axis=0)
                dgamma = np.einsum("ij,ij->j", dout, xhat) / N  # bug
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
        """,
    ),
    Mutant(
        "normalization: layernorm normalises over the batch axis",
        "normalization.layernorm_forward",
        r"""
            def layernorm_forward(x, gamma, beta, ln_param):
                eps = float(ln_param.get("eps", 1e-05))
                D = x.shape[1]
                mean = x.mean(axis=0, keepdims=True)  # bug
                out = np.subtract(x, mean, dtype=np.result_type(mean, gamma, beta))
                var = np.einsum("ij,ij->j", out, out) / x.shape[0]  # bug
                inv_std = 1.0 / np.sqrt(var + eps)  # bug
                out *= inv_std
                out *= gamma
                out += beta
                cache = (x, mean, inv_std, gamma)
                return out, cache
        """,
    ),
    Mutant(
        "normalization: layernorm forward with a hard-coded eps",
        "normalization.layernorm_forward",
        r"""
            def layernorm_forward(x, gamma, beta, ln_param):
                eps = float(ln_param.get("eps", 1e-05))
                D = x.shape[1]
                mean = x.mean(axis=1, keepdims=True)
                out = np.subtract(x, mean, dtype=np.result_type(mean, gamma, beta))
                var = (out[:, None, :] @ out[:, :, None]).reshape(-1) / D
                inv_std = 1.0 / np.sqrt(var + 1e-05)[:, None]  # bug
                out *= inv_std
                out *= gamma
                out += beta
                cache = (x, mean, inv_std, gamma)
                return out, cache
        """,
    ),
    Mutant(
        "normalization: layernorm backward drops the mean term",
        "normalization.layernorm_backward",
        r"""
            def layernorm_backward(dout, cache):
                x, mean, inv_std, gamma = cache
                N, D = dout.shape
                dtype = np.result_type(dout, inv_std, gamma)
                dbeta = dout.sum(axis=0)
                dgamma = np.zeros(D, dtype=dtype)
                mean_dxhat = (dout @ gamma)[:, None] / D
                dx = np.empty((N, D), dtype=dtype)
                step = max(1, (1 << 19) // max(1, D * dx.itemsize))
                centred = np.empty((min(step, N), D), dtype=dtype)
                for i in range(0, N, step):
                    rows = slice(i, i + step)
                    inv = inv_std[rows]
                    xc = centred[: min(step, N - i)]
                    np.subtract(x[rows], mean[rows], out=xc)
                    block = dx[rows]
                    np.multiply(dout[rows], xc, out=block)
                    dgamma += inv[:, 0] @ block
                    coef = (block @ gamma)[:, None] * (inv * inv / D)
                    np.multiply(dout[rows], gamma, out=block)
                    # bug: no `block -= mean_dxhat[rows]`
                    xc *= coef
                    block -= xc
                    block *= inv
                return dx, dgamma, dbeta
        """,
    ),
    Mutant(
        "normalization: layernorm backward sums dbeta over the features",
        "normalization.layernorm_backward",
        r"""
            def layernorm_backward(dout, cache):
                x, mean, inv_std, gamma = cache
                N, D = dout.shape
                dtype = np.result_type(dout, inv_std, gamma)
                dbeta = dout.sum(axis=1)  # bug
                dgamma = np.zeros(D, dtype=dtype)
                mean_dxhat = (dout @ gamma)[:, None] / D
                dx = np.empty((N, D), dtype=dtype)
                step = max(1, (1 << 19) // max(1, D * dx.itemsize))
                centred = np.empty((min(step, N), D), dtype=dtype)
                for i in range(0, N, step):
                    rows = slice(i, i + step)
                    inv = inv_std[rows]
                    xc = centred[: min(step, N - i)]
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
                return dx, dgamma, dbeta
        """,
    ),
    Mutant(
        "normalization: layernorm backward forgets gamma",
        "normalization.layernorm_backward",
        r"""
            def layernorm_backward(dout, cache):
                x, mean, inv_std, gamma = cache
                N, D = dout.shape
                dtype = np.result_type(dout, inv_std, gamma)
                dbeta = dout.sum(axis=0)
                dgamma = np.zeros(D, dtype=dtype)
                mean_dxhat = (dout @ gamma)[:, None] / D
                dx = np.empty((N, D), dtype=dtype)
                step = max(1, (1 << 19) // max(1, D * dx.itemsize))
                centred = np.empty((min(step, N), D), dtype=dtype)
                for i in range(0, N, step):
                    rows = slice(i, i + step)
                    inv = inv_std[rows]
                    xc = centred[: min(step, N - i)]
                    np.subtract(x[rows], mean[rows], out=xc)
                    block = dx[rows]
                    np.multiply(dout[rows], xc, out=block)
                    dgamma += inv[:, 0] @ block
                    coef = (block @ gamma)[:, None] * (inv * inv / D)
                    block[...] = dout[rows]  # bug
                    block -= mean_dxhat[rows]
                    xc *= coef
                    block -= xc
                    block *= inv
                return dx, dgamma, dbeta
        """,
    ),
]

ALTERNATIVES: list[Alternative] = [
]
