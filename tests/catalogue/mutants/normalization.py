"""Mutants and correct alternatives of batch and layer normalisation: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, drop, replace

MUTANTS: list[Mutant] = [
    Mutant(
        "normalization: batchnorm forward with the unbiased (N - 1) variance",
        "normalization.batchnorm_forward",
        replace(
                "np.einsum('ij,ij->j', xhat, xhat) / N",
                "np.einsum('ij,ij->j', xhat, xhat) / (N - 1)",
            ),
    ),
    Mutant(
        "normalization: batchnorm forward updates the running statistics in test mode",
        "normalization.batchnorm_forward",
        replace("var = running_var", r"""
                var = running_var
                running_mean = momentum * running_mean + (1.0 - momentum) * x.mean(axis=0)
                running_var = momentum * running_var + (1.0 - momentum) * x.var(axis=0)
            """),
    ),
    Mutant(
        "normalization: batchnorm running averages with momentum the wrong way round",
        "normalization.batchnorm_forward",
        (
            replace("momentum * running_mean", "momentum * mean"),
            replace("(1.0 - momentum) * mean", "(1.0 - momentum) * running_mean"),
            replace("momentum * running_var", "momentum * var"),
            replace("(1.0 - momentum) * var", "(1.0 - momentum) * running_var"),
        ),
    ),
    Mutant(
        "normalization: batchnorm test mode normalises with the batch statistics",
        "normalization.batchnorm_forward",
        (
            replace("x - running_mean", "x - x.mean(axis=0)"),
            replace("var = running_var", "var = x.var(axis=0)"),
        ),
    ),
    Mutant(
        "normalization: batchnorm forward with a hard-coded eps",
        "normalization.batchnorm_forward",
        replace("var + eps", "var + 1e-05"),
    ),
    Mutant(
        "normalization: batchnorm forward promotes float32 data to float64",
        "normalization.batchnorm_forward",
        replace("x.mean(axis=0)", "x.mean(axis=0, dtype=np.float64)"),
    ),
    Mutant(
        "normalization: batchnorm forward treats an unknown mode as test mode",
        "normalization.batchnorm_forward",
        replace("mode not in ('train', 'test')", "mode is None"),
    ),
    Mutant(
        "normalization: batchnorm backward misses the variance path",
        "normalization.batchnorm_backward",
        replace("dxc += 2.0 / N * dvar * xc", "pass"),
    ),
    Mutant(
        "normalization: batchnorm backward misses the mean path",
        "normalization.batchnorm_backward",
        replace("dxc + dmean / N", "dxc"),
    ),
    Mutant(
        "normalization: batchnorm backward computes dgamma without xhat",
        "normalization.batchnorm_backward",
        replace("dout * xhat", "dout"),
    ),
    Mutant(
        "normalization: batchnorm backward averages dbeta over the batch",
        "normalization.batchnorm_backward",
        replace("dout.sum", "dout.mean"),
    ),
    Mutant(
        "normalization: closed-form batchnorm backward drops the mean term",
        "normalization.batchnorm_backward_alt",
        drop("block -= shift"),
    ),
    Mutant(
        "normalization: closed-form batchnorm backward forgets gamma",
        "normalization.batchnorm_backward_alt",
        replace("gamma * inv_std", "inv_std"),
    ),
    Mutant(
        "normalization: closed-form batchnorm backward averages dgamma",
        "normalization.batchnorm_backward_alt",
        replace("np.einsum('ij,ij->j', dout, xhat)", "np.einsum('ij,ij->j', dout, xhat) / N"),
    ),
    Mutant(
        "normalization: layernorm normalises over the batch axis",
        "normalization.layernorm_forward",
        (
            replace("x.mean(axis=1, keepdims=True)", "x.mean(axis=0, keepdims=True)"),
            replace(
                "(out[:, None, :] @ out[:, :, None]).reshape(-1) / D",
                "np.einsum('ij,ij->j', out, out) / x.shape[0]",
            ),
            replace("np.sqrt(var + eps)[:, None]", "np.sqrt(var + eps)"),
        ),
    ),
    Mutant(
        "normalization: layernorm forward with a hard-coded eps",
        "normalization.layernorm_forward",
        replace("var + eps", "var + 1e-05"),
    ),
    Mutant(
        "normalization: layernorm backward drops the mean term",
        "normalization.layernorm_backward",
        drop("block -= mean_dxhat[rows]"),
    ),
    Mutant(
        "normalization: layernorm backward sums dbeta over the features",
        "normalization.layernorm_backward",
        replace("dout.sum(axis=0)", "dout.sum(axis=1)"),
    ),
    Mutant(
        "normalization: layernorm backward forgets gamma",
        "normalization.layernorm_backward",
        replace("np.multiply(dout[rows], gamma, out=block)", "block[...] = dout[rows]"),
    ),
]

ALTERNATIVES: list[Alternative] = [
]
